"""Hostile input at the text- and number-taking entry points of the public API.

Every value below is something a form, a spreadsheet, a broken JSON encoder or an attacker
produces: SQL-injection attempts, control characters and NUL, lone surrogates, over-long
strings, huge and negative numbers, NaN and infinities, deeply nested rules and JSON. For each
call the outcome must be one of two:

- a `crmkit.Error` subclass (never a raw pybind11/Python exception, never a crash), with the
  database byte-for-byte unchanged in content, or
- the value treated literally: what was stored reads back exactly as given, and no other row
  changed (an injection attempt is a name, not SQL).

Lone surrogates are always refused, as a `ValidationError` whose `.field` names the argument.
"""

import hashlib
import json
import math
import sqlite3

import pytest

import crmkit

# ---- the hostile values ----

INJECTION = [
    "x'); DROP TABLE customers; --",
    "' OR '1'='1",
    '" or ""="',
    "1; DELETE FROM customers",
    "%",
    "_",
    "\\",
    "name = 'a' --",
    "') UNION SELECT login, login FROM users --",
]
CONTROL = ["\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\r\n", "\x7f", "\u202e反转", "\ufeffbom", "\t \n", "\x01\x02\x03"]
SURROGATES = ["\ud800", "a\udfffb", "\udc00华", "😀\ud83d"]
LONG = ["x" * 200_000, "华" * 50_000, "😀" * 20_000]
UNICODE = ["上海某某科技有限公司", "ＡＢＣ　全角", "😀🚀", "é\u0301", ""]
TEXTS = INJECTION + CONTROL + LONG + UNICODE
BAD_NUMBERS = [float("nan"), float("inf"), float("-inf"), 2**63, -(2**63) - 1, 2**200, -1e308 * 10]


def ident(value):
    """A short, printable test id for a hostile value."""
    shown = value if isinstance(value, str) else repr(value)
    shown = shown.encode("unicode_escape").decode("ascii")
    return shown[:24] + ("..." if len(shown) > 24 else "")


# ---- the database's content, to prove that a refused call changed nothing ----


def content_digest(path):
    """SHA-256 over every row of every table (a separate connection: only committed data)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for t in tables:
            h.update(t.encode())
            for row in sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"')):
                h.update(row.encode("utf-8", "surrogatepass"))
        return h.hexdigest()
    finally:
        con.close()


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "hostile.db"
    crm = crmkit.open(str(path))
    alice = crm.users.add("alice", name="Alice", role="sales")
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南"])
    crm.fields.add("customer", "note", type="text")
    crm.fields.add("customer", "score", type="number")
    crm.fields.add("customer", "level", type="integer")
    c = crm.customers.add(name="基准客户", owner=alice, tags=["VIP"], fields={"region": "华东"})
    crm.groups.add("展会名单")
    yield crm, path, alice, c
    crm.close()


def outcome(path, call):
    """Runs `call`; returns ("error", exc) with the database unchanged, or ("ok", result)."""
    before = content_digest(path)
    try:
        result = call()
    except crmkit.Error as e:
        assert content_digest(path) == before, f"a refused call changed the database: {e}"
        return "error", e
    except BaseException as e:  # noqa: BLE001 - any other escape is the bug under test
        pytest.fail(f"{type(e).__module__}.{type(e).__name__} escaped instead of a crmkit.Error: {e!r}"[:500])
    return "ok", result


# ---- lone surrogates: refused at the binding boundary, naming the argument ----

SURROGATE_CALLS = {
    "customers.find(name_contains)": (lambda crm, c, s: crm.customers.find(name_contains=s), "name_contains"),
    "customers.find(tag)": (lambda crm, c, s: crm.customers.find(tag=s), "tag"),
    "customers.add(name)": (lambda crm, c, s: crm.customers.add(name=s), "name"),
    "customers.add(fields)": (lambda crm, c, s: crm.customers.add(name="n", fields={"note": s}), "note"),
    "customers.update(industry)": (
        lambda crm, c, s: crm.customers.update(c.id, expected_version=c.version, industry=s), "industry"),
    "customers.tag": (lambda crm, c, s: crm.customers.tag(c.id, s), "tag"),
    "segments.evaluate": (lambda crm, c, s: crm.segments.evaluate(f'name = "{s}"'), "rule"),
    "segments.define(name)": (lambda crm, c, s: crm.segments.define(s, "id > 0"), "name"),
    "fields.add(name)": (lambda crm, c, s: crm.fields.add("customer", s, type="text"), "name"),
    "fields.add(entity)": (lambda crm, c, s: crm.fields.add(s, "x", type="text"), "entity"),
    "groups.add": (lambda crm, c, s: crm.groups.add(s), "name"),
    "contacts.add(name)": (lambda crm, c, s: crm.contacts.add(c.id, name=s), "name"),
    "users.add(login)": (lambda crm, c, s: crm.users.add(s, name="x", role="sales"), "login"),
    "workflows.validate(text)": (lambda crm, c, s: crm.workflows.validate('{"name": "' + s + '"}'), "definition"),
}


@pytest.mark.parametrize("surrogate", SURROGATES, ids=ident)
@pytest.mark.parametrize("entry", sorted(SURROGATE_CALLS))
def test_lone_surrogate_is_a_validation_error_naming_the_argument(world, entry, surrogate):
    crm, path, alice, c = world
    call, argument = SURROGATE_CALLS[entry]
    kind, err = outcome(path, lambda: call(crm, c, surrogate))
    assert kind == "error", f"{entry} accepted a lone surrogate"
    assert isinstance(err, crmkit.ValidationError), f"{entry}: {type(err).__name__}: {err}"
    assert err.field == argument, f"{entry}: field {err.field!r}, message {err}"
    assert argument in str(err) and "surrogate" in str(err)


def test_invalid_utf8_bytes_are_refused_by_name(world):
    crm, path, alice, c = world
    kind, err = outcome(path, lambda: crm.customers.find(name_contains=b"\xff\xfe"))
    assert kind == "error" and isinstance(err, crmkit.ValidationError) and err.field == "name_contains"


# ---- text: refused cleanly or stored literally ----


@pytest.mark.parametrize("value", TEXTS, ids=ident)
def test_customer_name_is_literal_or_refused(world, value):
    crm, path, alice, c = world
    count_before = crm.customers.count() if hasattr(crm.customers, "count") else len(crm.customers.find())
    kind, got = outcome(path, lambda: crm.customers.add(name=value, owner=alice, industry=value, source=value))
    if kind == "ok":
        back = crm.customers.get(got.id)
        # Text may be cleaned (white space, format characters): a literal treatment means no SQL
        # run and no other row touched, and an injection attempt stored exactly as typed.
        assert len(crm.customers.find()) == count_before + 1
        assert crm.customers.get(c.id).name == "基准客户"
        if value in INJECTION:
            assert back.name == value


@pytest.mark.parametrize("value", TEXTS, ids=ident)
def test_find_filters_treat_text_literally(world, value):
    crm, path, alice, c = world
    for call in (lambda: crm.customers.find(name_contains=value),
                 lambda: crm.customers.find(tag=value),
                 lambda: crm.customers.find(stage=value)):
        kind, got = outcome(path, call)
        if kind == "ok" and value in INJECTION:
            # An injection attempt or a LIKE wildcard is text that occurs nowhere: nothing matches.
            assert [r.id for r in got] == [], (value, list(got))


@pytest.mark.parametrize("value", INJECTION + CONTROL + UNICODE, ids=ident)
def test_custom_field_value_round_trips(world, value):
    crm, path, alice, c = world
    kind, got = outcome(path, lambda: crm.customers.add(name="字段", fields={"note": value}))
    if kind == "ok" and value not in CONTROL:  # control and format characters may be cleaned away
        # (an empty text is no value)
        assert crm.customers.get(got.id).fields.get("note") == (value or None)


@pytest.mark.parametrize("value", TEXTS, ids=ident)
def test_field_names_and_options(world, value):
    crm, path, alice, c = world
    kind, _ = outcome(path, lambda: crm.fields.add("customer", value, type="text"))
    if kind == "ok":
        # A field name is an identifier; whatever was accepted must be usable in a rule.
        outcome(path, lambda: crm.segments.evaluate(f"{value} is null"))
    outcome(path, lambda: crm.fields.add("customer", "opt_field", type="enum", options=[value, "b"]))


@pytest.mark.parametrize("value", TEXTS, ids=ident)
def test_tags_groups_and_contacts(world, value):
    crm, path, alice, c = world
    kind, _ = outcome(path, lambda: crm.customers.tag(c.id, value))
    if kind == "ok" and value in INJECTION:
        assert value in crm.customers.get(c.id).tags
    outcome(path, lambda: crm.groups.add(value))
    outcome(path, lambda: crm.contacts.add(c.id, name=value, title=value, phone=value, email=value))


# ---- rules: injection in literals, hostile text, deep nesting ----


@pytest.mark.parametrize("value", INJECTION + CONTROL + UNICODE, ids=ident)
def test_rule_literals_are_bound_not_pasted(world, value):
    crm, path, alice, c = world
    literal = json.dumps(value, ensure_ascii=False)
    kind, got = outcome(path, lambda: crm.segments.evaluate(f"name = {literal} or industry contains {literal}"))
    if kind == "ok":
        # No customer has that name, and the only one has no industry: a bound literal matches nothing.
        assert len(got) == 0, (value, list(got))
    # The rule text itself as hostile text (not a literal): a RuleSyntaxError or a valid rule.
    outcome(path, lambda: crm.segments.evaluate(value))


@pytest.mark.parametrize("depth", [50, 500, 5_000, 100_000])
def test_deeply_nested_rules_are_refused_cleanly(world, depth):
    crm, path, alice, c = world
    for text in ("(" * depth + "id > 0" + ")" * depth,
                 "not " * depth + "id > 0",
                 " and ".join(["id > 0"] * depth),
                 " or ".join(["id < 0"] * depth),
                 "(" * depth,
                 "(not " * depth + "id > 0" + ")" * depth):
        kind, got = outcome(path, lambda: crm.segments.evaluate(text))
        if kind == "error":
            assert isinstance(got, crmkit.RuleSyntaxError), got
            assert len(text) > 65536 or "deep" in str(got) or text == "(" * depth, got


@pytest.mark.parametrize("depth", [2, 50, 63])
def test_nesting_the_parser_accepts_compiles(world, depth):
    """What the rule parser accepts, SQLite must be able to run: chains of negations and long
    and/or lists compiled naively overflowed SQLite's parser stack or expression depth limit."""
    crm, path, alice, c = world
    expected = {"not " * depth + "id > 0": [c.id] if depth % 2 == 0 else [],
                " and ".join(["id > 0"] * (depth * 90)): [c.id],
                " or ".join(["id < 0"] * (depth * 90)) + " or id > 0": [c.id]}
    for text, ids in expected.items():
        assert [r.id for r in crm.segments.evaluate(text)] == ids, text[:40]
        for engine in ("sql", "columns"):
            assert crm.segments.ids_rule(text, engine=engine) == ids, (text[:40], engine)


# ---- numbers: huge, negative, NaN, infinities ----


@pytest.mark.parametrize("value", BAD_NUMBERS + [-1, -0.0, 1e-300, 2**53 + 1], ids=ident)
def test_numbers_in_fields_orders_and_paging(world, value):
    crm, path, alice, c = world
    kind, got = outcome(path, lambda: crm.customers.add(name="数", fields={"score": value}))
    if kind == "ok" and isinstance(value, float) and not math.isfinite(value):
        pytest.fail(f"a non-finite number {value} was stored in a number field")
    kind, got = outcome(path, lambda: crm.customers.add(name="整", fields={"level": value}))
    if kind == "ok":
        assert crm.customers.get(got.id).fields["level"] == value
    kind, order = outcome(path, lambda: crm.orders.add(c, amount=value, at="2026-01-15"))
    if kind == "ok":
        assert isinstance(value, (int, float)) and math.isfinite(value) and abs(value) < 1e15
    for call in (lambda: crm.customers.find(limit=value),
                 lambda: crm.customers.find(offset=value),
                 lambda: crm.customers.get(value),
                 lambda: crm.customers.delete(value)):
        outcome(path, call)


def test_rule_number_literals_at_the_limits(world):
    crm, path, alice, c = world
    for lit in ("1e400", "-1e400", "99999999999999999999999999", "nan", "inf", "0x10", "1e-400", "--1"):
        outcome(path, lambda: crm.segments.evaluate(f"lifetime_value > {lit}"))


# ---- workflow JSON ----


def nested(depth, leaf):
    obj = leaf
    for _ in range(depth):
        obj = [obj]
    return obj


@pytest.mark.parametrize("depth", [70, 1_000, 5_000, 200_000])
def test_deeply_nested_workflow_definition_is_a_workflow_error(world, depth):
    crm, path, alice, c = world
    definition = {"name": "deep", "entity": "customer", "trigger": {"on": "submit"},
                  "steps": [{"name": "s", "approvers": nested(depth, "owner.manager")}]}
    if depth <= 5_000:
        kind, err = outcome(path, lambda: crm.workflows.validate(definition))
        assert kind == "error" and isinstance(err, crmkit.WorkflowError) or \
            kind == "ok" and err and any("deep" in str(p) or "levels" in str(p) for p in err), (kind, err)
        kind, err = outcome(path, lambda: crm.workflows.define(definition))
        assert kind == "error" and isinstance(err, crmkit.WorkflowError)
    # As JSON text the nesting reaches the C++ parser directly.
    text = '{"name": "deep", "steps": ' + "[" * depth + "]" * depth + "}"
    kind, problems = outcome(path, lambda: crm.workflows.validate(text))
    assert kind == "ok" and any("levels" in p.message for p in problems), problems
    kind, err = outcome(path, lambda: crm.workflows.define(text))
    assert kind == "error" and isinstance(err, crmkit.WorkflowError)


@pytest.mark.parametrize("value", INJECTION + CONTROL + LONG[:1] + UNICODE, ids=ident)
def test_workflow_definition_with_hostile_strings(world, value):
    crm, path, alice, c = world
    definition = {"name": value, "entity": "customer", "trigger": {"on": "submit"}, "when": value,
                  "steps": [{"name": value, "approvers": {"users": [value]}, "mode": value}]}
    kind, problems = outcome(path, lambda: crm.workflows.validate(definition))
    assert kind == "ok" and problems, "a definition of hostile strings cannot be sound"
    outcome(path, lambda: crm.workflows.define(definition))
    outcome(path, lambda: crm.workflows.validate(value))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**64, -1, 10**30, 10**400, True], ids=ident)
def test_workflow_numbers(world, value):
    crm, path, alice, c = world
    definition = {"name": "nums", "entity": "customer", "trigger": {"on": "submit"},
                  "steps": [{"name": "s", "approvers": "owner.manager", "mode": "quorum", "quorum": value,
                             "sla_hours": value}]}
    kind, problems = outcome(path, lambda: crm.workflows.validate(definition))
    assert kind == "error" or problems
    kind, _ = outcome(path, lambda: crm.workflows.define(definition))
    assert kind == "error"


@pytest.mark.parametrize("text", ["22222222E22222", '{"name": "big", "steps": [1e999]}', "-1e400"])
def test_a_number_beyond_a_double_in_definition_text_is_a_problem(world, text):
    """Found by fuzzing: the JSON parser's number-overflow error used to escape as a RuntimeError."""
    crm, path, alice, c = world
    kind, problems = outcome(path, lambda: crm.workflows.validate(text))
    assert kind == "ok" and [p.path for p in problems] == ["$"] and "number" in problems[0].message, problems
    kind, err = outcome(path, lambda: crm.workflows.define(text))
    assert kind == "error" and isinstance(err, crmkit.WorkflowError)


@pytest.mark.parametrize("value", [2**63, 2**64 - 1])
def test_an_action_value_beyond_int64_is_a_problem_not_wrapped(world, value):
    """JSON's unsigned integers above int64 used to wrap silently to a negative value."""
    crm, path, alice, c = world
    definition = {"name": "big", "entity": "customer", "steps": [{"name": "s", "approvers": {"users": ["alice"]}}],
                  "on_approve": {"set": {"level": value}}}
    kind, problems = outcome(path, lambda: crm.workflows.validate(definition))
    assert kind == "ok" and [p.path for p in problems] == ["$.on_approve.set.level"], problems
    assert str(value) in problems[0].message and "9223372036854775807" in problems[0].message
    kind, err = outcome(path, lambda: crm.workflows.define(definition))
    assert kind == "error" and isinstance(err, crmkit.WorkflowError)
    ok = dict(definition, on_approve={"set": {"level": 2**63 - 1}})
    assert crm.workflows.validate(ok) == []


def test_error_message_of_a_long_cjk_argument_stays_valid_text(world):
    """The rejected value is quoted in the message, shortened: never cut inside a character."""
    crm, path, alice, c = world
    for n in range(50, 70):
        kind, err = outcome(path, lambda: crm.customers.find(limit="华" * n))
        assert kind == "error" and isinstance(err, crmkit.ValidationError) and err.field == "limit"
        str(err).encode("utf-8")
