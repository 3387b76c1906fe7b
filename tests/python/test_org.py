"""Teams, users, roles, and what a scoped view (crm.as_user) may see and change."""

import pytest

import crmkit
from conftest import snapshot


def ids(table):
    return table.column("id")


# ---------------------------------------------------------------------------------------------
# Teams


def test_teams_form_a_tree(org):
    crm = org.crm
    assert org.sales.parent_id is None
    assert org.east1.parent_id == org.sales.id
    assert crm.teams.get(org.east1.id) == org.east1
    assert crm.teams.get(org.east1) == org.east1           # a record works where an id does
    assert crm.teams.by_name("华东一组") == org.east1
    assert crm.teams.subtree(org.sales) == sorted([org.sales.id, org.east1.id])
    assert crm.teams.subtree(org.south) == [org.south.id]
    t = crm.teams.list()
    assert t.column("name") == ["华东销售部", "华东一组", "华南销售部"]
    assert t.column("parent_id") == [None, org.sales.id, None]
    members = dict(zip(t.column("name"), t.column("members")))
    assert members == {"华东销售部": 2, "华东一组": 2, "华南销售部": 1}


def test_team_names_are_trimmed_and_unique(crm):
    t = crm.teams.add("\u3000 华北销售部 ")
    assert t.name == "华北销售部"
    with pytest.raises(crmkit.Conflict):
        crm.teams.add("华北销售部")
    assert len(crm.teams.list()) == 1


def test_team_with_empty_name_is_refused(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.teams.add("\u3000")
    assert info.value.field == "name"


def test_team_with_unknown_parent_is_not_found(crm):
    with pytest.raises(crmkit.NotFound):
        crm.teams.add("孤儿", parent=999)
    assert len(crm.teams.list()) == 0


def test_unknown_team_is_not_found(crm):
    with pytest.raises(crmkit.NotFound):
        crm.teams.get(999)
    with pytest.raises(crmkit.NotFound):
        crm.teams.by_name("不存在")
    with pytest.raises(KeyError):  # NotFound is a KeyError
        crm.teams.get(999)


def test_move_team(org):
    crm = org.crm
    moved = crm.teams.move(org.east1, parent=org.south)
    assert moved.parent_id == org.south.id
    assert moved.version == org.east1.version + 1
    assert crm.teams.subtree(org.south) == sorted([org.south.id, org.east1.id])
    assert crm.teams.subtree(org.sales) == [org.sales.id]
    to_root = crm.teams.move(org.east1, parent=None)
    assert to_root.parent_id is None
    assert crm.teams.get(org.east1).parent_id is None
    assert crm.teams.subtree(org.south) == [org.south.id]


def test_team_moves_are_in_history(org):
    crm = org.crm
    crm.teams.move(org.east1, parent=org.south)
    crm.teams.move(org.east1, parent=None)
    h = crm.history("team", org.east1.id).rows()
    # "No value" is None, as in customer history (not an empty string).
    assert [(r["field"], r["old"], r["new"]) for r in h] == [
        ("parent_id", str(org.sales.id), str(org.south.id)),
        ("parent_id", str(org.south.id), None),
    ]


def test_move_team_into_its_own_subtree_is_refused(org):
    crm = org.crm
    with pytest.raises(crmkit.ValidationError) as info:
        crm.teams.move(org.sales, parent=org.east1)
    assert info.value.field == "parent"
    with pytest.raises(crmkit.ValidationError):
        crm.teams.move(org.sales, parent=org.sales)
    # A deeper cycle: sales > east1 > deep; moving sales under deep.
    deep = crm.teams.add("华东一组一班", parent=org.east1)
    with pytest.raises(crmkit.ValidationError):
        crm.teams.move(org.sales, parent=deep)
    assert crm.teams.get(org.sales).parent_id is None
    assert crm.teams.get(org.sales).version == org.sales.version


def test_move_to_unknown_parent_is_not_found(org):
    with pytest.raises(crmkit.NotFound):
        org.crm.teams.move(org.east1, parent=999)
    assert org.crm.teams.get(org.east1).parent_id == org.sales.id


def test_team_lead(org):
    crm = org.crm
    t = crm.teams.set_lead(org.sales, org.zhang)
    assert t.lead_id == org.zhang.id
    with pytest.raises(crmkit.NotFound):
        crm.teams.set_lead(org.sales, 999)
    assert crm.teams.get(org.sales).lead_id == org.zhang.id


# ---------------------------------------------------------------------------------------------
# Users


def test_users_with_teams_and_managers(org):
    crm = org.crm
    assert org.alice.login == "alice"
    assert org.alice.role == "sales"
    assert org.alice.team_id == org.east1.id
    assert org.alice.manager_id == org.wang.id
    assert org.alice.active is True
    assert crm.users.managers(org.alice) == [org.wang.id, org.zhang.id]
    assert crm.users.managers(org.zhang) == []
    assert crm.users.reports(org.zhang) == sorted(u.id for u in (org.wang, org.alice, org.bob, org.carol))
    assert crm.users.reports(org.wang) == sorted([org.alice.id, org.bob.id])
    assert crm.users.reports(org.alice) == []


def test_users_get_by_id_record_or_login(org):
    crm = org.crm
    assert crm.users.get("alice") == org.alice
    assert crm.users.get(org.alice.id) == org.alice
    assert crm.users.get(org.alice) == org.alice
    assert crm.users.get(" alice ") == org.alice
    with pytest.raises(crmkit.NotFound) as info:
        crm.users.get("nobody")
    assert "nobody" in str(info.value)
    with pytest.raises(crmkit.NotFound):
        crm.users.get(999)


def test_users_list_filters(org):
    crm = org.crm
    assert crm.users.list().column("login") == ["zhang", "wang", "alice", "bob", "carol"]
    assert crm.users.list(team=org.east1).column("login") == ["alice", "bob"]
    assert crm.users.list(role="sales").column("login") == ["alice", "bob", "carol"]
    assert crm.users.list(team=org.sales, role="manager").column("login") == ["wang"]


def test_duplicate_login_is_a_conflict(org):
    with pytest.raises(crmkit.Conflict) as info:
        org.crm.users.add("alice", name="Another Alice")
    assert "alice" in str(info.value)
    assert org.crm.users.get("alice").name == "Alice Wang"
    assert len(org.crm.users.list()) == 5


def test_unknown_role_is_a_validation_error_naming_role(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.users.add("x", name="X", role="ceo")
    assert info.value.field == "role"
    assert "ceo" in str(info.value)
    assert len(crm.users.list()) == 0


def test_unknown_team_or_manager_is_not_found(crm):
    with pytest.raises(crmkit.NotFound):
        crm.users.add("x", name="X", team=999)
    with pytest.raises(crmkit.NotFound):
        crm.users.add("y", name="Y", manager=999)
    assert len(crm.users.list()) == 0


@pytest.mark.parametrize("login", ["", "   ", "has space", "tab\tin"])
def test_bad_logins_are_refused(crm, login):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.users.add(login, name="X")
    assert info.value.field == "login"


def test_user_with_empty_name_is_refused(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.users.add("x", name="\u3000")
    assert info.value.field == "name"


def test_user_names_keep_unicode(crm):
    u = crm.users.add("li", name="李雷 🚀 Café", email="li@example.cn")
    assert crm.users.get("li").name == "李雷 🚀 Café"
    assert u.email == "li@example.cn"


def test_update_user(org):
    crm = org.crm
    u = crm.users.update(org.bob, expected_version=org.bob.version, name="Bob Lee", team=org.south,
                         manager=org.zhang, role="service")
    assert (u.name, u.team_id, u.manager_id, u.role) == ("Bob Lee", org.south.id, org.zhang.id, "service")
    assert u.version == org.bob.version + 1
    assert crm.users.get("bob") == u
    fields = [r["field"] for r in crm.history("user", org.bob.id).rows()]
    assert set(fields) == {"name", "team_id", "manager_id", "role"}


def test_update_user_with_stale_version_is_a_conflict(org):
    crm = org.crm
    crm.users.update(org.bob, name="Bob 2")
    with pytest.raises(crmkit.Conflict):
        crm.users.update(org.bob, expected_version=org.bob.version, name="Bob 3")
    assert crm.users.get("bob").name == "Bob 2"


def test_manager_cycle_is_refused(org):
    crm = org.crm
    # zhang manages wang, who manages alice: alice may not become zhang's manager.
    with pytest.raises(crmkit.ValidationError) as info:
        crm.users.update(org.zhang, manager=org.alice)
    assert info.value.field == "manager"
    with pytest.raises(crmkit.ValidationError):
        crm.users.update(org.wang, manager=org.alice)
    with pytest.raises(crmkit.ValidationError):
        crm.users.update(org.alice, manager=org.alice)
    assert crm.users.get("zhang").manager_id is None
    assert crm.users.get("wang").manager_id == org.zhang.id
    assert crm.users.get("alice").manager_id == org.wang.id
    assert crm.users.get("zhang").version == org.zhang.version


def test_manager_change_without_cycle_is_allowed(org):
    u = org.crm.users.update(org.carol, manager=org.wang)
    assert u.manager_id == org.wang.id
    assert org.crm.users.reports(org.wang) == sorted([org.alice.id, org.bob.id, org.carol.id])
    cleared = org.crm.users.update(org.carol, manager=None)
    assert cleared.manager_id is None


def test_update_user_to_unknown_things(org):
    crm = org.crm
    with pytest.raises(crmkit.ValidationError) as info:
        crm.users.update(org.bob, role="ceo")
    assert info.value.field == "role"
    with pytest.raises(crmkit.NotFound):
        crm.users.update(org.bob, team=999)
    with pytest.raises(crmkit.NotFound):
        crm.users.update(org.bob, manager=999)
    with pytest.raises(crmkit.ValidationError) as info:
        crm.users.update(org.bob, shoe_size=42)
    assert info.value.field == "shoe_size"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.users.update(org.bob, active="no")
    assert info.value.field == "active"
    assert crm.users.get("bob") == org.bob
    with pytest.raises(crmkit.NotFound):
        crm.users.update(999, name="x")


def test_a_failed_user_update_changes_nothing(org):
    crm = org.crm
    with pytest.raises(crmkit.ValidationError):
        crm.users.update(org.bob, name="Changed", role="ceo")
    assert crm.users.get("bob") == org.bob


# ---------------------------------------------------------------------------------------------
# Roles


def test_builtin_roles(crm):
    rows = {r["role"]: r for r in crm.roles.list().rows()}
    assert set(rows) == {"admin", "director", "manager", "sales", "service", "finance"}
    assert rows["admin"]["customers"] == "all" and rows["admin"]["admin"] is True
    assert rows["director"]["customers"] == "all"
    assert rows["manager"]["customers"] == "team"
    assert rows["sales"]["customers"] == "own"
    assert rows["service"]["customers"] == "team"
    assert rows["finance"]["customers"] == "all"
    for name in ("director", "manager", "sales", "service", "finance"):
        assert rows[name]["admin"] is False
    assert crm.roles.list().columns[0] == "role"
    assert {"customers", "opportunities", "leads"} <= set(crm.roles.list().columns)


def test_define_and_list_a_role(crm):
    r = crm.roles.define("key_account", customers="team", opportunities="own", leads="none", approve=True)
    assert r.name == "key_account"
    assert r.scopes["customers"] == "team"
    assert r.scopes["opportunities"] == "own"
    assert r.approve is True and r.admin is False
    assert crm.roles.get("key_account") == r
    row = [x for x in crm.roles.list().rows() if x["role"] == "key_account"]
    assert row == [{"role": "key_account", "customers": "team", "opportunities": "own", "leads": "none",
                    "approve": True, "admin": False}]
    u = crm.users.add("ka", name="KA", role="key_account")
    assert u.role == "key_account"


def test_redefine_a_role_keeps_unmentioned_scopes(crm):
    crm.roles.define("sales", customers="team")
    r = crm.roles.get("sales")
    assert r.scopes["customers"] == "team"
    assert r.scopes["opportunities"] == "own"  # untouched
    assert r.approve is False
    crm.roles.define("sales", approve=True)
    assert crm.roles.get("sales").approve is True
    assert crm.roles.get("sales").scopes["customers"] == "team"
    assert len(crm.roles.list()) == 6  # redefined, not duplicated


def test_bad_role_definitions(crm):
    with pytest.raises(crmkit.ValidationError) as info:
        crm.roles.define("x", customers="some")
    assert info.value.field == "customers"
    with pytest.raises(crmkit.ValidationError) as info:
        crm.roles.define("x", widgets="all")
    assert info.value.field == "widgets"
    with pytest.raises(crmkit.ValidationError):
        crm.roles.define("  ", customers="all")
    with pytest.raises(crmkit.NotFound):
        crm.roles.get("x")


def test_unknown_role_get_is_not_found(crm):
    with pytest.raises(crmkit.NotFound):
        crm.roles.get("ceo")


# ---------------------------------------------------------------------------------------------
# Scoped views: who sees what


def _visible(view):
    return set(ids(view.customers.find()))


def test_view_knows_its_user(org):
    me = org.crm.as_user(org.alice)
    assert me.user == org.alice
    assert org.crm.user is None
    assert org.crm.as_user(org.alice.id).user == org.alice


def test_as_user_unknown_user_is_not_found(org):
    with pytest.raises(crmkit.NotFound):
        org.crm.as_user(999)


def test_system_view_sees_all(org, owned):
    crm = org.crm
    assert _visible(crm) == {c.id for c in owned.values()}
    assert crm.customers.count() == 6
    assert ids(crm.customers.find(pool=True)) == [owned["pool"].id]
    for c in owned.values():
        assert crm.customers.get(c.id) == c


def test_rep_sees_only_own_customers(org, owned):
    me = org.crm.as_user(org.alice)
    assert _visible(me) == {owned["alice"].id}
    with pytest.raises(crmkit.NotFound):
        me.customers.get(424242)
    assert me.customers.count() == 1
    assert me.customers.get(owned["alice"].id) == owned["alice"]
    # Filters cannot widen the scope.
    assert len(me.customers.find(owner=org.bob)) == 0
    assert me.customers.count(owner=org.bob) == 0
    assert len(me.customers.find(pool=True)) == 0
    assert me.customers.count(pool=True) == 0
    assert ids(me.customers.find(team=org.east1)) == [owned["alice"].id]
    assert me.customers.count(name_contains="客户") == 1


@pytest.mark.parametrize("other", ["bob", "zhang", "carol", "pool"])
def test_rep_cannot_read_another_customer(org, owned, other):
    me = org.crm.as_user(org.alice)
    target = owned[other].id
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.get(target)
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.history(target)
    with pytest.raises(crmkit.PermissionDenied):
        me.history("customer", target)
    with pytest.raises(crmkit.PermissionDenied):
        me.contacts.list(target)


def test_rep_cannot_change_another_customer(org, owned):
    crm = org.crm
    me = crm.as_user(org.alice)
    target = owned["bob"]
    before = snapshot(crm, target.id)
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.update(target.id, industry="软件")
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.update(target.id, owner=org.alice)  # cannot grab it either
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.tag(target.id, "VIP")
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.untag(target.id, "VIP")
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.set_stage(target.id, "loyal")
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.delete(target.id)
    with pytest.raises(crmkit.PermissionDenied):
        me.contacts.add(target.id, name="李雷")
    assert snapshot(crm, target.id) == before


def test_rep_cannot_create_a_customer_for_someone_else(org, owned):
    crm = org.crm
    me = crm.as_user(org.alice)
    n = crm.customers.count()
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.add(name="给 bob 的", owner=org.bob)
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.add(name="放进公海", owner=None)
    with pytest.raises(crmkit.PermissionDenied):
        me.customers.add_many([{"name": "自己的"}, {"name": "给 bob 的", "owner": org.bob.id}])
    assert crm.customers.count() == n
    assert crm.customers.count(name_contains="自己的") == 0


def test_rep_new_customer_defaults_to_the_rep(org):
    crm = org.crm
    me = crm.as_user(org.alice)
    c = me.customers.add(name="alice 开发的客户")
    assert c.owner_id == org.alice.id
    assert c.created_by == org.alice.id
    explicit = me.customers.add(name="也是 alice 的", owner=org.alice)
    assert explicit.owner_id == org.alice.id
    many = me.customers.add_many([{"name": "批量一"}, {"name": "批量二"}])
    assert [crm.customers.get(i).owner_id for i in many] == [org.alice.id] * 2
    # The system view's customers default to the pool.
    assert crm.customers.add(name="系统录入").owner_id is None


def test_rep_can_work_on_own_customers(org, owned):
    crm = org.crm
    me = crm.as_user(org.alice)
    c = owned["alice"]
    u = me.customers.update(c.id, expected_version=c.version, industry="软件")
    assert u.industry == "软件"
    assert me.customers.tag(c.id, "VIP").tags == ["VIP"]
    assert me.customers.set_stage(c.id, "active").stage == "active"
    contact = me.contacts.add(c.id, name="李雷")
    assert me.contacts.list(c.id).column("id") == [contact.id]
    me.customers.delete(c.id)
    with pytest.raises(crmkit.NotFound):
        crm.customers.get(c.id)


def test_manager_with_team_scope_sees_team_and_sub_teams(org, owned):
    crm = org.crm
    boss = crm.as_user(org.wang)  # manager, team 华东销售部, whose sub-team 华东一组 holds alice and bob
    expected = {owned[k].id for k in ("zhang", "wang", "alice", "bob")}
    assert _visible(boss) == expected
    assert boss.customers.count() == 4
    assert boss.customers.get(owned["alice"].id) == owned["alice"]
    with pytest.raises(crmkit.PermissionDenied):
        boss.customers.get(owned["carol"].id)
    with pytest.raises(crmkit.PermissionDenied):
        boss.customers.get(owned["pool"].id)
    # Writes inside the team are fine, outside are not.
    assert boss.customers.tag(owned["bob"].id, "重点").tags == ["重点"]
    with pytest.raises(crmkit.PermissionDenied):
        boss.customers.tag(owned["carol"].id, "重点")
    assert boss.customers.add(name="分给 alice", owner=org.alice).owner_id == org.alice.id
    with pytest.raises(crmkit.PermissionDenied):
        boss.customers.add(name="分给 carol", owner=org.carol)
    # Handing a team customer to someone outside the team is a write outside the scope.
    with pytest.raises(crmkit.PermissionDenied):
        boss.customers.update(owned["bob"].id, owner=org.carol)
    assert crm.customers.get(owned["bob"].id).owner_id == org.bob.id


def test_team_scope_follows_the_team_tree(org, owned):
    crm = org.crm
    crm.teams.move(org.east1, parent=org.south)
    boss = crm.as_user(org.wang)
    assert _visible(boss) == {owned["zhang"].id, owned["wang"].id}


def test_team_scope_of_a_sub_team_member_excludes_the_parent_team(org, owned):
    crm = org.crm
    crm.users.update(org.bob, role="manager")  # bob: team scope, team 华东一组 (no sub-teams)
    bob = crm.as_user(org.bob)
    assert _visible(bob) == {owned["alice"].id, owned["bob"].id}


def test_reports_scope_covers_the_manager_chain(org, owned):
    crm = org.crm
    crm.roles.define("supervisor", customers="reports")
    # eve is in another team but reports to alice, who reports to wang: indirect report of wang.
    eve = crm.users.add("eve", name="Eve", role="sales", team=org.south, manager=org.alice)
    eve_c = crm.customers.add(name="eve的客户", owner=eve)
    crm.users.update(org.wang, role="supervisor")
    boss = crm.as_user(org.wang)
    expected = {owned["wang"].id, owned["alice"].id, owned["bob"].id, eve_c.id}
    assert _visible(boss) == expected
    assert boss.customers.count() == 4
    with pytest.raises(crmkit.PermissionDenied):
        boss.customers.get(owned["zhang"].id)  # the manager's manager is not a report
    with pytest.raises(crmkit.PermissionDenied):
        boss.customers.get(owned["carol"].id)
    assert boss.customers.get(eve_c.id) == eve_c
    # The top of the chain sees everyone below.
    crm.users.update(org.zhang, role="supervisor")
    top = crm.as_user(org.zhang)
    assert _visible(top) == {c.id for k, c in owned.items() if k != "pool"} | {eve_c.id}


def test_none_scope_sees_nothing(org, owned):
    crm = org.crm
    crm.roles.define("intern", customers="none")
    u = crm.users.add("intern", name="Intern", role="intern", team=org.east1)
    view = crm.as_user(u)
    assert len(view.customers.find()) == 0
    assert view.customers.count() == 0
    with pytest.raises(crmkit.PermissionDenied):
        view.customers.get(owned["alice"].id)
    with pytest.raises(crmkit.PermissionDenied):
        view.customers.add(name="x")


def test_redefining_a_role_changes_new_views(org, owned):
    crm = org.crm
    crm.roles.define("sales", customers="team")
    me = crm.as_user(org.alice)  # team 华东一组: alice and bob
    assert _visible(me) == {owned["alice"].id, owned["bob"].id}


def test_rep_may_not_change_configuration(org):
    crm = org.crm
    me = crm.as_user(org.alice)
    with pytest.raises(crmkit.PermissionDenied):
        me.users.add("mallory", name="Mallory")
    with pytest.raises(crmkit.PermissionDenied):
        me.users.update(org.alice, role="admin")
    with pytest.raises(crmkit.PermissionDenied):
        me.teams.add("私人团队")
    with pytest.raises(crmkit.PermissionDenied):
        me.teams.move(org.east1, parent=None)
    with pytest.raises(crmkit.PermissionDenied):
        me.teams.set_lead(org.east1, org.alice)
    with pytest.raises(crmkit.PermissionDenied):
        me.fields.add("customer", "secret", type="text")
    with pytest.raises(crmkit.PermissionDenied):
        me.roles.define("sales", customers="all")
    with pytest.raises(crmkit.PermissionDenied):
        me.roles.define("superrep", customers="all", admin=True)
    with pytest.raises(crmkit.PermissionDenied):
        me.lifecycle.set_stages(["a", "b"])
    with pytest.raises(crmkit.PermissionDenied):
        me.pipeline.set_stages([("x", 0.5)])
    # Nothing changed.
    assert crm.users.get("alice") == org.alice
    assert len(crm.users.list()) == 5
    assert len(crm.teams.list()) == 3
    assert len(crm.fields.list()) == 0
    assert crm.roles.get("sales").scopes["customers"] == "own"
    with pytest.raises(crmkit.NotFound):
        crm.roles.get("superrep")
    assert crm.lifecycle.stages() == ["prospect", "active", "loyal", "at_risk", "churned"]


def test_rep_may_not_read_other_entities_history(org):
    me = org.crm.as_user(org.alice)
    with pytest.raises(crmkit.PermissionDenied):
        me.history("user", org.bob.id)


def test_a_scoped_view_cannot_impersonate_someone_else(org, owned):
    # as_user on a rep's view must not hand out the director's view: that would escape every scope.
    me = org.crm.as_user(org.alice)
    with pytest.raises(crmkit.PermissionDenied):
        me.as_user(org.zhang)


def test_admin_user_may_configure(org):
    crm = org.crm
    root = crm.users.add("root", name="Root", role="admin")
    view = crm.as_user(root)
    view.teams.add("新团队")
    view.users.add("newbie", name="Newbie")
    view.fields.add("customer", "region", type="text")
    view.roles.define("auditor", customers="all")
    assert crm.users.get("newbie").login == "newbie"
    assert crm.roles.get("auditor").scopes["customers"] == "all"


def test_deactivated_user_cannot_get_a_view(org, owned):
    crm = org.crm
    u = crm.users.update(org.bob, active=False)
    assert u.active is False
    assert crm.users.get("bob").active is False
    with pytest.raises(crmkit.PermissionDenied) as info:
        crm.as_user(org.bob)
    assert "bob" in str(info.value)
    crm.users.update(org.bob, active=True)
    assert _visible(crm.as_user(org.bob)) == {owned["bob"].id}


def test_history_records_the_acting_user(org, owned):
    crm = org.crm
    me = crm.as_user(org.alice)
    c = me.customers.add(name="alice 新客户")
    me.customers.update(c.id, industry="制造")
    crm.customers.update(c.id, source="展会")
    rows = crm.history("customer", c.id).rows()
    assert [(r["field"], r["actor"]) for r in rows] == [("created", "alice"), ("industry", "alice"),
                                                         ("source", "system")]
    assert rows[0]["actor_id"] == org.alice.id
    assert rows[2]["actor_id"] is None


# ---------------------------------------------------------------------------------------------
# Principals and role members are read once per connection and reused until the organisation
# changes (on this connection or another)


def test_a_new_view_sees_a_role_change_made_on_the_same_connection(org, owned):
    crm = org.crm
    assert _visible(crm.as_user(org.bob)) == {owned["bob"].id}  # resolved, and kept
    crm.roles.define("审计", customers="all", opportunities="all")
    crm.users.update(org.bob, role="审计")
    assert _visible(crm.as_user(org.bob)) == {c.id for c in owned.values()}
    crm.users.update(org.bob, role="sales")
    assert _visible(crm.as_user(org.bob)) == {owned["bob"].id}


def test_a_new_team_member_is_covered_by_the_managers_next_view(org, owned):
    crm = org.crm
    before = _visible(crm.as_user(org.wang))
    dave = crm.users.add("dave", name="Dave", role="sales", team=org.east1, manager=org.wang)
    mine = crm.customers.add(name="dave的客户", owner=dave)
    assert _visible(crm.as_user(org.wang)) == before | {mine.id}


def test_a_change_by_another_connection_is_seen_by_the_next_view(org, owned, db_path):
    crm = org.crm
    assert _visible(crm.as_user(org.bob)) == {owned["bob"].id}
    other = crmkit.open(str(db_path))
    try:
        other.users.update(org.bob, active=False)
    finally:
        other.close()
    with pytest.raises(crmkit.PermissionDenied, match="bob"):
        crm.as_user(org.bob)


def test_a_rolled_back_role_change_leaves_no_principal_behind(org, owned):
    crm = org.crm
    crm.roles.define("审计", customers="all", opportunities="all")
    assert _visible(crm.as_user(org.bob)) == {owned["bob"].id}
    with pytest.raises(RuntimeError, match="changed my mind"):
        with crm.transaction():
            crm.users.update(org.bob, role="审计")
            assert len(_visible(crm.as_user(org.bob))) == len(owned)  # inside: the new role
            raise RuntimeError("changed my mind")
    assert crm.users.get(org.bob).role == "sales"
    assert _visible(crm.as_user(org.bob)) == {owned["bob"].id}


def test_an_approver_deactivated_after_a_decision_is_refused_at_the_next(org):
    crm = org.crm
    crm.workflows.define({"name": "审批", "entity": "opportunity", "trigger": {"on": "submit"},
                          "steps": [{"name": "经理", "approvers": "owner.manager", "mode": "any"},
                                    {"name": "总监", "approvers": {"role": "director"}, "mode": "any"}]})
    customer = crm.customers.add(name="审批客户", owner=org.alice)
    first = crm.opportunities.add(customer=customer, title="一", amount=1000, owner=org.alice)
    second = crm.opportunities.add(customer=customer, title="二", amount=1000, owner=org.alice)
    r1 = crm.approvals.submit("opportunity", first, workflow="审批", by=org.alice)
    r2 = crm.approvals.submit("opportunity", second, workflow="审批", by=org.alice)
    assert crm.approvals.approve(r1, by=org.wang).current_step == "总监"  # wang resolved and kept
    crm.users.update(org.wang, active=False)
    with pytest.raises(crmkit.PermissionDenied, match="deactivated"):
        crm.approvals.approve(r2, by=org.wang)
    assert crm.approvals.get(r2).current_step == "经理"


def _role_workflow(crm):
    crm.roles.define("finance", customers="all", opportunities="all")
    first = crm.users.add("fin1", name="财务一", role="finance")
    crm.workflows.define({"name": "财务审批", "entity": "opportunity", "trigger": {"on": "submit"},
                          "steps": [{"name": "财务", "approvers": {"role": "finance"}, "mode": "any"}]})
    return crm.customers.add(name="财务客户", owner=crm.users.get("alice")), first


def test_a_step_routed_to_a_role_reaches_a_user_who_joined_the_role_since(org, db_path):
    crm = org.crm
    customer, first_finance = _role_workflow(crm)
    deals = [crm.opportunities.add(customer=customer, title=f"单{i}", amount=1000, owner=org.alice) for i in range(3)]
    r1 = crm.approvals.submit("opportunity", deals[0], workflow="财务审批", by=org.alice)
    second_finance = crm.users.add("fin2", name="财务二", role="finance")  # same connection
    r2 = crm.approvals.submit("opportunity", deals[1], workflow="财务审批", by=org.alice)
    other = crmkit.open(str(db_path))
    try:
        other.users.update(first_finance, active=False)  # another connection
    finally:
        other.close()
    r3 = crm.approvals.submit("opportunity", deals[2], workflow="财务审批", by=org.alice)
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.approve(r1, by=second_finance)  # routed before fin2 joined
    assert crm.approvals.approve(r2, by=second_finance).status == "approved"
    with pytest.raises(crmkit.PermissionDenied):
        crm.approvals.approve(r3, by=first_finance)  # deactivated
    assert crm.approvals.approve(r3, by=second_finance).status == "approved"


def test_views_and_org_changes_from_two_threads_do_not_wait_for_each_other(org, owned):
    # One thread changes the organisation inside transactions while another keeps opening views:
    # the cache and the database are always locked in the same order, so neither can block both.
    import threading

    crm = org.crm
    crm.roles.define("审计", customers="all", opportunities="all")
    stop = threading.Event()
    errors = []

    def views():
        try:
            while not stop.is_set():
                crm.as_user(org.bob)
        except Exception as e:
            errors.append(e)

    def changes():
        try:
            for i in range(201):  # ends on an even i: "sales"
                with crm.transaction():
                    crm.users.update(org.bob, role="审计" if i % 2 else "sales")
                    crm.as_user(org.bob)
        except Exception as e:
            errors.append(e)

    readers = [threading.Thread(target=views) for _ in range(2)]
    writer = threading.Thread(target=changes)
    for t in readers:
        t.start()
    writer.start()
    writer.join(timeout=60)
    stop.set()
    for t in readers:
        t.join(timeout=60)
    assert not writer.is_alive() and not any(t.is_alive() for t in readers), "the threads deadlocked"
    assert errors == []
    assert _visible(crm.as_user(org.bob)) == {owned["bob"].id}  # the last change
