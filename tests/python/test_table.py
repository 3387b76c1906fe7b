"""crmkit.Table: the columnar result of every list call, its row sugar and to_pandas()."""

import datetime as dt
import math

import pytest

import crmkit

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

UTC = dt.timezone.utc


@pytest.fixture
def table_crm(org):
    crm = org.crm
    crm.clock.freeze("2026-01-01T09:00")
    crm.fields.add("customer", "score", type="number")
    crm.fields.add("customer", "employees", type="integer")
    crm.fields.add("customer", "vip", type="bool")
    crm.fields.add("customer", "founded", type="date")
    crm.fields.add("customer", "last_visit", type="datetime")
    crm.fields.add("customer", "channels", type="multi_enum", options=["微信", "电话"])
    crm.customers.add(name="上海某某科技有限公司", industry="制造", owner=org.alice, tags=["VIP", "重点"],
                      email="info@example.cn",
                      fields={"score": 1.5, "employees": 10, "vip": True, "founded": "2001-05-06",
                              "last_visit": "2026-01-02T03:04:05Z", "channels": ["微信"]})
    crm.clock.advance(hours=1)
    crm.customers.add(name="🚀 公海客户")  # every optional value missing
    crm.clock.advance(hours=1)
    crm.customers.add(name="ＡＢＣ", industry="软件", owner=org.bob, source="官网",
                      fields={"score": 2.0, "employees": 20, "vip": False})
    return crm


@pytest.fixture
def table(table_crm):
    return table_crm.customers.find()


def test_len_and_columns(table):
    assert len(table) == 3
    assert table.columns[:13] == ["id", "name", "kind", "industry", "owner_id", "source", "phone", "email",
                                  "stage", "tags", "version", "created_at", "updated_at"]
    assert table.columns[13:19] == ["score", "employees", "vip", "founded", "last_visit", "channels"]
    types = table.column_types
    assert types["id"] == "int" and types["name"] == "text" and types["created_at"] == "time"
    assert types["tags"] == "list" and types["score"] == "float" and types["vip"] == "bool"
    assert types["founded"] == "date"


def test_iteration_yields_rows_with_attribute_access(table, org):
    rows = list(table)
    assert len(rows) == 3
    first = rows[0]
    assert first.name == "上海某某科技有限公司"
    assert first["name"] == "上海某某科技有限公司"
    assert first.owner_id == org.alice.id
    assert sorted(first.tags) == ["VIP", "重点"]
    assert first.created_at == dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert first.founded == dt.date(2001, 5, 6)
    assert first.last_visit == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert first.vip is True
    assert "name" in first and "nope" not in first
    assert list(first.keys()) == table.columns
    d = first.to_dict()
    assert isinstance(d, dict)
    assert list(d) == table.columns
    assert d["email"] == "info@example.cn"
    with pytest.raises(AttributeError):
        first.nope
    with pytest.raises(AttributeError):
        first.name = "x"
    # to_dict is a copy.
    d["name"] = "changed"
    assert first.name == "上海某某科技有限公司"
    second = rows[1]
    assert second.industry is None and second.owner_id is None and second.tags == []
    assert second.score is None and second.vip is None and second.founded is None and second.last_visit is None


def test_rows_is_a_list_of_dicts(table):
    rows = table.rows()
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    assert [r["name"] for r in rows] == ["上海某某科技有限公司", "🚀 公海客户", "ＡＢＣ"]
    assert rows == [r.to_dict() for r in table]
    assert rows[2]["employees"] == 20 and type(rows[2]["employees"]) is int
    assert rows[2]["vip"] is False
    assert rows[0]["score"] == 1.5
    assert rows[0]["channels"] == ["微信"]


def test_column_access(table, org):
    assert table.column("name") == ["上海某某科技有限公司", "🚀 公海客户", "ＡＢＣ"]
    assert table["name"] == table.column("name")
    assert table.column("owner_id") == [org.alice.id, None, org.bob.id]
    assert table.column("vip") == [True, None, False]
    with pytest.raises(KeyError):
        table.column("nope")
    with pytest.raises(KeyError):
        table["nope"]


def test_index_and_slice(table):
    assert table[0].name == "上海某某科技有限公司"
    assert table[-1].name == "ＡＢＣ"
    assert [r.name for r in table[1:]] == ["🚀 公海客户", "ＡＢＣ"]
    with pytest.raises(IndexError):
        table[3]


def test_slices_pick_the_rows_a_list_slice_picks(crm):
    # Slices convert only the rows they span; every form must still pick what a list would.
    crm.customers.add_many([{"name": f"客户{i}", "tags": ["甲"] if i % 2 else []} for i in range(12)])
    t = crm.customers.find()
    rows = t.rows()
    n = len(rows)
    for start in (None, 0, 3, -4, n, n + 5, -n - 5):
        for stop in (None, 0, 2, 9, -1, n + 5, -n - 5):
            for step in (None, 1, 2, 5, -1, -3):
                key = slice(start, stop, step)
                assert [r.to_dict() for r in t[key]] == rows[key], key
    assert t[-1].to_dict() == rows[-1] and t[0].to_dict() == rows[0]
    with pytest.raises(ValueError):
        t[::0]


def test_raw_column_range_is_clamped_and_column_checked(crm):
    crm.customers.add_many([{"name": f"c{i}"} for i in range(5)])
    t = crm.customers.find()
    i = t.columns.index("name")
    assert t._raw(i, 1, 3)[2] == ["c1", "c2"]
    assert t._raw(i, 4, 100)[2] == ["c4"]
    assert t._raw(i, 9, 2)[2] == []
    with pytest.raises(IndexError):
        t._raw(len(t.columns))


def test_html_of_a_large_table_shows_its_first_rows(crm):
    crm.customers.add_many([{"name": f"客户{i}"} for i in range(500)])
    html = crm.customers.find()._repr_html_()
    assert "客户0<" in html and "客户19<" in html and "客户20<" not in html
    assert "480 more rows" in html


def test_row_equality(table, table_crm):
    again = table_crm.customers.find()
    assert list(table) == list(again)
    assert table[0] != table[1]


def test_repr_mentions_size(table):
    text = repr(table)
    assert "3 rows" in text
    assert "name" in text


def test_empty_table(crm):
    t = crm.customers.find()
    assert len(t) == 0
    assert list(t) == []
    assert t.rows() == []
    assert t.column("name") == []
    assert "id" in t.columns
    df = t.to_pandas()
    assert len(df) == 0
    assert list(df.columns) == t.columns
    assert df["id"].dtype == np.int64
    empty = crmkit.Table()
    assert len(empty) == 0 and empty.columns == [] and empty.rows() == []


# ---------------------------------------------------------------------------------------------
# pandas


def _same(pd_value, py_value):
    if py_value is None:
        return pd.isna(pd_value)
    if isinstance(py_value, list):
        return list(pd_value) == py_value
    if isinstance(py_value, dt.datetime):
        return pd.Timestamp(py_value) == pd_value
    if isinstance(py_value, dt.date):
        return pd.Timestamp(pd_value).date() == py_value
    if isinstance(py_value, float) and math.isnan(py_value):
        return pd.isna(pd_value)
    return pd_value == py_value


def test_to_pandas_values_equal_rows(table):
    df = table.to_pandas()
    rows = table.rows()
    assert list(df.columns) == table.columns
    assert len(df) == len(rows)
    for i, row in enumerate(rows):
        for col, value in row.items():
            assert _same(df[col].iloc[i], value), (i, col, df[col].iloc[i], value)


def test_to_pandas_dtypes(table):
    df = table.to_pandas()
    assert df["id"].dtype == np.int64
    assert df["version"].dtype == np.int64
    assert str(df["created_at"].dtype) == "datetime64[ms, UTC]"
    assert str(df["updated_at"].dtype) == "datetime64[ms, UTC]"
    assert str(df["last_visit"].dtype) == "datetime64[ms, UTC]"
    for col in ("name", "kind", "stage", "industry", "source", "email"):
        assert df[col].dtype == object, (col, df[col].dtype)
    assert df["tags"].dtype == object
    assert df["score"].dtype == np.float64


def test_to_pandas_nulls_are_na(table):
    df = table.to_pandas()
    assert df["owner_id"].isna().tolist() == [False, True, False]
    assert df["industry"].isna().tolist() == [False, True, False]
    assert df["score"].isna().tolist() == [False, True, False]
    assert df["employees"].isna().tolist() == [False, True, False]
    assert df["vip"].isna().tolist() == [False, True, False]
    assert df["founded"].isna().tolist() == [False, True, True]
    assert df["last_visit"].isna().tolist() == [False, True, True]
    # Integers with gaps stay integers (nullable), not floats.
    assert df["owner_id"].dtype == "Int64"
    assert df["employees"].dtype == "Int64"
    assert df["vip"].dtype == "boolean"
    assert df["owner_id"].iloc[1] is pd.NA


def test_to_pandas_times(table):
    df = table.to_pandas()
    assert df["created_at"].tolist() == [pd.Timestamp("2026-01-01T09:00Z"), pd.Timestamp("2026-01-01T10:00Z"),
                                         pd.Timestamp("2026-01-01T11:00Z")]
    assert df["founded"].iloc[0] == pd.Timestamp("2001-05-06")


def test_to_pandas_of_other_tables(org):
    crm = org.crm
    users = crm.users.list().to_pandas()
    assert users["login"].tolist() == ["zhang", "wang", "alice", "bob", "carol"]
    assert users["active"].dtype == bool
    assert users["manager_id"].isna().tolist() == [True, False, False, False, False]
    roles = crm.roles.list().to_pandas()
    assert set(roles["role"]) >= {"admin", "sales"}
    c = crm.customers.add(name="x")
    crm.customers.update(c.id, industry="制造")
    hist = crm.history("customer", c.id).to_pandas()
    assert hist["field"].tolist() == ["created", "industry"]
    assert str(hist["at"].dtype) == "datetime64[ms, UTC]"


def test_large_table_round_trip(crm):
    got = crm.customers.add_many([{"name": f"客户{i}", "industry": None if i % 3 else "制造"}
                                  for i in range(2000)])
    t = crm.customers.find()
    assert len(t) == 2000
    assert t.column("id") == got
    df = t.to_pandas()
    assert df["id"].tolist() == got
    assert df["industry"].isna().sum() == sum(1 for i in range(2000) if i % 3)
