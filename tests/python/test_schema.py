"""Schema as data: custom fields of every type, lifecycle stages and pipeline stages."""

import datetime as dt

import pytest

import crmkit

UTC = dt.timezone.utc
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def all_fields(org):
    """One customer field of every type; returns the org."""
    f = org.crm.fields
    f.add("customer", "note", type="text", label="备注")
    f.add("customer", "score", type="number", min=0, max=100)
    f.add("customer", "employees", type="integer", min=1)
    f.add("customer", "vip", type="bool")
    f.add("customer", "founded", type="date")
    f.add("customer", "last_visit", type="datetime")
    f.add("customer", "region", type="enum", options=["华东", "华南", "华北"])
    f.add("customer", "channels", type="multi_enum", options=["微信", "电话", "邮件"])
    f.add("customer", "csm", type="user")
    return org


# ---------------------------------------------------------------------------------------------
# Field definitions


def test_field_definitions_are_listed(all_fields):
    crm = all_fields.crm
    t = crm.fields.list("customer")
    assert t.column("name") == ["note", "score", "employees", "vip", "founded", "last_visit", "region",
                                "channels", "csm"]
    assert t.column("type") == ["text", "number", "integer", "bool", "date", "datetime", "enum", "multi_enum",
                                "user"]
    region = crm.fields.get("customer", "region")
    assert region.type == "enum"
    assert region.options == ["华东", "华南", "华北"]
    assert region.required is False
    score = crm.fields.get("customer", "score")
    assert (score.min, score.max) == (0, 100)
    assert crm.fields.get("customer", "note").label == "备注"
    assert len(crm.fields.list("contact")) == 0
    assert len(crm.fields.list()) == 9


def test_field_names_may_be_chinese_identifiers(crm):
    crm.fields.add("customer", "地区", type="text")
    c = crm.customers.add(name="客户", fields={"地区": "华东"})
    assert crm.customers.get(c.id).fields == {"地区": "华东"}


def test_fields_of_other_entities(crm):
    crm.fields.add("contact", "wechat", type="text")
    crm.fields.add("opportunity", "discount", type="number", min=0, max=1)
    crm.fields.add("lead", "budget", type="number")
    assert crm.fields.list("contact").column("name") == ["wechat"]
    assert crm.fields.list("opportunity").column("name") == ["discount"]
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("invoice", "x", type="text")
    assert info.value.field == "entity"


def test_duplicate_field_is_a_conflict(crm):
    crm.fields.add("customer", "region", type="text")
    with pytest.raises(crmkit.Conflict):
        crm.fields.add("customer", "region", type="enum", options=["a"])
    assert crm.fields.get("customer", "region").type == "text"
    # The same name on another entity is fine.
    crm.fields.add("contact", "region", type="text")


def test_remove_field(crm):
    crm.fields.add("customer", "region", type="text")
    c = crm.customers.add(name="客户", fields={"region": "华东"})
    crm.fields.remove("customer", "region")
    with pytest.raises(crmkit.NotFound):
        crm.fields.get("customer", "region")
    assert crm.customers.get(c.id).fields == {}
    assert "region" not in crm.customers.find().columns
    with pytest.raises(crmkit.NotFound):
        crm.fields.remove("customer", "region")
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={"region": "华东"})
    assert info.value.field == "region"


@pytest.mark.parametrize("name", [
    "name", "owner", "email", "stage", "tags", "id", "created_at", "version",   # built-in fields
    "and", "or", "not", "in", "null", "true", "has_tag",                         # rule keywords
    "lifetime_value", "days_since_contact",                                      # derived facts
])
def test_reserved_field_names_are_refused(crm, name):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", name, type="text")
    assert info.value.field == "name"
    assert name in str(info.value)
    assert len(crm.fields.list()) == 0


@pytest.mark.parametrize("name", ["1abc", "has space", "a-b", "a.b", "", "   ", "价格$", "🚀"])
def test_field_names_must_be_identifiers(crm, name):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", name, type="text")
    assert info.value.field == "name"
    assert len(crm.fields.list()) == 0


def test_unknown_field_type(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", "x", type="money")
    assert info.value.field == "type"


@pytest.mark.parametrize("type_", ["enum", "multi_enum"])
def test_enum_needs_options(crm, type_):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", "region", type=type_)
    assert info.value.field == "options"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", "region", type=type_, options=[])
    assert info.value.field == "options"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", "region", type=type_, options=["华东", "华东"])
    assert info.value.field == "options"
    assert len(crm.fields.list()) == 0


def test_options_and_ranges_only_where_they_fit(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", "x", type="text", options=["a"])
    assert info.value.field == "options"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", "y", type="text", min=1)
    assert info.value.field == "min"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", "z", type="number", min=5, max=1)
    assert info.value.field == "min"
    assert len(crm.fields.list()) == 0


@pytest.mark.parametrize("bound", ["min", "max"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_range_bound_is_a_finite_number(crm, bound, value):
    # NaN compares false with everything, so a NaN bound would let every value through.
    with pytest.raises(crmkit.ValidationError) as info:
        crm.fields.add("customer", "score", type="number", **{bound: value})
    assert info.value.field == bound
    assert len(crm.fields.list()) == 0


# ---------------------------------------------------------------------------------------------
# Values of every type round-trip


def test_every_type_round_trips(all_fields):
    org = all_fields
    crm = org.crm
    values = {
        "note": "重要客户 🚀 ＡＢＣ e\u0301",
        "score": 87.5,
        "employees": 300,
        "vip": True,
        "founded": dt.date(2001, 5, 6),
        "last_visit": dt.datetime(2026, 1, 2, 11, 4, 5, tzinfo=CST),
        "region": "华东",
        "channels": ["电话", "微信"],
        "csm": org.alice.id,
    }
    c = crm.customers.add(name="全类型客户", fields=values)
    for got in (c.fields, crm.customers.get(c.id).fields):
        assert got["note"] == "重要客户 🚀 ＡＢＣ e\u0301"
        assert got["score"] == 87.5 and isinstance(got["score"], float)
        assert got["employees"] == 300 and type(got["employees"]) is int
        assert got["vip"] is True
        assert got["founded"] == dt.date(2001, 5, 6) and type(got["founded"]) is dt.date
        assert isinstance(got["last_visit"], dt.datetime)
        assert got["last_visit"].utcoffset() == dt.timedelta(0)
        assert got["last_visit"] == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert got["region"] == "华东"
        assert got["channels"] == ["电话", "微信"]
        assert got["csm"] == org.alice.id
        assert set(got) == set(values)


def test_values_as_text_are_parsed(all_fields):
    crm = all_fields.crm
    c = crm.customers.add(name="文本值", fields={"founded": "2001-05-06", "last_visit": "2026-01-02T03:04:05Z",
                                              "channels": "邮件", "score": 3, "employees": 4.0})
    got = crm.customers.get(c.id).fields
    assert got["founded"] == dt.date(2001, 5, 6)
    assert got["last_visit"] == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert got["channels"] == ["邮件"]
    assert got["score"] == 3.0 and isinstance(got["score"], float)
    assert got["employees"] == 4 and type(got["employees"]) is int


def test_naive_datetime_means_utc(all_fields):
    crm = all_fields.crm
    c = crm.customers.add(name="naive", fields={"last_visit": dt.datetime(2026, 1, 2, 3, 4, 5)})
    assert crm.customers.get(c.id).fields["last_visit"] == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_user_field_takes_a_user_record(all_fields):
    org = all_fields
    c = org.crm.customers.add(name="x", fields={"csm": org.bob})
    assert org.crm.customers.get(c.id).fields["csm"] == org.bob.id


def test_bool_false_and_zero_are_values_not_missing(all_fields):
    crm = all_fields.crm
    c = crm.customers.add(name="x", fields={"vip": False, "score": 0, "employees": 1})
    got = crm.customers.get(c.id).fields
    assert got["vip"] is False
    assert got["score"] == 0.0
    assert got["employees"] == 1


def test_unset_fields_are_absent_and_none_clears(all_fields):
    crm = all_fields.crm
    c = crm.customers.add(name="x", fields={"region": "华南", "note": "n"})
    assert c.fields == {"region": "华南", "note": "n"}
    u = crm.customers.update(c.id, fields={"region": None})
    assert u.fields == {"note": "n"}
    assert crm.customers.get(c.id).fields == {"note": "n"}
    # Updating one field keeps the others.
    u = crm.customers.update(c.id, fields={"vip": True})
    assert crm.customers.get(c.id).fields == {"note": "n", "vip": True}


def test_field_changes_are_in_history(all_fields):
    crm = all_fields.crm
    c = crm.customers.add(name="x", fields={"region": "华南"})
    crm.customers.update(c.id, fields={"region": "华东", "score": 5})
    rows = [(r["field"], r["old"], r["new"]) for r in crm.history("customer", c.id).rows()[1:]]
    assert ("region", "华南", "华东") in rows
    assert any(f == "score" and old is None and new is not None for f, old, new in rows)


def test_custom_fields_filter_columns_in_find(all_fields):
    crm = all_fields.crm
    crm.customers.add(name="x", fields={"region": "华南", "employees": 5})
    t = crm.customers.find()
    # Custom fields follow the 13 built-in columns, in definition order (derived facts come after).
    assert t.columns[13:22] == ["note", "score", "employees", "vip", "founded", "last_visit", "region",
                                "channels", "csm"]
    row = t.rows()[0]
    assert row["region"] == "华南" and row["employees"] == 5 and row["note"] is None


# ---------------------------------------------------------------------------------------------
# Validation names the field


@pytest.mark.parametrize("field,value", [
    ("score", "high"),
    ("score", True),
    ("employees", "many"),
    ("employees", 2.5),
    ("vip", "yes"),
    ("vip", 1),
    ("founded", "2001-02-30"),
    ("founded", "05/06/2001"),
    ("founded", 20010506),
    ("last_visit", "yesterday"),
    ("region", 3),
    ("channels", 3),
    ("csm", "alice"),
    ("note", 42),
    ("score", float("nan")),
    ("score", float("inf")),
])
def test_wrong_type_names_the_field(all_fields, field, value):
    crm = all_fields.crm
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={field: value})
    assert info.value.field == field
    assert field in str(info.value)
    assert crm.customers.count() == 0


@pytest.mark.parametrize("field,value", [
    ("region", "西北"),
    ("channels", ["微信", "传真"]),
])
def test_enum_value_outside_options(all_fields, field, value):
    crm = all_fields.crm
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={field: value})
    assert info.value.field == field
    assert "华东" in str(info.value) or "微信" in str(info.value)  # the options are listed
    assert crm.customers.count() == 0


@pytest.mark.parametrize("field,value,word", [
    ("score", -0.01, "minimum"),
    ("score", 100.5, "maximum"),
    ("employees", 0, "minimum"),
])
def test_number_outside_range(all_fields, field, value, word):
    crm = all_fields.crm
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={field: value})
    assert info.value.field == field
    assert word in str(info.value)
    # The bounds themselves are allowed.
    crm.customers.add(name="ok", fields={"score": 0, "employees": 1})
    crm.customers.add(name="ok2", fields={"score": 100})


def test_range_checked_on_update_too(all_fields):
    crm = all_fields.crm
    c = crm.customers.add(name="x", fields={"score": 50})
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.update(c.id, fields={"score": 101})
    assert info.value.field == "score"
    assert crm.customers.get(c.id).fields["score"] == 50


def test_required_field(crm):
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南"], required=True)
    for fields in (None, {}, {"region": None}, {"region": " "}):
        with pytest.raises(crmkit.ValidationError) as info:
            crm.customers.add(name="x", fields=fields)
        assert info.value.field == "region"
    assert crm.customers.count() == 0
    c = crm.customers.add(name="x", fields={"region": "华东"})
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.update(c.id, fields={"region": None})
    assert info.value.field == "region"
    assert crm.customers.get(c.id).fields == {"region": "华东"}


def test_required_text_field_must_not_be_blank(crm):
    crm.fields.add("customer", "code", type="text", required=True)
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={"code": "\u3000 "})
    assert info.value.field == "code"


def test_unknown_field_name(all_fields):
    crm = all_fields.crm
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={"regoin": "华东"})
    assert info.value.field == "regoin"
    assert "region" in str(info.value)  # the defined fields are listed to help spot the typo
    c = crm.customers.add(name="y")
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.update(c.id, fields={"regoin": "华东"})
    assert info.value.field == "regoin"


def test_fields_must_be_a_dict(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields=["region"])
    assert info.value.field == "fields"


def test_user_field_with_unknown_user(all_fields):
    crm = all_fields.crm
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={"csm": 999})
    assert info.value.field == "csm"


def test_text_field_length_limit(crm):
    crm.fields.add("customer", "note", type="text")
    crm.customers.add(name="ok", fields={"note": "字" * 10000})
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={"note": "字" * 10001})
    assert info.value.field == "note"


def test_contact_fields(crm):
    crm.fields.add("contact", "wechat", type="text")
    crm.fields.add("contact", "level", type="enum", options=["高", "中", "低"])
    c = crm.customers.add(name="客户")
    p = crm.contacts.add(c.id, name="李雷", fields={"wechat": "lilei_🚀", "level": "高"})
    assert crm.contacts.get(p.id).fields == {"wechat": "lilei_🚀", "level": "高"}
    row = crm.contacts.list(c.id).rows()[0]
    assert row["wechat"] == "lilei_🚀" and row["level"] == "高"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.contacts.add(c.id, name="韩梅梅", fields={"level": "特高"})
    assert info.value.field == "level"


# ---------------------------------------------------------------------------------------------
# Lifecycle and pipeline stages


def test_default_stages(crm):
    assert crm.lifecycle.stages() == ["prospect", "active", "loyal", "at_risk", "churned"]
    assert crm.pipeline.stages() == ["初步接洽", "需求确认", "方案报价", "商务谈判", "赢单", "输单"]
    assert dict(crm.pipeline.probabilities())["方案报价"] == 0.5


def test_lifecycle_set_stages_replaces(crm):
    crm.lifecycle.set_stages(["潜在", "合作中", "忠诚", "流失"])
    assert crm.lifecycle.stages() == ["潜在", "合作中", "忠诚", "流失"]
    c = crm.customers.add(name="新客户")
    assert c.stage == "潜在"  # the first stage is the default
    assert crm.customers.set_stage(c.id, "忠诚").stage == "忠诚"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.set_stage(c.id, "active")  # an old stage is gone
    assert info.value.field == "stage"
    with pytest.raises(crmkit.ValidationError):
        crm.customers.add(name="x", stage="prospect")


def test_lifecycle_reorder_keeps_stages_in_use(crm):
    c = crm.customers.add(name="x", stage="loyal")
    crm.lifecycle.set_stages(["loyal", "prospect", "active", "at_risk", "churned", "vip"])
    assert crm.lifecycle.stages()[0] == "loyal"
    assert crm.customers.get(c.id).stage == "loyal"


def test_removing_a_stage_still_in_use_is_refused(crm):
    crm.customers.add(name="x", stage="loyal")
    crm.customers.add(name="y", stage="loyal")
    with pytest.raises(crmkit.ValidationError) as info:
        crm.lifecycle.set_stages(["prospect", "active", "at_risk", "churned"])
    assert info.value.field == "stages"
    assert "loyal" in str(info.value)
    assert "2" in str(info.value)
    assert crm.lifecycle.stages() == ["prospect", "active", "loyal", "at_risk", "churned"]
    # An unused stage may go.
    crm.lifecycle.set_stages(["prospect", "loyal"])
    assert crm.lifecycle.stages() == ["prospect", "loyal"]


@pytest.mark.parametrize("stages", [[], ["a", "a"], ["a", "  "]])
def test_bad_lifecycle_lists(crm, stages):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.lifecycle.set_stages(stages)
    assert info.value.field == "stages"
    assert crm.lifecycle.stages() == ["prospect", "active", "loyal", "at_risk", "churned"]


def test_pipeline_stages_with_probabilities(crm):
    stages = [("初步接洽", 0.1), ("需求确认", 0.3), ("方案报价", 0.5), ("商务谈判", 0.7), ("赢单", 1.0),
              ("输单", 0.0), ("暂停", 0.2)]
    crm.pipeline.set_stages(stages)
    assert crm.pipeline.stages() == [s for s, _ in stages]
    assert [tuple(p) for p in crm.pipeline.probabilities()] == stages


def test_pipeline_stage_without_probability_is_zero(crm):
    crm.pipeline.set_stages(["开始", ("结束", 1.0)])
    assert [tuple(p) for p in crm.pipeline.probabilities()] == [("开始", 0.0), ("结束", 1.0)]


@pytest.mark.parametrize("bad", [[("a", 1.5)], [("a", -0.1)], [("a", 0.1), ("a", 0.2)], [("a", 0.1, 3)]])
def test_bad_pipeline_stages(crm, bad):
    before = crm.pipeline.probabilities()
    with pytest.raises(crmkit.ValidationError) as info:
        crm.pipeline.set_stages(bad)
    assert info.value.field == "stages"
    assert crm.pipeline.probabilities() == before


def test_stage_changes_are_recorded(crm):
    crm.lifecycle.set_stages(["a", "b"])
    rows = crm.history("stages", 0).rows()
    assert rows[-1]["field"] == "lifecycle"
    assert rows[-1]["new"] == "a, b"


@pytest.mark.parametrize("field,value", [
    ("employees", 2**70),          # does not fit in 64 bits
    ("note", {"a": 1}),            # no such value type
    ("channels", ["微信", 3]),     # a list holding a non-text item
])
def test_unconvertible_values_name_the_field(all_fields, field, value):
    crm = all_fields.crm
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", fields={field: value})
    assert info.value.field == field
    assert field in str(info.value)
    assert crm.customers.count() == 0


@pytest.mark.parametrize("new_type,kw", [("text", {}), ("enum", {"options": ["a"]}), ("integer", {})],
                         ids=["other-type-text", "other-type-enum", "same-type"])
def test_readding_a_removed_field_does_not_resurrect_old_values(crm, new_type, kw):
    crm.fields.add("customer", "x", type="integer")
    c = crm.customers.add(name="a", fields={"x": 5})
    crm.fields.remove("customer", "x")
    crm.fields.add("customer", "x", type=new_type, **kw)
    # Every customer stays readable, and the new field starts empty.
    assert crm.customers.get(c.id).fields == {}
    assert crm.customers.find().column("x") == [None]
    assert crm.customers.update(c.id, industry="软件").industry == "软件"
