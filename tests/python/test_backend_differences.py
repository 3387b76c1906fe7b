"""What differs between SQLite and PostgreSQL where crmkit's SQL depends on it, run on both.

The engine's statements are written in the SQL the two share (docs/architecture.md, "The
dialect"), and `make test` checks that they parse as PostgreSQL (scripts/sql_portability.py). A
statement that parses can still mean something else on the other engine. Each test here runs the
same expressions on SQLite (Python's sqlite3) and on a throwaway PostgreSQL server
(tests/python/pg_server.py) and states, in its assertions, either that both agree — the engine
relies on it — or how they differ and what the engine does about it.
"""

import sqlite3

import pytest

import pg_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is installed by make deps")
if pg_server.server_bin() is None:
    pytest.skip("no PostgreSQL 15 server installed (make deps installs postgresql-15)", allow_module_level=True)


@pytest.fixture(scope="module")
def pg():
    server = pg_server.Server(pg_server.server_bin())
    conn = server.connect()
    yield conn
    conn.close()
    server.stop()


@pytest.fixture
def lite():
    conn = sqlite3.connect(":memory:")
    yield conn
    conn.close()


def both(lite, pg, sqlite_sql, pg_sql=None, params=()):
    """The first row of the same query on each engine (PostgreSQL's spelling when it differs)."""
    a = lite.execute(sqlite_sql, params).fetchone()
    b = pg.execute((pg_sql or sqlite_sql).replace("?", "%s"), params).fetchone()
    return tuple(a), tuple(b)


# Texts whose order differs between bytewise, case-insensitive and linguistic comparison.
TEXTS = ["", " ", "A", "B", "a", "b", "Z", "z", "ab", "a b", "É", "é", "Ａ", "上海", "上", "北京", "深圳",
         "😀", "\u00e9", "e\u0301", "abc\u3000"]


def test_text_compares_bytewise_under_each_dialects_collation(lite, pg):
    # Dialect::bytewise_collation: BINARY on SQLite, "C" on PostgreSQL; both order UTF-8 as memcmp
    # does (rules::semantics::compare_text), whatever the cluster's locale.
    for a in TEXTS:
        for b in TEXTS:
            expected = (a.encode() > b.encode()) - (a.encode() < b.encode())
            s, p = both(lite, pg,
                        "SELECT (? COLLATE BINARY < ?), (? COLLATE BINARY = ?)",
                        'SELECT (? COLLATE "C" < ?), (? COLLATE "C" = ?)', (a, b, a, b))
            assert (bool(s[0]), bool(s[1])) == (expected < 0, expected == 0), (a, b)
            assert (p[0], p[1]) == (expected < 0, expected == 0), (a, b)


def test_comparisons_with_null_are_unknown_on_both_and_is_distinct_from_decides(lite, pg):
    for expr in ["NULL = 1", "NULL <> 'x'", "NOT (NULL = 1)", "NULL < NULL", "1 IN (2, NULL)"]:
        s, p = both(lite, pg, f"SELECT {expr}")
        assert s == p == (None,), expr
    s, p = both(lite, pg, "SELECT NULL IS DISTINCT FROM 1, NULL IS DISTINCT FROM NULL, 1 IS DISTINCT FROM 1")
    assert s == (1, 0, 0) and p == (True, False, False)


def test_a_predicate_is_a_number_on_sqlite_and_a_boolean_on_postgresql(lite, pg):
    # rules::compile wraps a predicate in COALESCE(..., 0) so that NOT is exact. SQLite's truth
    # values are the integers 0 and 1; PostgreSQL's are booleans and refuses to mix them, so the
    # PostgreSQL dialect must give the compiler its own false (COALESCE(..., false)).
    assert lite.execute("SELECT COALESCE(1 = NULL, 0), COALESCE(1 = 1, 0)").fetchone() == (0, 1)
    with pytest.raises(psycopg.errors.DatatypeMismatch):
        pg.execute("SELECT COALESCE(1 = NULL, 0)")
    assert pg.execute("SELECT COALESCE(1 = NULL, false), COALESCE(1 = 1, false)").fetchone() == (False, True)


def test_integer_division_truncates_toward_zero_on_both(lite, pg):
    # days_since rounds down itself (rules::semantics::days_since_sql) instead of trusting '/'.
    s, p = both(lite, pg, "SELECT 7 / 2, -7 / 2, 7 / -2, -7 / -2")
    assert s == p == (3, -3, -3, 3)


def test_64_bit_overflow_becomes_a_float_on_sqlite_and_an_error_on_postgresql(lite, pg):
    # Why the facts of orders check that a lifetime value is still an integer
    # (relationship::detail::facts_order_added): SQLite's '+' quietly turns to floating point.
    big = 9223372036854775807
    assert lite.execute("SELECT ? + 1", (big,)).fetchone() == (9.223372036854776e18,)
    with pytest.raises(psycopg.errors.NumericValueOutOfRange):
        pg.execute("SELECT %s::bigint + 1", (big,))
    # sum() over integers: SQLite raises, PostgreSQL widens bigint to numeric.
    lite.execute("CREATE TABLE t(v INTEGER)")
    lite.executemany("INSERT INTO t VALUES (?)", [(big,), (1,)])
    with pytest.raises(sqlite3.OperationalError, match="integer overflow"):
        lite.execute("SELECT sum(v) FROM t").fetchone()
    assert pg.execute("SELECT sum(v) FROM (VALUES (%s::bigint), (1::bigint)) AS t(v)", (big,)).fetchone() == (big + 1,)


def test_text_functions_count_characters_not_bytes_on_both(lite, pg):
    # Dialect::position_function (instr / strpos), substr and length as the rule compiler uses
    # them for contains / starts_with on Chinese text.
    for hay, needle in [("上海科技", "科技"), ("😀a😀b", "b"), ("abc", "d"), ("ÉCOLE", "É")]:
        s, p = both(lite, pg, "SELECT instr(?, ?), length(?), substr(?, 1, length(?))",
                    "SELECT strpos(?, ?), length(?), substr(?, 1, length(?))", (hay, needle, hay, hay, needle))
        assert s == p, (hay, needle)


def test_like_is_case_blind_on_sqlite_and_not_on_postgresql(lite, pg):
    # The engine's statements use no LIKE outside db's own catalog query (the SQL trace shows
    # it); a feature that adds one must say which it means.
    s, p = both(lite, pg, "SELECT 'ABC' LIKE 'abc', 'ABC' LIKE 'ABC'")
    assert s == (1, 1) and p == (False, True)


def test_upserts_returning_and_update_from_mean_the_same(lite, pg):
    # The shared forms the repositories write instead of INSERT OR IGNORE / OR REPLACE.
    for conn, ph in ((lite, "?"), (pg, "%s")):
        conn.execute("CREATE TABLE k(name TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        conn.execute(f"INSERT INTO k(name, n) VALUES ({ph}, 1) ON CONFLICT DO NOTHING", ("a",))
        conn.execute(f"INSERT INTO k(name, n) VALUES ({ph}, 5) ON CONFLICT DO NOTHING", ("a",))
        rows = conn.execute(f"INSERT INTO k(name, n) VALUES ({ph}, 2) ON CONFLICT(name) DO UPDATE SET "
                            "n = k.n + excluded.n RETURNING n", ("a",)).fetchall()
        assert [tuple(r) for r in rows] == [(3,)]
        conn.execute("CREATE TABLE d(name TEXT, delta INTEGER)")
        conn.execute(f"INSERT INTO d VALUES ({ph}, 10)", ("a",))
        conn.execute("UPDATE k SET n = k.n + d.delta FROM d WHERE d.name = k.name")
        assert tuple(conn.execute("SELECT n FROM k").fetchone()) == (13,)
