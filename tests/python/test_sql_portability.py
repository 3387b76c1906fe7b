"""The SQL trace and the portability check (scripts/sql_portability.py): the engine records what
it sends, and the check finds what PostgreSQL would refuse. `make test` runs the check over the
trace of the whole Python suite; these tests make sure both halves can fail."""

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("sql_portability", ROOT / "scripts" / "sql_portability.py")
sp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sp)


@pytest.mark.parametrize("sqlite, postgres", [
    ("SELECT ? + ?", "SELECT $1 + $2"),
    ("UPDATE t SET a = ?2 WHERE b = ?1 AND c = ?1", "UPDATE t SET a = $2 WHERE b = $1 AND c = $1"),
    ("SELECT ?3, ?", "SELECT $3, $4"),  # a bare ? follows the largest number so far, as in SQLite
    ("SELECT '?', \"a?\", ? -- ?\n/* ? */", "SELECT '?', \"a?\", $1 -- ?\n/* ? */"),
    ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"),
])
def test_placeholders_are_spelled_as_postgresql_numbers_them(sqlite, postgres):
    assert sp.postgres_placeholders(sqlite) == postgres


@pytest.mark.parametrize("sql, problem", [
    ("INSERT OR IGNORE INTO t(a) VALUES (?)", "not PostgreSQL syntax"),
    ("SELECT 1 FROM a, b WHERE a.x IS NOT b.y", "not PostgreSQL syntax"),
    ("SELECT ifnull(a, 0) FROM t", "SQLite-only function ifnull()"),
    ("SELECT group_concat(name) FROM t", "SQLite-only function group_concat()"),
])
def test_what_postgresql_would_refuse_is_a_finding(sql, problem):
    problems = sp.check(sql)
    assert problems and problems[0].startswith(problem)
    assert sp.report([sql])["findings"][0]["sql"] == sql


@pytest.mark.parametrize("sql", [
    "INSERT INTO t(a) VALUES (?1) ON CONFLICT DO NOTHING RETURNING id",
    "SELECT a FROM t WHERE a IS DISTINCT FROM ?",
    "SELECT ((c.name) COLLATE BINARY) = ? FROM customers c INDEXED BY customers_name",
    "SELECT json_extract(c.fields, '$.\"region\"'), max(a, b) FROM t",  # the SQLite dialect's own forms
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < ?) SELECT count(*) FROM r",
])
def test_shared_sql_and_the_dialects_forms_pass(sql):
    assert sp.check(sql) == []


def test_the_engine_traces_each_statement_it_ran_once(tmp_path):
    trace = tmp_path / "sql.trace"
    script = textwrap.dedent("""
        import crmkit
        crm = crmkit.open(":memory:")
        for _ in range(3):
            crm.customers.add(name="甲")
        crm.customers.count(where="industry = \\"制造\\"")
        try:
            crm.customers.count(where="nonsense ===")
        except crmkit.RuleSyntaxError:
            pass
    """)
    env = dict(os.environ, CRMKIT_SQL_TRACE=str(trace))
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=60)
    statements = sp.read_trace(str(trace))
    assert len(statements) == len(set(statements)) > 5
    assert any("INSERT INTO customers" in s for s in statements)
    assert any("COLLATE BINARY" in s and "c.industry" in s for s in statements)
    r = sp.report(statements)
    assert r["findings"] == [], r["findings"]
    assert r["portable"] + sum(r["known"].values()) == r["statements"]
