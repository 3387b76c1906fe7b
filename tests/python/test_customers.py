"""Customers: add/get/update/delete, find and paging, tags, stages, history, bulk add, text, contacts."""

import datetime as dt

import pytest

import crmkit
from conftest import snapshot

UTC = dt.timezone.utc

UNICODE_NAMES = [
    "上海某某科技有限公司",
    "ＡＢＣ贸易（深圳）有限公司",          # full-width Latin letters and brackets
    "🚀 Rocket 火箭科技",                  # emoji outside the BMP
    "Cafe\u0301 Crème",                    # a combining acute accent, kept as typed (not NFC-folded)
    "Zoë & Ægir ﬁnance",                  # Latin-1 letters and a ligature
    "한국 주식회사 · 株式会社日本",
]


def ids(table):
    return table.column("id")


# ---------------------------------------------------------------------------------------------
# Add / get


def test_add_and_get(org):
    crm = org.crm
    crm.clock.freeze("2026-01-01T09:00")
    c = crm.customers.add(name="上海某某科技有限公司", kind="company", industry="制造", owner=org.alice,
                          source="展会", phone="021-5555 0000", email="info@example.cn", tags=["VIP", "重点"])
    assert c.id > 0
    assert (c.name, c.kind, c.industry, c.owner_id, c.source, c.phone, c.email) == (
        "上海某某科技有限公司", "company", "制造", org.alice.id, "展会", "021-5555 0000", "info@example.cn")
    assert c.stage == "prospect"
    assert sorted(c.tags) == ["VIP", "重点"]
    assert c.fields == {}
    assert c.version == 1
    assert c.created_at == c.updated_at == dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert c.created_by is None  # made by the system view
    got = crm.customers.get(c.id)
    assert got == c
    assert crm.customers.get(c) == c  # a record works where an id does
    d = got.to_dict()
    assert d["name"] == "上海某某科技有限公司" and d["owner_id"] == org.alice.id and d["version"] == 1
    assert set(d) >= {"id", "name", "kind", "industry", "owner_id", "source", "phone", "email", "stage", "tags",
                      "fields", "created_at", "updated_at", "version"}


def test_minimal_customer_defaults(crm):
    c = crm.customers.add(name="某人")
    assert c.kind == "company"
    assert (c.industry, c.owner_id, c.source, c.phone, c.email) == (None, None, None, None, None)
    assert c.tags == []
    assert c.stage == "prospect"


def test_person_kind_and_explicit_stage(crm):
    c = crm.customers.add(name="王先生", kind="person", stage="active")
    assert crm.customers.get(c.id).kind == "person"
    assert crm.customers.get(c.id).stage == "active"


def test_records_are_read_only(crm):
    c = crm.customers.add(name="x")
    with pytest.raises(AttributeError):
        c.name = "y"
    assert crm.customers.get(c.id).name == "x"


def test_text_is_trimmed(crm):
    c = crm.customers.add(name="\u3000 上海某某 \t", industry=" 制造 ", tags=[" VIP "])
    assert c.name == "上海某某"
    assert c.industry == "制造"
    assert c.tags == ["VIP"]
    assert crm.customers.get(c.id).name == "上海某某"


def test_optional_text_blank_means_none(crm):
    c = crm.customers.add(name="x", industry="  ", phone="\u3000")
    assert c.industry is None and c.phone is None


def test_get_unknown_is_not_found(crm):
    with pytest.raises(crmkit.NotFound) as info:
        crm.customers.get(424242)
    assert "424242" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize("name", ["", "   ", "\u3000", "\u3000\u3000 \t\n", "\u00a0", "\ufeff"])
def test_empty_or_blank_name_is_refused(crm, name):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name=name)
    assert info.value.field == "name"
    assert crm.customers.count() == 0


def test_name_is_required(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(industry="制造")
    assert info.value.field == "name"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name=None)
    assert info.value.field == "name"


def test_name_length_limit_counts_characters(crm):
    crm.customers.add(name="字" * 200)            # 600 bytes, 200 characters: fits
    crm.customers.add(name="🚀" * 200)           # 800 bytes
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="字" * 201)
    assert info.value.field == "name"
    assert "200" in str(info.value)
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="a" * 1000)
    assert info.value.field == "name"
    assert crm.customers.count() == 2


def test_name_length_limit_on_update(crm):
    c = crm.customers.add(name="短名")
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.update(c.id, name="x" * 201)
    assert info.value.field == "name"
    assert crm.customers.get(c.id) == c


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.cn", "a b@example.cn", "a@@b.cn", "a@b@c.cn"])
def test_bad_email(crm, email):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", email=email)
    assert info.value.field == "email"
    assert crm.customers.count() == 0


def test_unicode_email_is_accepted(crm):
    c = crm.customers.add(name="x", email="联系@例子.中国")
    assert crm.customers.get(c.id).email == "联系@例子.中国"


def test_other_limits(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", phone="1" * 51)
    assert info.value.field == "phone"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", industry="业" * 101)
    assert info.value.field == "industry"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", tags=["标" * 51])
    assert info.value.field == "tags"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", tags=["  "])
    assert info.value.field == "tags"
    assert crm.customers.count() == 0


def test_bad_kind_and_stage(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", kind="alien")
    assert info.value.field == "kind"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", stage="won")
    assert info.value.field == "stage"
    assert "prospect" in str(info.value)  # lists the stages


def test_owner_that_does_not_exist_names_the_field(crm):
    # A reference to a missing user inside a record is bad input (like a user-type custom field),
    # so it is a ValidationError naming the field rather than a NotFound for the call's target.
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", owner=999)
    assert "999" in str(info.value) and info.value.field == "owner"
    assert crm.customers.count() == 0


@pytest.mark.parametrize("owner", ["alice", True, 1.5])
def test_owner_of_the_wrong_type(org, owner):
    with pytest.raises(crmkit.ValidationError) as info:
        org.crm.customers.add(name="x", owner=owner)
    assert info.value.field == "owner"


def test_unknown_attribute(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", colour="red")
    assert info.value.field == "colour"
    c = crm.customers.add(name="y")
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.update(c.id, colour="red")
    assert info.value.field == "colour"
    assert crm.customers.get(c.id) == c


@pytest.mark.parametrize("field,value", [("name", 42), ("industry", 3.5), ("email", ["a@b.cn"]),
                                         ("phone", 13900000000)])
def test_wrong_type_for_text_attributes(crm, field, value):
    kw = {"name": "x", field: value}
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(**kw)
    assert info.value.field == field


def test_unencodable_text_is_a_validation_error(crm):
    # A lone surrogate (e.g. from a file decoded with surrogateescape) cannot be stored as UTF-8.
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="坏\udcff字")
    assert info.value.field == "name"
    assert crm.customers.count() == 0


# ---------------------------------------------------------------------------------------------
# Update / delete with versions


def test_update_with_expected_version(org):
    crm = org.crm
    crm.clock.freeze("2026-01-01T09:00")
    c = crm.customers.add(name="客户", industry="制造")
    crm.clock.advance(hours=1)
    u = crm.customers.update(c.id, expected_version=c.version, industry="软件", owner=org.bob,
                             phone="13900000000")
    assert (u.industry, u.owner_id, u.phone) == ("软件", org.bob.id, "13900000000")
    assert u.version == c.version + 1
    assert u.updated_at == dt.datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert u.created_at == c.created_at
    assert crm.customers.get(c.id) == u


def test_update_with_stale_version_is_a_conflict_and_changes_nothing(crm):
    c = crm.customers.add(name="客户", industry="制造")
    v2 = crm.customers.update(c.id, expected_version=c.version, industry="软件")
    before = snapshot(crm, c.id)
    with pytest.raises(crmkit.Conflict) as info:
        crm.customers.update(c.id, expected_version=c.version, industry="能源", name="改名", tags=["x"])
    assert str(c.version) in str(info.value) and str(v2.version) in str(info.value)
    assert snapshot(crm, c.id) == before
    # A fresh version works.
    assert crm.customers.update(c.id, expected_version=v2.version, industry="能源").industry == "能源"


def test_update_without_version_is_last_writer_wins(crm):
    c = crm.customers.add(name="客户")
    crm.customers.update(c.id, industry="a")
    assert crm.customers.update(c.id, industry="b").industry == "b"


def test_update_clears_optional_values(org):
    crm = org.crm
    c = crm.customers.add(name="x", industry="制造", owner=org.alice, email="a@b.cn")
    u = crm.customers.update(c.id, industry=None, owner=None, email=None)
    assert (u.industry, u.owner_id, u.email) == (None, None, None)
    assert crm.customers.get(c.id) == u
    with pytest.raises(crmkit.ValidationError):
        crm.customers.update(c.id, name=None)


def test_update_replaces_the_tag_set(crm):
    c = crm.customers.add(name="x", tags=["a", "b"])
    u = crm.customers.update(c.id, tags=["b", "c"])
    assert sorted(u.tags) == ["b", "c"]
    assert sorted(crm.customers.get(c.id).tags) == ["b", "c"]


def test_update_unknown_customer_is_not_found(crm):
    with pytest.raises(crmkit.NotFound):
        crm.customers.update(999, industry="x")


def test_failed_update_changes_nothing(org):
    crm = org.crm
    c = crm.customers.add(name="客户", industry="制造", tags=["VIP"])
    before = snapshot(crm, c.id)
    with pytest.raises(crmkit.ValidationError):
        crm.customers.update(c.id, industry="软件", tags=["新"], email="broken")
    with pytest.raises(crmkit.ValidationError):
        crm.customers.update(c.id, industry="软件", owner=999)
    assert snapshot(crm, c.id) == before


def test_delete(crm):
    c = crm.customers.add(name="将被删除", tags=["VIP"])
    p = crm.contacts.add(c.id, name="李雷")
    crm.customers.delete(c.id)
    with pytest.raises(crmkit.NotFound):
        crm.customers.get(c.id)
    with pytest.raises(crmkit.NotFound):
        crm.contacts.get(p.id)  # contacts go with their customer
    assert crm.customers.count() == 0
    assert crm.customers.count(tag="VIP") == 0
    with pytest.raises(crmkit.NotFound):
        crm.customers.delete(c.id)
    # The system view can still read what happened.
    fields = crm.history("customer", c.id).column("field")
    assert fields[-1] == "deleted"


def test_delete_with_stale_version_is_a_conflict(crm):
    c = crm.customers.add(name="客户")
    crm.customers.update(c.id, industry="软件")
    with pytest.raises(crmkit.Conflict):
        crm.customers.delete(c.id, expected_version=c.version)
    assert crm.customers.get(c.id).industry == "软件"
    crm.customers.delete(c.id, expected_version=c.version + 1)
    with pytest.raises(crmkit.NotFound):
        crm.customers.get(c.id)


def test_delete_with_a_record(crm):
    c = crm.customers.add(name="客户")
    crm.customers.delete(c)
    assert crm.customers.count() == 0


# ---------------------------------------------------------------------------------------------
# Find / count


@pytest.fixture
def catalogue(org):
    crm = org.crm
    o = org
    rows = [
        dict(name="上海某某科技有限公司", industry="制造", owner=o.alice, source="展会", tags=["VIP"], stage="active"),
        dict(name="北京某某科技有限公司", industry="软件", owner=o.bob, source="官网", tags=["VIP", "重点"]),
        dict(name="深圳某某贸易公司", industry="制造", owner=o.carol, source="展会", stage="loyal"),
        dict(name="王先生", kind="person", industry="零售", owner=o.alice, source="转介绍", tags=["重点"]),
        dict(name="公海里的科技公司", industry="软件", source="官网"),
        dict(name="100% 纯科技", industry="能源", owner=o.wang, tags=["100%"]),
    ]
    made = [crm.customers.add(**r) for r in rows]
    return org, made


def _names(t):
    return t.column("name")


@pytest.mark.parametrize("kw,expected", [
    (dict(name_contains="科技"), [0, 1, 4, 5]),
    (dict(name_contains="%"), [5]),          # literal, not a LIKE wildcard
    (dict(name_contains="_"), []),
    (dict(tag="VIP"), [0, 1]),
    (dict(tag="重点"), [1, 3]),
    (dict(tag="100%"), [5]),
    (dict(stage="active"), [0]),
    (dict(stage="prospect"), [1, 3, 4, 5]),
    (dict(industry="制造"), [0, 2]),
    (dict(kind="person"), [3]),
    (dict(kind="company"), [0, 1, 2, 4, 5]),
    (dict(source="展会"), [0, 2]),
    (dict(pool=True), [4]),
    (dict(name_contains="科技", tag="VIP", industry="软件"), [1]),
    (dict(name_contains="不存在"), []),
])
def test_find_filters(catalogue, kw, expected):
    org, made = catalogue
    t = org.crm.customers.find(**kw)
    assert ids(t) == [made[i].id for i in expected]
    assert org.crm.customers.count(**kw) == len(expected)


def test_find_by_owner_and_team(catalogue):
    org, made = catalogue
    crm = org.crm
    assert ids(crm.customers.find(owner=org.alice)) == [made[0].id, made[3].id]
    assert ids(crm.customers.find(owner=org.alice.id)) == [made[0].id, made[3].id]
    assert crm.customers.count(owner=org.zhang) == 0
    # Team 华东销售部 includes its sub-team 华东一组 (alice, bob) and wang.
    assert ids(crm.customers.find(team=org.sales)) == [made[i].id for i in (0, 1, 3, 5)]
    assert ids(crm.customers.find(team=org.east1)) == [made[i].id for i in (0, 1, 3)]
    assert ids(crm.customers.find(team=org.south)) == [made[2].id]
    assert crm.customers.count(team=org.sales, tag="VIP") == 2
    assert ids(crm.customers.find(owner=org.alice, stage="prospect")) == [made[3].id]


def test_find_returns_tags_and_full_rows(catalogue):
    org, made = catalogue
    t = org.crm.customers.find(tag="VIP")
    rows = t.rows()
    assert [sorted(r["tags"]) for r in rows] == [["VIP"], ["VIP", "重点"]]
    assert rows[0]["owner_id"] == org.alice.id
    assert rows[0]["industry"] == "制造"
    assert rows[0]["version"] == 1
    assert rows[1]["created_at"] == made[1].created_at


def test_find_filter_values_are_trimmed(catalogue):
    org, made = catalogue
    assert ids(org.crm.customers.find(tag=" VIP ")) == [made[0].id, made[1].id]


@pytest.fixture
def many(crm):
    made = crm.customers.add_many([{"name": f"客户{i:03d}", "tags": ["双"] if i % 2 == 0 else []}
                                   for i in range(53)])
    # Holes in the id sequence must not disturb paging.
    for i in made[10:15]:
        crm.customers.delete(i)
    return crm, [i for i in made if i not in made[10:15]]


@pytest.mark.parametrize("limit", [1, 7, 10, 48, 100])
def test_paging_with_limit_and_offset_gives_every_row_once(many, limit):
    crm, expected = many
    seen, offset = [], 0
    while True:
        page = ids(crm.customers.find(limit=limit, offset=offset))
        assert len(page) <= limit
        if not page:
            break
        seen += page
        offset += limit
    assert seen == expected


@pytest.mark.parametrize("limit", [1, 7, 48, 100])
def test_paging_with_after_gives_every_row_once(many, limit):
    crm, expected = many
    seen, after = [], None
    while True:
        page = ids(crm.customers.find(after=after, limit=limit))
        if not page:
            break
        assert page == sorted(page)
        seen += page
        after = page[-1]
    assert seen == expected


def test_paging_with_a_filter(many):
    crm, expected = many
    wanted = [i for i in expected if "双" in crm.customers.get(i).tags]
    seen, after = [], None
    while True:
        page = crm.customers.find(tag="双", after=after, limit=4)
        if len(page) == 0:
            break
        assert all("双" in tags for tags in page.column("tags"))
        seen += ids(page)
        after = ids(page)[-1]
    assert seen == wanted
    assert crm.customers.count(tag="双") == len(wanted)


def test_paging_edges(many):
    crm, expected = many
    assert len(crm.customers.find(limit=0)) == 0
    assert ids(crm.customers.find(offset=len(expected) - 1)) == [expected[-1]]
    assert len(crm.customers.find(offset=len(expected))) == 0
    assert len(crm.customers.find(after=expected[-1])) == 0
    assert crm.customers.count() == len(expected)
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.find(limit=-1)
    assert info.value.field == "limit"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.find(offset=-1)
    assert info.value.field == "offset"


# ---------------------------------------------------------------------------------------------
# Tags and stages


def test_tag_and_untag(crm):
    c = crm.customers.add(name="x")
    t1 = crm.customers.tag(c.id, "重点")
    assert t1.tags == ["重点"]
    assert t1.version == c.version + 1
    t2 = crm.customers.tag(c.id, "VIP")
    assert sorted(t2.tags) == ["VIP", "重点"]
    again = crm.customers.tag(c.id, " VIP ")  # already there: no change
    assert sorted(again.tags) == ["VIP", "重点"]
    assert again.version == t2.version
    assert ids(crm.customers.find(tag="重点")) == [c.id]
    u = crm.customers.untag(c.id, "重点")
    assert u.tags == ["VIP"]
    assert crm.customers.get(c.id).tags == ["VIP"]
    assert crm.customers.count(tag="重点") == 0
    crm.customers.untag(c.id, "从未有过")  # removing an absent tag is harmless
    assert crm.customers.get(c.id).tags == ["VIP"]


def test_bad_tag(crm):
    c = crm.customers.add(name="x")
    with pytest.raises(crmkit.ValidationError):
        crm.customers.tag(c.id, "\u3000")
    with pytest.raises(crmkit.ValidationError):
        crm.customers.tag(c.id, "长" * 51)
    with pytest.raises(crmkit.NotFound):
        crm.customers.tag(999, "x")
    assert crm.customers.get(c.id) == c


def test_duplicate_tags_on_add_are_merged(crm):
    c = crm.customers.add(name="x", tags=["VIP", "VIP ", "重点"])
    assert sorted(c.tags) == ["VIP", "重点"]
    assert sorted(crm.customers.get(c.id).tags) == ["VIP", "重点"]


def test_set_stage(crm):
    c = crm.customers.add(name="x")
    s = crm.customers.set_stage(c.id, "loyal")
    assert s.stage == "loyal"
    assert crm.customers.get(c.id).stage == "loyal"
    assert crm.customers.count(stage="loyal") == 1
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.set_stage(c.id, "gold")
    assert info.value.field == "stage"
    assert crm.customers.get(c.id).stage == "loyal"
    with pytest.raises(crmkit.NotFound):
        crm.customers.set_stage(999, "loyal")


# ---------------------------------------------------------------------------------------------
# History


def test_history_rows(org):
    crm = org.crm
    crm.clock.freeze("2026-01-01T09:00")
    c = crm.customers.add(name="客户", industry="制造")
    crm.clock.advance(hours=1)
    crm.customers.update(c.id, industry="软件", owner=org.alice)
    crm.customers.tag(c.id, "VIP")
    crm.customers.set_stage(c.id, "active")
    crm.customers.untag(c.id, "VIP")
    t = crm.history("customer", c.id)
    assert t.columns[:1] == ["id"]
    assert {"at", "actor", "actor_id", "field", "old", "new"} <= set(t.columns)
    rows = t.rows()
    assert rows[0]["field"] == "created"
    assert rows[0]["at"] == dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert rows[0]["actor"] == "system"
    changes = [(r["field"], r["old"], r["new"]) for r in rows[1:]]
    assert changes == [
        ("industry", "制造", "软件"),
        ("owner_id", None, str(org.alice.id)),
        ("tags", None, "VIP"),
        ("stage", "prospect", "active"),
        ("tags", "VIP", None),
    ]
    assert all(r["at"] == dt.datetime(2026, 1, 1, 10, 0, tzinfo=UTC) for r in rows[1:])
    assert crm.customers.history(c.id).rows() == rows


def test_history_actor_through_scoped_views(org):
    crm = org.crm
    alice = crm.as_user(org.alice)
    boss = crm.as_user(org.wang)
    c = alice.customers.add(name="alice 的客户")
    alice.customers.update(c.id, industry="制造")
    boss.customers.tag(c.id, "经理关注")
    alice.contacts.add(c.id, name="李雷")
    rows = alice.history("customer", c.id).rows()
    assert [(r["field"], r["actor"]) for r in rows] == [
        ("created", "alice"), ("industry", "alice"), ("tags", "wang"), ("contacts", "alice")]
    assert [r["actor_id"] for r in rows] == [org.alice.id, org.alice.id, org.wang.id, org.alice.id]


def test_history_of_an_unknown_customer(crm):
    assert crm.history("customer", 999).rows() == []


def test_no_history_for_a_failed_write(crm):
    c = crm.customers.add(name="x")
    with pytest.raises(crmkit.ValidationError):
        crm.customers.update(c.id, industry="软件", email="bad")
    assert crm.history("customer", c.id).column("field") == ["created"]


# ---------------------------------------------------------------------------------------------
# Bulk add


def test_add_many_returns_ids_in_order(org):
    crm = org.crm
    rows = [{"name": f"批量客户{i}", "industry": "制造" if i % 2 else "软件", "owner": org.alice if i % 3 else None,
             "tags": ["批量"]} for i in range(50)]
    got = crm.customers.add_many(rows)
    assert len(got) == 50
    assert got == sorted(got) and len(set(got)) == 50
    for i, cid in enumerate(got):
        c = crm.customers.get(cid)
        assert c.name == f"批量客户{i}"
        assert c.owner_id == (org.alice.id if i % 3 else None)
        assert c.tags == ["批量"]
    assert crm.customers.count(tag="批量") == 50


def test_add_many_accepts_any_iterable(crm):
    got = crm.customers.add_many({"name": f"g{i}"} for i in range(3))
    assert [crm.customers.get(i).name for i in got] == ["g0", "g1", "g2"]
    assert crm.customers.add_many([]) == []


def test_add_many_10000_rows_one_bad_row_inserts_nothing(crm):
    crm.customers.add(name="已有客户")
    rows = [{"name": f"客户{i}", "industry": "制造", "tags": ["批量"]} for i in range(10_001)]
    rows[5000] = {"name": "坏行", "email": "not-an-email"}
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add_many(rows)
    assert info.value.row == 5000
    assert info.value.field == "email"
    assert "5000" in str(info.value)
    assert crm.customers.count() == 1
    assert crm.customers.count(tag="批量") == 0


@pytest.mark.parametrize("bad,field", [
    ({"industry": "没有名字"}, "name"),
    ({"name": "\u3000"}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "x", "kind": "alien"}, "kind"),
    ({"name": "x", "stage": "won"}, "stage"),
    ({"name": "x", "colour": "red"}, "colour"),
    ({"name": "x", "fields": {"region": "西北"}}, "region"),
    ({"name": "x", "fields": {"nope": 1}}, "nope"),
    ({"name": "x", "tags": [""]}, "tags"),
])
def test_add_many_bad_row_names_row_and_field(crm, bad, field):
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南"])
    rows = [{"name": f"好{i}", "fields": {"region": "华东"}} for i in range(5)]
    rows.insert(3, bad)
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add_many(rows)
    assert info.value.row == 3
    assert info.value.field == field
    assert crm.customers.count() == 0


def test_add_many_row_that_is_not_a_dict(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add_many([{"name": "a"}, "b"])
    assert info.value.row == 1
    assert crm.customers.count() == 0


def test_add_many_unknown_owner_names_the_row(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add_many([{"name": "a"}, {"name": "b"}, {"name": "c", "owner": 999}])
    assert "row 2" in str(info.value) and info.value.row == 2 and info.value.field == "owner"
    assert crm.customers.count() == 0


# ---------------------------------------------------------------------------------------------
# Unicode end to end


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_unicode_survives_round_trips(crm, name):
    crm.fields.add("customer", "note", type="text")
    crm.fields.add("contact", "wechat", type="text")
    tag = name[:10].strip()
    industry = name[:20].strip()
    c = crm.customers.add(name=name, industry=industry, tags=[tag, "🚀", "ＶＩＰ"], fields={"note": name})
    for got in (c, crm.customers.get(c.id)):
        assert got.name == name
        assert got.industry == industry
        assert sorted(got.tags) == sorted([tag, "🚀", "ＶＩＰ"])
        assert got.fields["note"] == name
    row = crm.customers.find(name_contains=name[-3:]).rows()
    assert [r["name"] for r in row] == [name]
    assert ids(crm.customers.find(tag="🚀")) == [c.id]
    assert ids(crm.customers.find(tag=tag)) == [c.id]
    title = name[:5].strip()
    p = crm.contacts.add(c.id, name=name, title=title, fields={"wechat": name})
    got = crm.contacts.get(p.id)
    assert (got.name, got.title, got.fields["wechat"]) == (name, title, name)
    assert crm.contacts.list(c.id).column("name") == [name]
    u = crm.customers.update(c.id, name=name + "（新）")
    assert crm.customers.get(c.id).name == name + "（新）"
    assert crm.history("customer", c.id).rows()[-1]["old"] == name
    assert u.name == name + "（新）"


def test_combining_characters_are_not_normalised(crm):
    decomposed = "Cafe\u0301"
    composed = "Caf\u00e9"
    a = crm.customers.add(name=decomposed)
    b = crm.customers.add(name=composed)
    assert crm.customers.get(a.id).name == decomposed
    assert crm.customers.get(b.id).name == composed
    assert len(crm.customers.get(a.id).name) == 5


def test_full_width_and_ascii_tags_are_distinct(crm):
    c = crm.customers.add(name="x", tags=["ＶＩＰ"])
    d = crm.customers.add(name="y", tags=["VIP"])
    assert ids(crm.customers.find(tag="ＶＩＰ")) == [c.id]
    assert ids(crm.customers.find(tag="VIP")) == [d.id]


# ---------------------------------------------------------------------------------------------
# Contacts


def test_contacts_add_list_update_delete(crm):
    crm.clock.freeze("2026-01-01T09:00")
    c = crm.customers.add(name="上海某某科技有限公司")
    li = crm.contacts.add(c.id, name="李雷", title="采购经理", phone="138 0013 8000", email="li@example.cn")
    han = crm.contacts.add(c, name="韩梅梅")
    assert (li.customer_id, li.name, li.title, li.phone, li.email) == (
        c.id, "李雷", "采购经理", "138 0013 8000", "li@example.cn")
    assert li.version == 1
    assert li.created_at == dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert crm.contacts.get(li.id) == li
    t = crm.contacts.list(c.id)
    assert t.column("id") == [li.id, han.id]
    assert t.column("title") == ["采购经理", None]
    assert {"id", "customer_id", "name", "title", "phone", "email", "created_at", "version"} <= set(t.columns)

    crm.clock.advance(days=1)
    u = crm.contacts.update(li.id, expected_version=li.version, title="采购总监", phone=None)
    assert (u.title, u.phone, u.version) == ("采购总监", None, 2)
    assert u.updated_at == dt.datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    assert crm.contacts.get(li.id) == u
    with pytest.raises(crmkit.Conflict):
        crm.contacts.update(li.id, expected_version=li.version, title="CEO")
    assert crm.contacts.get(li.id).title == "采购总监"
    h = crm.history("contact", li.id).rows()
    assert [(r["field"], r["old"], r["new"]) for r in h] == [("title", "采购经理", "采购总监"),
                                                            ("phone", "138 0013 8000", None)]

    crm.contacts.delete(han.id)
    with pytest.raises(crmkit.NotFound):
        crm.contacts.get(han.id)
    assert crm.contacts.list(c.id).column("id") == [li.id]
    with pytest.raises(crmkit.NotFound):
        crm.contacts.delete(han.id)
    # Adding and removing people shows in the customer's history.
    fields = [(r["field"], r["old"], r["new"]) for r in crm.history("customer", c.id).rows()]
    assert ("contacts", None, "李雷") in fields
    assert ("contacts", "韩梅梅", None) in fields


def test_contact_validation(crm):
    c = crm.customers.add(name="x")
    with pytest.raises(crmkit.ValidationError) as info:
        crm.contacts.add(c.id, title="无名")
    assert info.value.field == "name"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.contacts.add(c.id, name="\u3000")
    assert info.value.field == "name"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.contacts.add(c.id, name="李雷", email="li-at-example")
    assert info.value.field == "email"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.contacts.add(c.id, name="李雷", wechat="x")
    assert info.value.field == "wechat"
    with pytest.raises(crmkit.NotFound):
        crm.contacts.add(999, name="李雷")
    assert len(crm.contacts.list(c.id)) == 0
    p = crm.contacts.add(c.id, name="李雷")
    with pytest.raises(crmkit.ValidationError) as info:
        crm.contacts.update(p.id, email="bad")
    assert info.value.field == "email"
    assert crm.contacts.get(p.id) == p
    with pytest.raises(crmkit.NotFound):
        crm.contacts.update(999, name="x")


def test_contacts_scope(org, owned):
    crm = org.crm
    alice = crm.as_user(org.alice)
    bob = crm.as_user(org.bob)
    boss = crm.as_user(org.wang)
    mine = owned["alice"]
    p = alice.contacts.add(mine.id, name="李雷")
    assert alice.contacts.list(mine.id).column("id") == [p.id]
    assert alice.contacts.get(p.id) == p
    assert boss.contacts.list(mine.id).column("id") == [p.id]  # the manager's team scope covers alice
    before = crm.contacts.get(p.id)
    with pytest.raises(crmkit.PermissionDenied):
        bob.contacts.list(mine.id)
    with pytest.raises(crmkit.PermissionDenied):
        bob.contacts.get(p.id)
    with pytest.raises(crmkit.PermissionDenied):
        bob.contacts.update(p.id, title="改")
    with pytest.raises(crmkit.PermissionDenied):
        bob.contacts.delete(p.id)
    with pytest.raises(crmkit.PermissionDenied):
        bob.contacts.add(mine.id, name="韩梅梅")
    with pytest.raises(crmkit.PermissionDenied):
        bob.history("contact", p.id)
    assert crm.contacts.get(p.id) == before
    assert crm.contacts.list(mine.id).column("id") == [p.id]
    u = alice.contacts.update(p.id, title="采购")
    assert u.title == "采购"
    alice.contacts.delete(p.id)
    assert len(crm.contacts.list(mine.id)) == 0


def test_keyset_paging_is_stable_while_rows_are_added(crm):
    original = crm.customers.add_many([{"name": f"原{i}"} for i in range(30)])
    seen, after = [], None
    while True:
        page = ids(crm.customers.find(after=after, limit=7, name_contains="原"))
        if not page:
            break
        seen += page
        after = page[-1]
        crm.customers.add(name="新增的行")  # lands after every original row, outside the filter
    assert seen == original
    assert len(set(seen)) == len(seen)


@pytest.mark.parametrize("field,value", [("phone", 2**70), ("industry", {"a": 1}), ("source", object())])
def test_unconvertible_attribute_values_name_the_field(crm, field, value):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add(name="x", **{field: value})
    assert info.value.field == field
    assert field in str(info.value)
    assert crm.customers.count() == 0


def test_unconvertible_value_in_add_many_names_row_and_field(crm):
    rows = [{"name": "a"}, {"name": "b", "phone": 2**70}]
    with pytest.raises(crmkit.ValidationError) as info:
        crm.customers.add_many(rows)
    assert info.value.row == 1
    assert info.value.field == "phone"
    assert crm.customers.count() == 0


def test_ids_of_deleted_customers_are_never_reused(crm):
    old = crm.customers.add(name="旧客户", industry="制造")
    crm.customers.update(old.id, industry="软件")
    crm.customers.delete(old.id)
    new = crm.customers.add(name="新客户")
    # A reused id would hand the new customer the deleted one's history (and any stale references).
    assert new.id != old.id
    assert crm.history("customer", new.id).column("field") == ["created"]
    assert crm.history("customer", old.id).column("field")[-1] == "deleted"
