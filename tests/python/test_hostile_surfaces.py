"""Hostile input at the outer surfaces: CLI arguments, the Flask example's HTTP parameters, and
the CSV files an import reads. (The Python API's own arguments: test_hostile_input.py.)

The outcome must be a clear refusal or a literal treatment, never a traceback or a crash:
- the CLI returns one of its exit codes (2 usage, 3 not found, ...) with a one-line message,
  or succeeds; an uncaught exception is the bug;
- an HTTP request gets a 2xx or a 4xx with a JSON error body naming the problem, never a 500;
- an import raises a crmkit.Error or reports its problems per row; the cells it stores are the
  text of the file (cleaned of what text cleaning removes), and a refused import writes nothing.
In each case the database's content is hashed before and after a refusal.
"""

import json
import os
import subprocess
import sys

import pytest

import crmkit
from crmkit.cli import main

from test_hostile_input import content_digest, ident

CLI_TEXTS = ["a\x00b", "\x1b[2J", "\r\n", "\ud800", "\udcff\udcfe", "x" * 100_000, "' OR 1=1 --", "%", "",
             "-", "--", "--json", "../../etc/passwd", "😀" * 1000]
CLI_NUMBERS = ["-1", "0", "99999999999999999999999", "-99999999999999999999", "1e9", "nan", "inf", "0x10",
               "²", "١٢", " 7", "9" * 5000]


@pytest.fixture
def cli_db(tmp_path):
    path = tmp_path / "cli.db"
    with crmkit.open(str(path)) as crm:
        boss = crm.users.add("boss", name="经理", role="manager")
        alice = crm.users.add("alice", name="Alice", role="sales", manager=boss)
        c = crm.customers.add(name="基准客户", owner=alice)
        crm.segments.define("all", "id > 0")
        crm.workflows.define({"name": "review", "entity": "customer",
                              "steps": [{"name": "manager", "approvers": "owner.manager"}]})
        crm.approvals.submit("customer", c, workflow="review", by=alice)
    return path


def cli(path, capsys, *argv):
    """Runs the CLI in process: (exit code, stdout, stderr); an exception escaping main() fails."""
    before = content_digest(path)
    try:
        code = main(["--db", str(path), *argv])
    except SystemExit as e:  # argparse's own exits are fine only through main's handling
        pytest.fail(f"SystemExit({e.code}) escaped main() for {argv!r}"[:300])
    except BaseException as e:  # noqa: BLE001 - the bug under test
        pytest.fail(f"{type(e).__name__} escaped the CLI for {[ident(a) for a in argv]}: {e!r}"[:500])
    out, err = capsys.readouterr()
    assert code in range(6), (code, argv)
    if code not in (0, 1):
        assert content_digest(path) == before, f"a refused command changed the database: {argv!r}"
        assert err.strip(), f"exit {code} without a message for {argv!r}"
        assert "Traceback" not in err
    return code, out, err


def cli_commands(value):
    """Each text-taking CLI position with `value` in it."""
    return [
        ("segments", "count", value),
        ("segments", "members", value),
        ("segments", "explain", value, "1"),
        ("report", "funnel", "--owner", value),
        ("report", "funnel", "--where", value),
        ("report", "funnel", "--start", value),
        ("report", "conversion", "--by", value),
        ("approvals", "inbox", "--user", value),
        ("approvals", "approve", "1", "--user", "boss", "--comment", value),
        ("audit", "verify", "--expected-head", value),
        ("export", value, "out.csv"),
        ("import", value),
    ]


@pytest.mark.parametrize("value", CLI_TEXTS, ids=ident)
def test_cli_text_arguments(cli_db, capsys, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in cli_commands(value):
        cli(cli_db, capsys, *argv)
        cli(cli_db, capsys, "--json", *argv)


@pytest.mark.parametrize("value", CLI_NUMBERS, ids=ident)
def test_cli_number_arguments(cli_db, capsys, value):
    for argv in (("segments", "members", "all", "--limit", value), ("segments", "members", "all", "--offset", value),
                 ("segments", "explain", "all", value), ("approvals", "approve", value, "--user", "boss"),
                 ("approvals", "reject", value, "--user", "boss"), ("report", "funnel", "--team", value),
                 ("demo", "--customers", value)):
        code, _, err = cli(cli_db, capsys, *argv)
        if value.startswith("-") or len(value) > 20:  # no count, id or page is negative or that large
            assert code != 0, (argv, err)


def test_cli_database_path_edge_cases(tmp_path, capsys):
    """The --db path itself: NUL, a lone surrogate (what Python makes of undecodable bytes), a
    directory, an over-long name, a file that is not a database."""
    not_db = tmp_path / "not.db"
    not_db.write_bytes(b"\x00garbage" * 100)
    for db in ("a\x00b.db", "\udcff.db", str(tmp_path), "x" * 5000 + ".db", str(not_db)):
        try:
            code = main(["--db", db, "check"])
        except BaseException as e:  # noqa: BLE001
            pytest.fail(f"{type(e).__name__} escaped for --db {ident(db)}: {e!r}"[:400])
        _, err = capsys.readouterr()
        assert code in (1, 2, 3), (ident(db), code, err)
        assert err.strip() and "Traceback" not in err


def test_cli_undecodable_argv_bytes_in_a_real_process(cli_db, tmp_path):
    """Bytes that are not UTF-8 in argv reach Python as lone surrogates (os.fsdecode): the real
    entry point must refuse them with a message, not a traceback."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    for argv in ([b"segments", b"count", b"\xff\xfe"], [b"report", b"funnel", b"--owner", b"\xc3("],
                 [b"--db", os.fsencode(str(tmp_path)) + b"/\xff.db", b"check"]):
        full = [os.fsencode(sys.executable), b"-m", b"crmkit"] + ([] if argv[0] == b"--db" else [b"--db", os.fsencode(str(cli_db))]) + argv
        proc = subprocess.run(full, env=env, capture_output=True, timeout=120)
        assert proc.returncode in (1, 2, 3), (argv, proc.returncode, proc.stderr[-500:])
        assert b"Traceback" not in proc.stderr, proc.stderr[-2000:]


# ---- the Flask example ----

flask = pytest.importorskip("flask")


@pytest.fixture
def web(tmp_path):
    from test_flask import _example
    path = str(tmp_path / "web.db")
    with crmkit.open(path) as crm:
        alice = crm.users.add("alice", name="Alice", role="sales")
        c = crm.customers.add(name="基准客户", owner=alice)
        crm.segments.define("all", "id > 0")
    app = _example().create_app(path)
    app.testing = True
    yield app.test_client(), path, c
    app.extensions["crmkit"]._engine.close()


HTTP_TEXTS = ["a\x00b", "\x1b[2J", "' OR 1=1 --", "%", "x" * 20_000, "😀", "\ud800", "%ff%fe", "", "null"]
HTTP_NUMBERS = ["-1", "abc", "1e3", "99999999999999999999999", "²", "nan", "", " 5", "0x10"]


def http(client, path, method, url, **kwargs):
    before = content_digest(path)
    kwargs.setdefault("headers", {"X-User": "alice"})
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code < 500, f"{method.upper()} {url[:120]} -> {r.status_code}: {r.get_data(as_text=True)[:400]}"
    if r.status_code == 404 and "<title>404 Not Found" in r.get_data(as_text=True):
        return r  # Flask's router: no route matches (e.g. an int converter refused "-1")
    if r.status_code >= 400:
        assert content_digest(path) == before, f"{url[:100]}: refused but changed"
        body = r.get_json(silent=True)
        assert body and body.get("error", {}).get("message"), r.get_data(as_text=True)[:300]
    return r


def q(value):
    """URL-encodes a value the way a browser would (lone surrogates as their raw code units)."""
    from urllib.parse import quote
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.parametrize("value", HTTP_TEXTS, ids=ident)
def test_http_text_parameters(web, value):
    client, path, c = web
    for url in (f"/customers?name_contains={q(value)}", f"/customers?tag={q(value)}", f"/customers?stage={q(value)}",
                f"/customers?rule={q(value)}", f"/segments/{q(value) or 'x'}/count",
                f"/segments/{q(value) or 'x'}/members", f"/segments/all/explain/{c.id}?x={q(value)}"):
        http(client, path, "get", url)
    # ensure_ascii: a lone surrogate travels as the escape "\\ud800", as a broken encoder sends it.
    http(client, path, "post", "/customers", data=json.dumps({"name": value}), content_type="application/json")
    http(client, path, "post", "/customers", data=value.encode("utf-8", "surrogatepass"),
         content_type="application/json")


@pytest.mark.parametrize("value", HTTP_NUMBERS, ids=ident)
def test_http_number_parameters(web, value):
    client, path, c = web
    for url in (f"/customers?limit={q(value)}", f"/customers?offset={q(value)}", f"/pool?limit={q(value)}",
                f"/segments/all/members?offset={q(value)}", f"/customers/{q(value)}"):
        http(client, path, "get", url)


def test_http_json_bodies(web):
    client, path, c = web
    for body in ('{"name": "x", "no_such_field": 1}', '{"name": 5}', '{"name": "x", "tags": {"a": 1}}',
                 '{"name": "x", "fields": [1, 2]}', '{"name": "x", "owner": 99999999999999999999}',
                 '{"name": "x", "owner": -1}', '{"name": NaN}', '{"name": "x"' , "[" * 100_000,
                 '{"name": "\\ud800"}', '"just a string"', "1e999"):
        http(client, path, "post", "/customers", data=body, content_type="application/json")
    for body in ('{"industry": 1e999}', '{"version": 3}', '{"expected_version": "x"}', "[1]", "[" * 100_000):
        http(client, path, "patch", f"/customers/{c.id}", data=body, content_type="application/json")
    for tag in ('"abc"', '"99999999999999999999999"', '"' + "9" * 5000 + '"', "*"):
        http(client, path, "patch", f"/customers/{c.id}", data='{"industry": "x"}', content_type="application/json",
             headers={"X-User": "alice", "If-Match": tag})
    for body in ('{"comment": {"a": 1}}', '{"comment": ["x"]}', "[1]", '{"stage": ["x"]}', '{"stage": 5}'):
        http(client, path, "post", "/approvals/1/approve", data=body, content_type="application/json")
        http(client, path, "post", "/opportunities/1/advance", data=body, content_type="application/json")


def test_http_import_mapping_and_upload(web):
    import io
    client, path, c = web
    for mapping in ("{not json", '["name"]', '{"客户名称": 5}', '{"客户名称": "no_such_field"}', "\x00"):
        data = {"file": (io.BytesIO("客户名称\n甲\n".encode()), "a.csv"), "mapping": mapping}
        http(client, path, "post", "/imports/customers", data=data, content_type="multipart/form-data")
    data = {"file": (io.BytesIO(b"\xff\xfe\x00\x00name\n\x00\n"), "bad.csv")}
    http(client, path, "post", "/imports/customers", data=data, content_type="multipart/form-data")


# ---- CSV files for imports ----


@pytest.fixture
def crm_file(tmp_path):
    path = tmp_path / "import.db"
    crm = crmkit.open(str(path))
    crm.customers.add(name="基准客户")
    yield crm, path
    crm.close()


def import_file(crm, path, csv_path, **kwargs):
    """(report or None, error or None), the database unchanged when an error was raised."""
    before = content_digest(path)
    try:
        return crm.imports.customers(str(csv_path), **kwargs), None
    except crmkit.Error as e:
        assert content_digest(path) == before, f"a refused import changed the database: {e}"
        assert str(e), "an error without a message"
        return None, e
    except BaseException as e:  # noqa: BLE001 - the bug under test
        pytest.fail(f"{type(e).__name__} escaped the import of {csv_path.name}: {e!r}"[:500])


CSV_CASES = {
    "invalid_utf8_cell": "客户名称,行业\n".encode() + b"\xff\xfe\xfd,\xc3\x28\n" + "正常,制造\n".encode(),
    "invalid_utf8_header": b"\xff\xfename,industry\nx,y\n",
    "nul_in_cell": "客户名称,行业\n".encode() + b"a\x00b,c\n",
    "nul_only_file": b"\x00" * 1000,
    "quote_never_closed": '客户名称,行业\n"甲公司,制造\n乙,能源\n'.encode(),
    "quote_inside_cell": '客户名称,行业\n甲"公司,制\n'.encode(),
    "overlong_cell": ("客户名称,行业\n" + "长" * 300_000 + ",制造\n").encode(),
    "overlong_line": ("客户名称,行业\n" + "x," * 200_000 + "\n").encode(),
    "ten_thousand_columns": (",".join(f"c{i}" for i in range(10_000)) + "\n" +
                             ",".join("v" for _ in range(10_000)) + "\n").encode(),
    "bom_and_crlf": "\ufeff客户名称,行业\r\n丙,制造\r\n".encode(),
    "bare_cr": "客户名称,行业\r丁,制造\r".encode(),
    "empty": b"",
    "header_only": "客户名称,行业\n".encode(),
    "control_chars": "客户名称,行业\n\x1b[31m红\x1b[0m,\x7f\n".encode(),
    "formula_injection": '客户名称,行业\n=HYPERLINK("http://x"),+cmd\n'.encode(),
    "sql_injection": "客户名称,行业\nx'); DROP TABLE customers; --,' OR '1'='1\n".encode(),
    "ragged_rows": "客户名称,行业\n戊\n己,制造,多余,更多\n".encode(),
    "utf16_without_bom": "客户名称,行业\n庚,制造\n".encode("utf-16-le"),
    "lone_surrogate_bytes": "客户名称,行业\n".encode() + b"\xed\xa0\x80,x\n",
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
@pytest.mark.parametrize("mode", ["partial", "all_or_nothing"])
def test_hostile_csv_files(crm_file, tmp_path, case, mode):
    crm, path = crm_file
    csv_path = tmp_path / f"{case}.csv"
    csv_path.write_bytes(CSV_CASES[case])
    count = crm.customers.count()
    rep, err = import_file(crm, path, csv_path, mapping={"客户名称": "name", "行业": "industry"},
                           all_or_nothing=mode == "all_or_nothing")
    if err is not None:
        assert crm.customers.count() == count
        return
    names = [r["name"] for r in crm.customers.find(limit=10_000).rows() if r["name"] != "基准客户"]
    assert rep.created == crm.customers.count() - count == len(names)
    for name in names:
        name.encode("utf-8")  # valid text, whatever the file held
        assert "\x00" not in name
    if mode == "all_or_nothing" and len(rep.problems):
        assert rep.created == 0
    if case == "sql_injection":
        assert names == ["x'); DROP TABLE customers; --"]
        assert crm.customers.find(name_contains="x'); DROP")[0].industry == "' OR '1'='1"
    if case == "formula_injection":
        assert names == ['=HYPERLINK("http://x")']
    if case == "bom_and_crlf":
        assert names == ["丙"]


def test_a_refused_csv_names_the_problem(crm_file, tmp_path):
    """Undecodable bytes are either refused naming the row/position or reported per row."""
    crm, path = crm_file
    csv_path = tmp_path / "bad.csv"
    csv_path.write_bytes(CSV_CASES["invalid_utf8_cell"])
    rep, err = import_file(crm, path, csv_path, mapping={"客户名称": "name", "行业": "industry"})
    text = str(err) if err else json.dumps(rep.problems.rows(), ensure_ascii=False, default=str)
    assert any(word in text for word in ("UTF-8", "utf-8", "encoding", "row", "line", "byte")), text
