"""Which of the statements crmkit sends to SQLite are also PostgreSQL.

The engine writes its SQL in the dialect SQLite and PostgreSQL share and takes the rest from
`crmkit/dialect.hpp` (docs/architecture.md, "The dialect"). This script checks that claim on the
statements the engine really sent, read from an SQL trace (a file the engine appends every
distinct statement to when CRMKIT_SQL_TRACE names it, rules compiled at run time included):

- each statement is parsed with PostgreSQL's own parser (pglast, which embeds it), after the
  placeholders are spelled PostgreSQL's way (`?` and `?N` become `$N`, as a PostgreSQL `Stmt`
  would translate them);
- a statement that parses is then searched for SQLite-only functions written outside the dialect.

A statement that fails either check is a finding unless it matches one of KNOWN, each of which
names the part of the engine that is SQLite's by design and says where PostgreSQL's counterpart
belongs. Usage:

    CRMKIT_SQL_TRACE=/tmp/sql.trace python -m crmkit --db demo.db demo
    python scripts/sql_portability.py /tmp/sql.trace [--json]

Exit status 1 when there is a finding, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import pglast
from pglast import ast
from pglast.visitors import Visitor

# SQL that is SQLite's by design: the connection's settings and catalog (db), the schema's
# migrations (db/migrations.cpp, whose PostgreSQL version is its own file), the search index
# (customers/search.cpp: FTS5, where PostgreSQL has pg_trgm) and the SQLite dialect's own forms.
KNOWN: list[tuple[str, str]] = [
    (r"^\s*PRAGMA\b", "connection settings and checks (db): each backend sets up its own connection"),
    (r"\bsqlite_(master|schema|sequence|temp_master)\b", "SQLite's catalog (db, the SQLite dialect's catalog queries)"),
    (r"^\s*(BEGIN IMMEDIATE|BEGIN DEFERRED)\b", "SQLite's write lock up front (db::Transaction); PostgreSQL begins plainly"),
    (r"\b(customer_search|customer_grams)\b|\bfts5\b|\bVIRTUAL TABLE\b",
     "the search index is SQLite FTS5 (customers/search.cpp); PostgreSQL's is pg_trgm"),
    (r"\bWITHOUT ROWID\b|\bAUTOINCREMENT\b|\bCREATE TRIGGER\b|\bDROP TRIGGER\b",
     "DDL of the SQLite schema (db/migrations.cpp)"),
    (r"^\s*VACUUM\b|^\s*ANALYZE\b|^\s*REINDEX\b", "whole-file maintenance (db/maintenance.cpp)"),
    (r"^\s*(CREATE|DROP|ALTER)\s+(TABLE|INDEX|UNIQUE INDEX|VIEW)\b", "DDL of the SQLite schema (db/migrations.cpp)"),
    (r"\bjson_each\s*\(", "the SQLite dialect's JSON list expansion (Dialect::json_elements / ids_in_json)"),
]

# Forms the SQLite dialect emits whose PostgreSQL spelling differs in syntax, not only in a
# function's name: each is rewritten as the PostgreSQL dialect spells it before the statement is
# parsed, so that the rest of the statement is still checked.
DIALECT_SYNTAX: list[tuple[str, str, str]] = [
    (r"\bCOLLATE BINARY\b", 'COLLATE "C"', "Dialect::bytewise_collation"),
    (r"\s+INDEXED BY \w+", "", "Dialect::index_hint"),
]

# Functions of SQLite with no PostgreSQL function of that name and meaning. Not listed: those
# the SQLite dialect emits on purpose, which the PostgreSQL dialect spells its own way —
# json_extract (Dialect::json_value), json_remove (json_without), json_type (json_has,
# json_element_is_text), json_valid (json_is_array), json_group_array (json_array_agg), typeof
# (is_text, is_integer), instr (position_function), and the scalar max() / min() of two values
# (greatest / least), which PostgreSQL parses as aggregates.
SQLITE_ONLY = {
    "ifnull", "iif", "printf", "format", "strftime", "julianday", "unixepoch", "datetime",
    "date", "time", "group_concat", "total", "likelihood", "unlikely", "likely", "glob",
    "last_insert_rowid", "changes", "total_changes", "randomblob", "zeroblob", "hex", "unicode",
    "char", "json_group_object", "json_array_length", "json_set", "json_insert", "json_patch",
    "json_quote", "json_object", "json_array", "sqlite_version", "bm25", "highlight", "snippet",
}


def postgres_placeholders(sql: str) -> str:
    """`?` and `?N` outside strings, quoted names and comments as PostgreSQL's `$N` (a bare `?`
    takes the number after the largest so far, as SQLite numbers it)."""
    out, i, n, largest = [], 0, len(sql), 0
    while i < n:
        c = sql[i]
        if c in "'\"`":
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j])
            i = j
        elif c == "?":
            m = re.match(r"\?(\d+)", sql[i:])
            if m:
                k = int(m.group(1))
                i += len(m.group(0))
            else:
                k = largest + 1
                i += 1
            largest = max(largest, k)
            out.append(f"${k}")
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _Functions(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def visit_FuncCall(self, ancestors, node: ast.FuncCall) -> None:  # noqa: N802 (pglast's naming)
        name = node.funcname[-1].sval.lower()
        if name in SQLITE_ONLY:
            self.found.append(f"SQLite-only function {name}()")


def known_reason(sql: str) -> str | None:
    for pattern, reason in KNOWN:
        if re.search(pattern, sql, re.IGNORECASE | re.DOTALL):
            return reason
    return None


def as_postgres(sql: str) -> str:
    """The statement as a PostgreSQL backend would send it: its placeholders, and the SQLite
    dialect's syntax in the PostgreSQL dialect's."""
    for pattern, replacement, _ in DIALECT_SYNTAX:
        sql = re.sub(pattern, replacement, sql)
    return postgres_placeholders(sql)


def check(sql: str) -> list[str]:
    """The problems of one statement on PostgreSQL (empty when it is portable)."""
    try:
        tree = pglast.parse_sql(as_postgres(sql))
    except pglast.parser.ParseError as e:
        return [f"not PostgreSQL syntax: {e}"]
    v = _Functions()
    v(tree)
    return v.found


def read_trace(path: str) -> list[str]:
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="replace")
    seen: dict[str, None] = {}
    for s in data.split("\0"):
        if s.strip():
            seen.setdefault(s, None)
    return list(seen)


def report(statements: list[str]) -> dict:
    portable, known, findings = 0, {}, []
    for sql in statements:
        problems = check(sql)
        if not problems:
            portable += 1
            continue
        reason = known_reason(sql)
        if reason:
            known[reason] = known.get(reason, 0) + 1
        else:
            findings.extend({"sql": sql, "problem": p} for p in problems)
    return {"statements": len(statements), "portable": portable, "known": known, "findings": findings}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("trace", nargs="+", help="SQL trace files (CRMKIT_SQL_TRACE)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    a = p.parse_args(argv)
    statements: dict[str, None] = {}
    for path in a.trace:
        for s in read_trace(path):
            statements.setdefault(s, None)
    r = report(list(statements))
    if a.json:
        print(json.dumps(r, ensure_ascii=False, indent=1))
    else:
        print(f"{r['statements']} distinct statements: {r['portable']} parse as PostgreSQL and call no "
              f"SQLite-only function outside the dialect")
        for reason, count in sorted(r["known"].items(), key=lambda kv: -kv[1]):
            print(f"  {count:5d} SQLite's by design: {reason}")
        for f in r["findings"]:
            one_line = " ".join(f["sql"].split())
            print(f"FINDING {f['problem']}\n    {one_line[:400]}")
    return 1 if r["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
