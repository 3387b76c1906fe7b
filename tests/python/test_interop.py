"""Interop of records and Tables with the Python ecosystem: pickle, copy, value equality,
JSON-ready to_dict(), Jupyter HTML, Arrow, polars, pandas, and concise reprs of the services.

Every record class of the engine is enumerated by introspection (a class with `_fields`), and the
`sample` fixture must hold an instance of each: a new record type fails here until it is added."""

import copy
import datetime as dt
import html.parser
import json
import pathlib
import pickle
import sqlite3
import random

import pytest

import crmkit
from crmkit import _crmkit

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")

RECORD_CLASSES = sorted((c for c in vars(_crmkit).values() if isinstance(c, type) and "_fields" in c.__dict__),
                        key=lambda c: c.__name__)
# A live handle on an open CRM (seg.count() evaluates through its view): it copies, compares and
# converts to a dict like every record, but pickling it is refused with a clear error.
LIVE_HANDLES = {"Segment"}

WORKFLOW = {
    "name": "big_deal", "entity": "opportunity", "trigger": {"on": "submit"}, "when": "amount >= 100000",
    "steps": [{"name": "manager", "approvers": "owner.manager", "mode": "any"},
              {"name": "director", "approvers": {"role": "director"}, "mode": "any", "sla_hours": 24,
               "escalate_to": "approver.manager"}]}


def _orders_for_clv(crm):
    rng = random.Random(5)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    rows = []
    for i in range(40):
        c = crm.customers.add(name=f"复购客户{i}")
        t = start + dt.timedelta(days=rng.randrange(0, 30))
        for _ in range(rng.randrange(1, 6)):
            rows.append({"customer": c.id, "amount": float(rng.randrange(50, 500)), "at": t})
            t += dt.timedelta(days=rng.randrange(5, 60))
    crm.orders.add_many(rows)


@pytest.fixture
def sample(org):
    """One instance of every record class, made through the public API: {class name: record}."""
    crm = org.crm
    crm.clock.freeze("2026-01-20T09:00")
    out = {}
    out["Team"], out["User"] = org.sales, org.alice
    out["Role"] = crm.roles.get("sales")
    out["FieldDef"] = crm.fields.add("customer", "region", type="enum", options=["华东", "华南"], label="区域")
    c = crm.customers.add(name="上海某某科技有限公司 🚀", industry="制造", owner=org.alice, tags=["VIP", "重点"],
                          fields={"region": "华东"})
    out["Contact"] = crm.contacts.add(c, name="李雷", title="采购经理", phone="13800138000")
    out["Interaction"] = crm.interactions.log(c, kind="call", by=org.alice, summary="确认需求 <b>&",
                                              next_follow_up="2026-02-01")
    out["Task"] = crm.tasks.add(c, title="回访", due="2026-02-03", assignee=org.alice)
    out["Ticket"] = crm.tickets.open(c, title="发票问题", by=org.alice)
    order = crm.orders.add(c, at="2026-01-15", items=[{"sku": "A1", "qty": 2, "price": 6400.0}])
    out["Order"], out["OrderItem"] = order, order.items[0]
    out["PoolRules"] = crm.pool.set_rules(idle_days=30)
    out["Customer"] = crm.customers.get(c.id)
    out["CustomerFacts"] = out["Customer"].facts
    seg = crm.segments.define("vip", 'has_tag("VIP")')
    out["Segment"], out["Snapshot"] = seg, seg.snapshot()
    out["SegmentDiff"] = crm.segments.diff("vip")
    crm.groups.add("展会名单")
    out["RevisitPlan"] = crm.revisits.plan("月度回访", group="展会名单", every_days=30)
    lead = crm.leads.add(name="王先生", company="某某制造", phone="13900000000", source="官网")
    out["Lead"] = lead
    out["ConvertResult"] = crm.leads.convert(lead, by=org.alice)
    opp = crm.opportunities.add(customer=c, title="ERP项目", amount=1_200_000, owner=org.alice,
                                close_date="2026-06-30")
    out["Document"] = crm.documents.add(opp, "quote", title="报价单", amount=1_150_000, discount=0.05) \
        if "quote" in crm.documents.kinds() else None
    if out["Document"] is None:
        crm.documents.define_kind("quote")
        out["Document"] = crm.documents.add(opp, "quote", title="报价单", amount=1_150_000, discount=0.05)
    out["Workflow"] = crm.workflows.define(WORKFLOW)
    out["Problem"] = crm.workflows.validate({"name": "x"})[0]
    route = crm.workflows.simulate("big_deal", opp.id)
    out["Route"], out["RouteStep"] = route, route.steps[0]
    out["RoutedApprover"] = route.steps[0].approvers[0]
    out["ReplayResult"] = crm.workflows.replay(WORKFLOW, where="amount > 0")
    req = crm.approvals.submit("opportunity", opp.id, workflow="big_deal", by=org.alice)
    out["BatchResult"] = crm.approvals.approve_many([req], by=org.wang)[0]
    out["ApprovalRequest"] = crm.approvals.get(req.id)
    out["Delegation"] = crm.approvals.delegate(org.wang, to=org.zhang, start="2026-01-21", end="2026-01-28")
    out["Verification"] = crm.audit.verify()
    out["Opportunity"] = crm.opportunities.get(opp.id)
    _orders_for_clv(crm)
    out["ClvFit"] = crm.clv.fit(asof="2026-01-20", time_unit="week")
    out["ImportReport"] = crm.imports.customers([{"客户名称": "导入测试客户"}], mapping={"客户名称": "name"})
    out["BackupResult"] = crm.backup(str(pathlib.Path(crm.path).with_name("sample-backup.db")))
    # A facts row set wrong behind the engine's back gives check() a problem to report.
    with sqlite3.connect(crm.path) as raw:
        raw.execute("UPDATE customer_facts SET order_count = order_count + 7 WHERE customer_id = ?", (c.id,))
    out["CheckResult"] = crm.check()
    out["CheckProblem"] = out["CheckResult"].problems[0]
    return out


def _records_inside(value):
    """Every engine record found anywhere inside a plain value (there should be none)."""
    if hasattr(type(value), "_fields"):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _records_inside(v)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in _records_inside(v)]
    return []


def test_the_sample_covers_every_record_class(sample):
    names = {c.__name__ for c in RECORD_CLASSES}
    assert len(names) >= 30
    missing = names - set(sample)
    assert not missing, f"add an instance of {sorted(missing)} to the sample fixture of this module"
    for name, record in sample.items():
        assert type(record).__name__ == name


@pytest.mark.parametrize("cls", RECORD_CLASSES, ids=lambda c: c.__name__)
def test_record_to_dict_is_recursive_and_json_ready(sample, cls):
    record = sample[cls.__name__]
    d = record.to_dict()
    assert list(d) == list(cls._fields)
    assert _records_inside(d) == []
    text = json.dumps(d, default=str, ensure_ascii=False)
    assert json.loads(text).keys() == d.keys()


@pytest.mark.parametrize("cls", RECORD_CLASSES, ids=lambda c: c.__name__)
def test_record_copies_and_compares_by_value(sample, cls):
    record = sample[cls.__name__]
    for twin in (copy.copy(record), copy.deepcopy(record)):
        assert twin is not record and type(twin) is cls
        assert twin == record and not (twin != record)
        assert twin.to_dict() == record.to_dict()
    assert record != object() and record != record.to_dict()
    with pytest.raises(TypeError):
        hash(record)


@pytest.mark.parametrize("cls", [c for c in RECORD_CLASSES if c.__name__ not in LIVE_HANDLES],
                         ids=lambda c: c.__name__)
def test_record_pickles(sample, cls):
    record = sample[cls.__name__]
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(record, protocol=protocol))
        assert type(back) is cls and back == record
        assert back.to_dict() == record.to_dict()
        assert repr(back) == repr(record)


def test_live_handles_refuse_to_pickle_clearly(sample):
    with pytest.raises(crmkit.Error, match="cannot be pickled"):
        pickle.dumps(sample["Segment"])
    seg = copy.copy(sample["Segment"])
    assert seg.count() == sample["Segment"].count() == 1


def test_records_differing_in_one_value_are_unequal(org):
    crm = org.crm
    a = crm.customers.add(name="甲")
    b = crm.customers.update(a, industry="制造")
    assert a != b
    assert b == crm.customers.get(a.id)
    # The derived facts are part of a customer's value although to_dict() leaves them out.
    crm.orders.add(a, amount=10.0)
    again = crm.customers.get(a.id)
    assert again.facts != b.facts and again != b


def test_nested_records_become_dicts(sample):
    route = sample["Route"].to_dict()
    assert isinstance(route["steps"][0], dict)
    assert isinstance(route["steps"][0]["approvers"][0], dict)
    assert route["steps"][0]["approvers"][0]["login"] == "wang"
    converted = sample["ConvertResult"].to_dict()
    assert isinstance(converted["customer"], dict) and isinstance(converted["lead"], dict)
    assert sample["Order"].to_dict()["items"][0]["sku"] == "A1"
    assert sample["Customer"].to_dict()["fields"] == {"region": "华东"}


def test_unpickled_clv_fit_predicts_the_same(org, sample):
    fit = sample["ClvFit"]
    back = pickle.loads(pickle.dumps(fit))
    assert (back.p, back.q, back.v, back.asof) == (fit.p, fit.q, fit.v, fit.asof)
    a = org.crm.clv.predict(horizon_days=90, fit=fit)
    b = org.crm.clv.predict(horizon_days=90, fit=back)
    assert a == b and len(a) >= 40


def test_unpickled_request_says_it_has_no_crm(sample):
    req = pickle.loads(pickle.dumps(sample["ApprovalRequest"]))
    assert req.id == sample["ApprovalRequest"].id
    with pytest.raises(crmkit.StorageError, match="unpickled"):
        req.history()
    # A copy keeps the view it was read through.
    assert len(copy.copy(sample["ApprovalRequest"]).history()) == len(sample["ApprovalRequest"].history())


# ---------------------------------------------------------------------------------------------
# Tables


@pytest.fixture
def table(org):
    crm = org.crm
    crm.clock.freeze("2026-01-01T09:00")
    crm.fields.add("customer", "score", type="number")
    crm.fields.add("customer", "vip", type="bool")
    crm.fields.add("customer", "founded", type="date")
    crm.customers.add(name="上海某某科技有限公司", industry="制造", owner=org.alice, tags=["VIP", "重点"],
                      fields={"score": 1.5, "vip": True, "founded": "2001-05-06"})
    crm.clock.advance(hours=1)
    crm.customers.add(name="<script>alert('x')</script> & 🚀")  # every optional value missing
    return crm.customers.find()


def test_table_pickles_copies_and_compares(table, org):
    for twin in (pickle.loads(pickle.dumps(table)), copy.copy(table), copy.deepcopy(table)):
        assert twin == table and twin is not table
        assert twin.columns == table.columns and twin.column_types == table.column_types
        assert twin.rows() == table.rows()
    assert table != org.crm.customers.find(limit=1)
    assert table != table.rows()
    empty = crmkit.Table()
    assert pickle.loads(pickle.dumps(empty)) == empty and empty != table
    with pytest.raises(TypeError):
        hash(table)


def test_rows_pickle(table):
    row = table[0]
    assert pickle.loads(pickle.dumps(row)) == row


class _Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.cells, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def test_repr_html_is_escaped_and_keeps_chinese(table):
    text = table._repr_html_()
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "上海某某科技有限公司" in text and "🚀" in text
    parser = _Cells()
    parser.feed(text)
    assert parser.tags.count("script") == 0
    assert parser.tags.count("tr") == 1 + len(table)
    header = parser.cells[:len(table.columns)]
    assert header == table.columns
    assert "<script>alert('x')</script> & 🚀" in parser.cells
    assert "VIP, 重点" in parser.cells
    assert "2 rows × " in text


def test_repr_html_limits_the_rows(org):
    crm = org.crm
    from crmkit import table as table_module
    crm.customers.add_many([{"name": f"客户{i}"} for i in range(table_module.HTML_ROWS + 7)])
    t = crm.customers.find()
    text = t._repr_html_()
    assert text.count("<tr>") == 1 + table_module.HTML_ROWS
    assert f"{len(t) - table_module.HTML_ROWS} more rows" in text
    assert crmkit.Table()._repr_html_().count("<tr>") == 1


def test_to_arrow_types_and_values(table):
    at = table.to_arrow()
    assert isinstance(at, pa.Table) and at.column_names == table.columns
    schema = at.schema
    assert schema.field("id").type == pa.int64()
    assert schema.field("name").type == pa.string()
    assert schema.field("score").type == pa.float64()
    assert schema.field("vip").type == pa.bool_()
    assert schema.field("founded").type == pa.date32()
    assert schema.field("created_at").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("tags").type == pa.list_(pa.string())
    assert at.to_pylist() == table.rows()


def test_arrow_c_stream_is_read_by_any_consumer(table):
    capsule = table.__arrow_c_stream__()
    assert type(capsule).__name__ == "PyCapsule"
    via_stream = pa.RecordBatchReader.from_stream(table).read_all()
    assert via_stream.equals(table.to_arrow())
    assert pl.DataFrame(table).shape == (2, len(table.columns))


def test_to_polars(table):
    df = table.to_polars()
    assert isinstance(df, pl.DataFrame) and df.columns == table.columns
    assert df["name"].to_list() == table.column("name")
    assert df.schema["created_at"] == pl.Datetime("ms", "UTC")
    assert df.schema["founded"] == pl.Date
    assert df["owner_id"].null_count() == 1
    assert df.to_dicts() == table.rows()


def test_pandas_dataframe_of_a_table_points_to_to_pandas(table):
    with pytest.raises(TypeError, match=r"to_pandas\(\)"):
        pd.DataFrame(table)
    assert table.to_pandas()["name"].tolist() == table.column("name")


def test_missing_optional_library_says_what_to_install(table, monkeypatch):
    import importlib
    real = importlib.import_module

    def without(missing):
        def import_module(name, *args):
            if name == missing:
                raise ImportError(f"No module named {name!r}")
            return real(name, *args)
        return import_module

    monkeypatch.setattr(importlib, "import_module", without("pyarrow"))
    with pytest.raises(ImportError, match=r"to_arrow\(\) needs pyarrow.*pip install 'crmkit\[arrow\]'"):
        table.to_arrow()
    monkeypatch.setattr(importlib, "import_module", without("polars"))
    with pytest.raises(ImportError, match=r"pip install 'crmkit\[polars\]'"):
        table.to_polars()


# ---------------------------------------------------------------------------------------------
# reprs


def test_crm_and_service_reprs_are_concise(org, db_path):
    crm = org.crm
    assert repr(crm) == f"<crmkit.Crm {str(db_path)!r} system view>"
    assert repr(crm.as_user(org.alice)) == f"<crmkit.Crm {str(db_path)!r} as 'alice'>"
    assert repr(crm.customers) == "<crmkit.Customers crm.customers>"
    assert repr(crm.approvals) == "<crmkit.Approvals crm.approvals>"
    crm.clock.freeze("2026-01-20T09:00")
    assert repr(crm.clock) == "<crmkit.Clock 2026-01-20T09:00:00+00:00 frozen>"
    for name in dir(crm):
        if name.startswith("_"):
            continue
        value = getattr(crm, name)
        if type(value).__module__.startswith("crmkit") and not callable(value) and not isinstance(value, crmkit.User):
            text = repr(value)
            assert len(text) < 100 and " object at 0x" not in text, (name, text)
    other = crmkit.open(":memory:")
    other.close()
    assert repr(other) == "<crmkit.Crm closed>"
