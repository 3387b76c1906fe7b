"""Segments, groups, auto-tags/stages, RFM and CLV through the Python API, plus the differential
property test: SQL compilation, the C++ evaluator and a plain Python reference agree."""

import datetime as dt
import random

import pytest

import crmkit

NOW = "2026-03-01T12:00:00Z"


@pytest.fixture
def seg_crm(crm):
    crm.clock.freeze(NOW)
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南", "华北"])
    crm.fields.add("customer", "employees", type="integer")
    crm.fields.add("customer", "score", type="number")
    crm.fields.add("customer", "vip", type="bool")
    return crm


def _add(crm, name, **kw):
    return crm.customers.add(name=name, **kw)


def test_define_count_ids_members(seg_crm):
    crm = seg_crm
    a = _add(crm, "上海甲制造", industry="制造", fields={"region": "华东"})
    b = _add(crm, "深圳乙制造", industry="制造", fields={"region": "华南"})
    _add(crm, "北京丙软件", industry="软件", fields={"region": "华东"})
    seg = crm.segments.define("east_makers", 'industry = "制造" and region = "华东"')
    assert seg.name == "east_makers" and seg.count() == 1 and seg.ids() == [a.id]
    assert seg.members().column("name") == ["上海甲制造"]
    assert crm.segments.count("east_makers") == 1
    assert crm.segments.evaluate('industry in ("制造", "能源")').column("id") == [a.id, b.id]
    assert crm.customers.count(where='region = "华东"') == 2
    # dynamic: re-evaluated on read
    crm.customers.update(b.id, fields={"region": "华东"})
    assert seg.count() == 2


def test_facts_in_rules(seg_crm):
    crm = seg_crm
    rep = crm.users.add("rep", name="Rep")
    big = _add(crm, "大客户", owner=rep)
    small = _add(crm, "小客户", owner=rep)
    crm.orders.add(big, amount=15000.0, at="2026-01-10")
    crm.orders.add(small, amount=900.0, at="2026-01-10")
    crm.interactions.log(big, kind="call", by=rep, summary="回访", at="2025-11-01T10:00:00Z")
    crm.interactions.log(small, kind="visit", by=rep, summary="拜访", at="2026-02-27T10:00:00Z")
    seg = crm.segments.define("churn_risk",
                              'days_since_contact > 90 and lifetime_value >= 10000 and not has_tag("黑名单")')
    assert seg.ids() == [big.id]
    crm.customers.tag(big.id, "黑名单")
    assert seg.ids() == []
    crm.clock.advance(days=120)
    assert crm.segments.ids_rule("days_since_contact > 90") == [big.id, small.id]
    assert crm.segments.ids_rule("last_contact_at < now - 90d") == [big.id, small.id]


def test_explain_shows_every_clause(seg_crm):
    crm = seg_crm
    c = _add(crm, "某某科技", industry="制造", fields={"employees": 50})
    crm.segments.define("mid", 'industry = "制造" and (employees > 100 or not has_tag("VIP"))')
    rows = crm.segments.explain("mid", c.id).rows()
    assert rows[0]["result"] is True and rows[0]["depth"] == 0
    clauses = {r["clause"]: r for r in rows}
    assert clauses['industry = "制造"']["value"] == '"制造"'  # text rendered as a literal
    assert clauses["employees > 100"]["result"] is False
    assert clauses["employees > 100"]["value"] == "50"
    assert crm.segments.contains("mid", c.id) is True


@pytest.mark.parametrize("rule, position", [
    ("lifetime_value > \"abc\"", 17),
    ("nosuchfield = 1", 0),
    ("(industry = \"x\"", 15),
    ("", 0),
])
def test_bad_rules_are_rule_syntax_errors(seg_crm, rule, position):
    with pytest.raises(crmkit.RuleSyntaxError) as info:
        seg_crm.segments.define("bad", rule)
    assert info.value.position == position
    assert info.value.line == 1
    with pytest.raises(crmkit.NotFound):
        seg_crm.segments.get("bad")  # nothing was saved


def test_rule_limits_fail_cleanly(seg_crm):
    with pytest.raises(crmkit.RuleSyntaxError, match="65,536"):
        seg_crm.segments.evaluate('name = "' + "x" * 100_000 + '"')
    with pytest.raises(crmkit.RuleSyntaxError):
        seg_crm.segments.evaluate("(" * 5000 + "id > 0" + ")" * 5000)


def test_strings_are_values_never_sql(seg_crm):
    crm = seg_crm
    _add(crm, 'x" or 1=1 --')
    _add(crm, "other")
    assert crm.segments.evaluate(r'name = "x\" or 1=1 --"').column("name") == ['x" or 1=1 --']
    assert crm.segments.count_rule("name = \"'; DROP TABLE customers; --\"") == 0
    assert crm.customers.count() == 2


def test_duplicate_segment_name_is_a_conflict(seg_crm):
    seg_crm.segments.define("s", "id > 0")
    with pytest.raises(crmkit.Conflict):
        seg_crm.segments.define("s", "id > 1")
    assert seg_crm.segments.get("s").rule == "id > 0"
    seg_crm.segments.redefine("s", "id > 1")
    assert seg_crm.segments.get("s").rule == "id > 1"


def test_snapshot_and_diff(seg_crm):
    crm = seg_crm
    a = _add(crm, "a", industry="制造")
    b = _add(crm, "b", industry="制造")
    crm.segments.define("makers", 'industry = "制造"')
    snap = crm.segments.snapshot("makers")
    assert snap.count == 2
    c = _add(crm, "c", industry="制造")
    crm.customers.update(a.id, industry="软件")
    d = crm.segments.diff("makers", since=snap)
    assert d.entered == [c.id] and d.left == [a.id]
    assert crm.segments.diff("makers").since == snap.id
    assert len(crm.segments.snapshots("makers")) == 1
    assert b.id in crm.segments.ids("makers")


def test_groups(seg_crm):
    crm = seg_crm
    a, b, c = (_add(crm, n) for n in "abc")
    crm.groups.add("展会名单")
    assert crm.groups.add_members("展会名单", [a.id, b, b.id]) == 2
    assert crm.groups.ids("展会名单") == [a.id, b.id]
    assert crm.segments.ids_rule('in_group("展会名单")') == [a.id, b.id]
    assert crm.groups.remove_members("展会名单", [a.id]) == 1
    assert crm.groups.members("展会名单").column("id") == [b.id]
    with pytest.raises(crmkit.NotFound):
        crm.groups.add_members("展会名单", [999999])
    assert crm.groups.ids("展会名单") == [b.id]
    with pytest.raises(crmkit.Conflict):
        crm.groups.add("展会名单")
    assert c.id not in crm.groups.ids("展会名单")


def test_autotags_add_and_remove_with_history(seg_crm):
    crm = seg_crm
    a = _add(crm, "a", fields={"employees": 500})
    b = _add(crm, "b", fields={"employees": 5})
    crm.autotags.add("大企业", rule="employees >= 100")
    assert crm.autotags.apply() == {"大企业": {"added": 1, "removed": 0}}
    assert crm.customers.get(a.id).tags == ["大企业"]
    assert crm.autotags.apply() == {"大企业": {"added": 0, "removed": 0}}  # idempotent
    crm.customers.update(a.id, fields={"employees": 50})
    crm.customers.update(b.id, fields={"employees": 5000})
    assert crm.autotags.apply() == {"大企业": {"added": 1, "removed": 1}}
    history = crm.customers.history(a.id).rows()
    tag_rows = [h for h in history if h["field"] == "tags"]
    assert [(h["old"], h["new"], h["reason"]) for h in tag_rows] == [
        (None, "大企业", "autotag:大企业"), ("大企业", None, "autotag:大企业")]


def test_autostages_first_matching_rule_wins(seg_crm):
    crm = seg_crm
    a = _add(crm, "a", fields={"score": 95})
    b = _add(crm, "b", fields={"score": 50})
    c = _add(crm, "c", fields={"score": 10})
    crm.autostages.add("loyal", rule="score >= 90")
    crm.autostages.add("active", rule="score >= 40")
    result = crm.autostages.apply()
    assert result["loyal"]["added"] == 1 and result["active"]["added"] == 2 - 1
    assert [crm.customers.get(x.id).stage for x in (a, b, c)] == ["loyal", "active", "prospect"]
    assert crm.customers.history(a.id).rows()[-1]["reason"] == "autostage:loyal"
    with pytest.raises(crmkit.ValidationError):
        crm.autostages.add("nonexistent_stage", rule="id > 0")


def test_scoped_views_segment_only_what_they_see(seg_crm):
    crm = seg_crm
    alice = crm.users.add("alice", name="Alice")
    bob = crm.users.add("bob", name="Bob")
    _add(crm, "a1", owner=alice, industry="制造")
    _add(crm, "b1", owner=bob, industry="制造")
    crm.segments.define("makers", 'industry = "制造"')
    assert crm.segments.count("makers") == 2
    me = crm.as_user(alice)
    assert me.segments.count("makers") == 1
    assert me.segments.get("makers").members().column("name") == ["a1"]
    assert me.segments.evaluate("id > 0").column("name") == ["a1"]


def test_a_shared_segment_is_changed_only_by_its_definer_or_an_admin(seg_crm):
    crm = seg_crm
    alice = crm.users.add("alice", name="Alice")
    bob = crm.users.add("bob", name="Bob")
    admin = crm.users.add("root", name="Root", role="admin")
    _add(crm, "a1", owner=alice, industry="制造")
    as_alice, as_bob = crm.as_user(alice), crm.as_user(bob)
    as_alice.segments.define("alice的", 'industry = "制造"')
    crm.segments.define("公司的", "id > 0")
    with pytest.raises(crmkit.PermissionDenied, match="defined by 'alice'"):
        as_bob.segments.redefine("alice的", "id > 0")
    with pytest.raises(crmkit.PermissionDenied, match="defined by 'alice'"):
        as_bob.segments.remove("alice的")
    with pytest.raises(crmkit.PermissionDenied, match="defined by the system"):
        as_alice.segments.redefine("公司的", "id < 0")
    assert crm.segments.get("alice的").rule == 'industry = "制造"' and crm.segments.get("公司的").rule == "id > 0"
    assert as_alice.segments.redefine("alice的", "id > 0").rule == "id > 0"
    assert crm.as_user(admin).segments.redefine("alice的", "id > 1").rule == "id > 1"
    assert crm.segments.redefine("公司的", "id > 1").rule == "id > 1"
    as_alice.segments.remove("alice的")
    assert crm.segments.list().column("name") == ["公司的"]


def test_rfm_scores_and_labels(seg_crm):
    crm = seg_crm
    rng = random.Random(3)
    ids = []
    for i in range(30):
        c = _add(crm, f"c{i}")
        ids.append(c.id)
        for k in range(rng.randrange(1, 6)):
            crm.orders.add(c, amount=float(rng.randrange(100, 5000)), at=f"2026-0{rng.randrange(1, 3)}-1{k}")
    t = crm.rfm.score(asof="2026-03-01")
    rows = t.rows()
    assert len(rows) == 30
    assert {r["r"] for r in rows} <= {1, 2, 3, 4, 5} and {r["f"] for r in rows} <= {1, 2, 3, 4, 5}
    # Lower recency scores higher; equal values always share a score.
    by_recency = sorted(rows, key=lambda r: r["recency_days"])
    assert by_recency[0]["r"] >= by_recency[-1]["r"]
    for x in rows:
        for y in rows:
            if x["frequency"] == y["frequency"]:
                assert x["f"] == y["f"]
    assert all(r["label"] for r in rows)
    assert t.to_pandas()["monetary"].sum() == pytest.approx(sum(r["monetary"] for r in rows))


def test_clv_needs_enough_customers(seg_crm):
    crm = seg_crm
    c = _add(crm, "only")
    crm.orders.add(c, amount=10.0, at="2026-01-01")
    with pytest.raises(crmkit.ValidationError):
        crm.clv.fit()
    with pytest.raises(crmkit.ValidationError):
        crm.clv.fit(time_unit="fortnight")


def test_clv_fit_and_predict(seg_crm):
    crm = seg_crm
    rng = random.Random(11)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    for i in range(300):
        c = _add(crm, f"buyer{i}")
        t = start + dt.timedelta(days=rng.randrange(0, 60))
        active_until = t + dt.timedelta(days=rng.randrange(0, 400))
        while t < min(active_until, dt.datetime(2026, 2, 28, tzinfo=dt.timezone.utc)):
            crm.orders.add(c, amount=float(rng.randrange(20, 200)), at=t)
            t += dt.timedelta(days=rng.expovariate(1 / 30) + 1)
    fit = crm.clv.fit(asof="2026-03-01", time_unit="week")
    assert fit.customers == 300 and fit.r > 0 and fit.alpha > 0 and fit.a > 0 and fit.b > 0
    assert fit.p > 0 and fit.q > 0 and fit.v > 0 and fit.log_likelihood < 0
    pred = crm.clv.predict(horizon_days=365, fit=fit).to_pandas()
    assert len(pred) == 300
    assert pred["p_alive"].between(0, 1).all()
    assert (pred["expected_purchases"] >= 0).all() and (pred["expected_value"] >= 0).all()


def _clv_buyers(crm, n=120, seed=5):
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    ids = []
    for i in range(n):
        c = _add(crm, f"客户{i}")
        ids.append(c)
        t = start + dt.timedelta(days=rng.randrange(0, 60))
        active_until = t + dt.timedelta(days=rng.randrange(0, 400))
        while t < min(active_until, dt.datetime(2026, 2, 28, tzinfo=dt.timezone.utc)):
            crm.orders.add(c, amount=float(rng.randrange(20, 200)), at=t)
            t += dt.timedelta(days=rng.expovariate(1 / 30) + 1)
    return ids


def test_clv_predict_reuses_the_last_fit_and_its_asof(seg_crm):
    crm = seg_crm
    ids = _clv_buyers(crm)
    crm.clock.freeze("2026-06-01")
    fit = crm.clv.fit(asof="2026-03-01", time_unit="week")
    given = crm.clv.predict(horizon_days=90, fit=fit).to_pandas()
    # no fit, no asof: the last fit and its asof (not a new fit at the clock's 2026-06-01)
    reused = crm.clv.predict(horizon_days=90).to_pandas()
    assert reused.equals(given)
    # another asof is another fit
    later = crm.clv.predict(horizon_days=90, asof="2026-04-01").to_pandas()
    assert not later["T"].equals(given["T"])
    # a new order makes the remembered fit stale: the next predict fits again
    crm.orders.add(ids[0], amount=5000.0, at="2026-02-27")
    refit = crm.clv.predict(horizon_days=90, asof="2026-03-01").to_pandas()
    first = ids[0].id
    assert refit.loc[refit.customer_id == first, "frequency"].iloc[0] != \
        given.loc[given.customer_id == first, "frequency"].iloc[0]


def test_zero_amount_orders_do_not_change_the_lifetime_value_fit(seg_crm):
    crm = seg_crm
    ids = _clv_buyers(crm)
    before = crm.clv.fit(asof="2026-03-01")
    for k, c in enumerate(ids[:40]):
        crm.orders.add(c, amount=0, at=dt.datetime(2025, 6, 1 + k % 28, tzinfo=dt.timezone.utc))
    after = crm.clv.fit(asof="2026-03-01")
    for name in ("r", "alpha", "a", "b", "p", "q", "v"):
        assert getattr(after, name) == pytest.approx(getattr(before, name), rel=1e-9)
    assert after.customers == before.customers


# ---------------------------------------------------------------------------------------------
# Property test: random well-typed rules, random customers; SQL, the C++ evaluator and a plain
# Python reference must agree on every customer, NULLs included.

INDUSTRIES = ["制造", "软件", "能源", "ABC", "abc", ""]
REGIONS = ["华东", "华南", "华北"]
TAGS = ["VIP", "重点", "黑名单"]


class Ref:
    """A tiny reference evaluator over generated rule trees (two-valued NULL semantics)."""

    @staticmethod
    def pred(op, value, args):
        if op == "is null":
            return value is None
        if op == "is not null":
            return value is not None
        if value is None:
            return False
        if op == "=":
            return value == args[0]
        if op == "!=":
            return value != args[0]
        if op == "<":
            return value < args[0]
        if op == "<=":
            return value <= args[0]
        if op == ">":
            return value > args[0]
        if op == ">=":
            return value >= args[0]
        if op == "in":
            return value in args
        if op == "not in":
            return value not in args
        if op == "between":
            return args[0] <= value <= args[1]
        if op == "contains":
            return args[0] in value
        if op == "starts_with":
            return value.startswith(args[0])
        raise AssertionError(op)


def _lit(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)




def _random_rule(rng, depth=0):
    """Returns (text, fn) where fn(customer_dict) -> bool."""
    if depth < 3 and rng.random() < 0.4:
        kind = rng.choice(["and", "or", "not"])
        if kind == "not":
            text, fn = _random_rule(rng, depth + 1)
            return f"not ({text})", lambda c, fn=fn: not fn(c)
        (t1, f1), (t2, f2) = _random_rule(rng, depth + 1), _random_rule(rng, depth + 1)
        if kind == "and":
            return f"({t1}) and ({t2})", lambda c, f1=f1, f2=f2: f1(c) and f2(c)
        return f"({t1}) or ({t2})", lambda c, f1=f1, f2=f2: f1(c) or f2(c)
    field = rng.choice(["industry", "region", "employees", "score", "lifetime_value", "interaction_count",
                        "has_tag", "name", "vip"])
    if field == "has_tag":
        tag = rng.choice(TAGS)
        return f"has_tag({_lit(tag)})", lambda c, tag=tag: tag in c["tags"]
    if field in ("employees", "interaction_count"):
        ops = ["=", "!=", "<", "<=", ">", ">=", "in", "not in", "between", "is null", "is not null"]
        pool = list(range(-2, 8))
    elif field in ("score", "lifetime_value"):
        ops = ["=", "!=", "<", "<=", ">", ">=", "between", "is null", "is not null"]
        pool = [0, 0.5, 1.5, 2, 100, 250.25, 1000]
    elif field == "region":
        ops = ["=", "!=", "in", "not in", "is null", "is not null"]
        pool = REGIONS
    elif field == "vip":
        ops = ["=", "!=", "is null"]
        pool = [True, False]
    else:
        ops = ["=", "!=", "<", ">=", "in", "not in", "contains", "starts_with", "is null", "between"]
        pool = INDUSTRIES if field == "industry" else ["a", "客", "客户", "b"]
    op = rng.choice(ops)
    if op in ("is null", "is not null"):
        args = []
        text = f"{field} {op}"
    elif op in ("in", "not in"):
        args = rng.sample(pool, rng.randrange(1, min(4, len(pool)) + 1))
        text = f"{field} {op} (" + ", ".join(_lit(a) for a in args) + ")"
    elif op == "between":
        args = sorted(rng.sample(pool, 2), key=lambda v: (str(type(v)), v))
        text = f"{field} between {_lit(args[0])} and {_lit(args[1])}"
    else:
        args = [rng.choice(pool)]
        text = f"{field} {op} {_lit(args[0])}"
    return text, lambda c, field=field, op=op, args=args: Ref.pred(op, c[field], args)


def test_sql_cpp_and_python_reference_agree(seg_crm):
    crm = seg_crm
    rng = random.Random(20261127)
    customers = []
    for i in range(40):
        industry = rng.choice(INDUSTRIES + [None])
        fields = {}
        for name, choices in (("region", REGIONS), ("employees", list(range(-2, 8))),
                              ("score", [0, 0.5, 1.5, 2, 100, 250.25]), ("vip", [True, False])):
            if rng.random() < 0.75:
                fields[name] = rng.choice(choices)
        name = rng.choice(["a", "客户", "b客", "ab"]) + str(i)
        tags = rng.sample(TAGS, rng.randrange(0, 3))
        c = crm.customers.add(name=name, industry=industry, fields=fields, tags=tags)
        ltv = 0.0
        for _ in range(rng.randrange(0, 3)):
            amount = rng.choice([0.5, 100.0, 150.25, 1000.0])
            crm.orders.add(c, amount=amount, at="2026-01-05")
            ltv += amount
        n_inter = rng.randrange(0, 3)
        for _ in range(n_inter):
            crm.interactions.log(c, kind="call", summary="x", at="2026-01-06")
        customers.append({"id": c.id, "industry": (industry or "").strip() or None if industry is not None else None,
                          "region": fields.get("region"), "employees": fields.get("employees"),
                          "score": fields.get("score"), "vip": fields.get("vip"), "lifetime_value": ltv,
                          "interaction_count": n_inter, "name": name, "tags": set(tags)})
    for c in customers:  # blank text is stored as NULL
        if c["industry"] == "":
            c["industry"] = None
    checked = 0
    for k in range(300):
        text, fn = _random_rule(rng)
        expected = [c["id"] for c in customers if fn(c)]
        got_sql = crm.segments.ids_rule(text, engine="sql")
        assert got_sql == expected, text
        got_columns = crm.segments.ids_rule(text, engine="columns")
        assert got_columns == expected, text
        if k % 10 == 0:  # the C++ evaluator, one customer at a time
            crm.segments.define(f"p{k}", text)
            got_cpp = [c["id"] for c in customers if crm.segments.contains(f"p{k}", c["id"])]
            assert got_cpp == expected, text
        checked += 1
    assert checked == 300


# ---------------------------------------------------------------------------------------------
# The cold-path policy: the first Auto count on a store that does not hold the rule's columns is
# answered through SQL; the next one loads the columns and answers from them.


def _cold_crm(seg_crm):
    crm = seg_crm
    rng = random.Random(3)
    for i in range(60):
        _add(crm, f"c{i}", industry=["制造", "软件"][i % 2],
             fields={"region": ["华东", "华南", "华北"][rng.randrange(3)], "employees": rng.randrange(500)},
             tags=["VIP"] if rng.random() < 0.4 else [])
    return crm


COLD_RULE = 'industry = "制造" and region = "华东" and has_tag("VIP")'


def test_first_count_answers_through_sql_then_the_columns(seg_crm):
    crm = _cold_crm(seg_crm)
    expected = crm.segments.count_rule(COLD_RULE, engine="sql")
    assert expected > 0
    assert crm.segments.store_status()["created"] is False
    seg = crm.segments.define("east_vip", COLD_RULE)

    assert seg.count() == expected
    status = crm.segments.store_status()
    assert status["sql_answers"] == 1 and status["full_loads"] == 0 and status["column_answers"] == 0

    assert seg.count() == expected
    status = crm.segments.store_status()
    assert status["sql_answers"] == 1 and status["full_loads"] == 1 and status["column_answers"] == 1

    # From now on the columns answer, refreshed from the change feed after each write.
    new = _add(crm, "新客户", industry="制造", fields={"region": "华东"}, tags=["VIP"])
    assert seg.count() == expected + 1
    assert new.id in crm.segments.ids("east_vip")
    crm.customers.untag(new.id, "VIP")
    assert crm.segments.ids("east_vip") == crm.segments.ids("east_vip", engine="sql")
    status = crm.segments.store_status()
    assert status["sql_answers"] == 1 and status["full_loads"] == 1 and status["column_answers"] == 4
    assert status["incremental_refreshes"] >= 2


def test_a_rule_reading_columns_not_yet_held_goes_to_sql_first(seg_crm):
    crm = _cold_crm(seg_crm)
    assert crm.segments.count_rule(COLD_RULE, engine="columns") == crm.segments.count_rule(COLD_RULE, engine="sql")
    before = crm.segments.store_status()
    assert before["sql_answers"] == 0 and before["full_loads"] == 1
    other = "employees >= 250"
    assert crm.segments.ids_rule(other) == crm.segments.ids_rule(other, engine="sql")
    after = crm.segments.store_status()
    assert after["sql_answers"] == 1 and after["column_answers"] == before["column_answers"]
    assert crm.segments.ids_rule(other) == crm.segments.ids_rule(other, engine="sql")
    last = crm.segments.store_status()
    assert last["sql_answers"] == 1 and last["column_answers"] == before["column_answers"] + 1
    assert last["columns_resident"] > before["columns_resident"]
    # A rule of resident columns never goes to SQL.
    crm.segments.count_rule(COLD_RULE)
    assert crm.segments.store_status()["sql_answers"] == 1


def test_cold_and_warm_answers_keep_the_views_scope(seg_crm):
    crm = seg_crm
    alice = crm.users.add("alice", name="Alice")
    bob = crm.users.add("bob", name="Bob")
    mine = [_add(crm, f"a{i}", owner=alice, industry="制造").id for i in range(3)]
    for i in range(4):
        _add(crm, f"b{i}", owner=bob, industry="制造")
    _add(crm, "pool", industry="制造")
    crm.segments.define("makers", 'industry = "制造"')
    me = crm.as_user(alice)
    assert me.segments.ids("makers") == mine  # through SQL: the store is cold
    assert crm.segments.store_status()["sql_answers"] == 1
    assert me.segments.ids("makers") == mine  # from the columns
    assert me.segments.count("makers") == 3
    assert crm.segments.count("makers") == 8
    status = crm.segments.store_status()
    assert status["sql_answers"] == 1 and status["column_answers"] == 3


def test_another_process_writes_reach_cold_and_warm_counts(seg_crm, db_path):
    import os
    import subprocess
    import sys

    crm = _cold_crm(seg_crm)
    seg = crm.segments.define("east_vip", COLD_RULE)
    first = seg.count()
    assert crm.segments.store_status()["sql_answers"] == 1
    code = ("import sys, crmkit; c = crmkit.open(sys.argv[1]); "
            "c.customers.add(name='外部', industry='制造', fields={'region': '华东'}, tags=['VIP']); c.close()")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in sys.path if p and os.path.isdir(p))

    def write_elsewhere():
        subprocess.run([sys.executable, "-c", code, str(db_path)], check=True, env=env)

    write_elsewhere()
    assert seg.count() == first + 1  # this call loads the columns
    assert crm.segments.store_status()["full_loads"] == 1
    write_elsewhere()
    assert seg.count() == first + 2  # refreshed from the other process's events
    status = crm.segments.store_status()
    assert status["full_loads"] == 1 and status["incremental_refreshes"] == 1 and status["column_answers"] == 2
    assert seg.ids() == seg.ids(engine="sql")
