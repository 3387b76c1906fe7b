"""The command line: `python -m crmkit --db FILE <command>`, `--json` before or after the command;
exit codes, JSON errors, read commands that never create a database, aligned tables, a closed
pipe, complete help."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
import wcwidth

import crmkit
from crmkit.cli import main
from crmkit.cli.parser import build_parser


def run(capsys, *argv):
    """main(argv) -> (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path):
    """A database with an organisation, customers (Chinese names), a segment, an opportunity
    under a one-step approval workflow (two requests pending) and some ledger entries."""
    path = str(tmp_path / "cli.db")
    with crmkit.open(path) as crm:
        sales = crm.teams.add("华东销售部")
        boss = crm.users.add("zhang", name="张总", role="director", team=sales)
        alice = crm.users.add("alice", name="Alice Wang", role="sales", team=sales, manager=boss)
        crm.customers.add(name="上海某某科技有限公司", industry="制造", owner=alice)
        crm.customers.add(name="Northwind Asia Ltd.", industry="制造", owner=alice)
        crm.customers.add(name="北京😀贸易", industry="零售")
        crm.segments.define("makers", 'industry = "制造"')
        crm.workflows.define({"name": "initiation", "entity": "opportunity", "trigger": {"on": "submit"},
                              "steps": [{"name": "manager", "approvers": "owner.manager", "mode": "any"}]})
        c = crm.customers.find(name_contains="上海").rows()[0]["id"]
        for title in ("ERP项目", "MES项目"):
            opp = crm.opportunities.add(customer=c, title=title, amount=1_200_000, owner=alice)
            crm.approvals.submit("opportunity", opp.id, workflow="initiation", by=alice)
    return path


def test_init_creates_and_reports(tmp_path, capsys):
    path = str(tmp_path / "new.db")
    code, out, _ = run(capsys, "--db", path, "init")
    assert code == 0 and out.startswith("created ") and "schema version" in out
    code, out, _ = run(capsys, "--db", path, "init", "--json")
    assert code == 0 and json.loads(out) == {"database": path, "schema_version": crmkit.SCHEMA_VERSION,
                                             "created": False}


READ_COMMANDS = [["check"], ["segments"], ["segments", "count", "x"], ["report", "funnel"],
                 ["approvals", "inbox", "--user", "zhang"], ["audit", "verify"], ["backup", "copy.db"],
                 ["export", "customers", "out.csv"]]


@pytest.mark.parametrize("argv", READ_COMMANDS, ids=lambda a: " ".join(a))
def test_a_read_command_never_creates_a_database(tmp_path, capsys, argv):
    path = tmp_path / "typo.db"
    code, out, err = run(capsys, "--db", str(path), "--json", *argv)
    assert code == 3 and out == ""
    error = json.loads(err)["error"]
    assert error["type"] == "NotFound" and "does not exist" in error["message"] and error["field"] == "db"
    assert list(tmp_path.iterdir()) == []


def test_errors_carry_type_message_field_and_exit_codes(db, capsys):
    code, _, err = run(capsys, "--db", db, "--json", "approvals", "inbox", "--user", "nobody")
    assert code == 3 and json.loads(err)["error"]["type"] == "NotFound"
    code, _, err = run(capsys, "--db", db, "segments", "count", "no_such_segment")
    assert code == 3 and err.startswith("crmkit: NotFound: ")
    code, _, err = run(capsys, "--db", db, "--json", "report", "funnel", "--where", "industry = = 1")
    error = json.loads(err)["error"]
    assert code == 2 and error["type"] == "RuleSyntaxError" and isinstance(error["position"], int)
    code, _, err = run(capsys, "--db", db, "approvals", "approve", "1", "--user", "alice")  # own request
    assert code == 4 and "PermissionDenied" in err


def test_usage_errors_exit_2_and_speak_json(db, capsys):
    code, out, err = run(capsys, "--db", db, "report", "no_such_report")
    assert code == 2 and out == "" and "invalid choice" in err and "Traceback" not in err
    code, _, err = run(capsys, "--db", db, "report", "--json", "no_such_report")
    assert code == 2 and json.loads(err)["error"]["type"] == "UsageError"
    code, _, err = run(capsys, "--json", "no_such_command")
    assert code == 2 and json.loads(err)["error"]["type"] == "UsageError"


def test_report_funnel_by_owner_is_a_usage_error_not_a_traceback(db, capsys):
    code, out, err = run(capsys, "--db", db, "report", "funnel", "--by", "owner")
    assert code == 2 and out == ""
    assert "funnel does not take --by" in err and "Traceback" not in err
    code, _, err = run(capsys, "--db", db, "--json", "report", "funnel", "--by", "owner")
    assert json.loads(err)["error"] == {"type": "UsageError", "field": "by",
                                        "message": "report funnel does not take --by (it takes no grouping options)"}


def test_reports_format_money_and_align_chinese_text(db, capsys):
    code, out, _ = run(capsys, "--db", db, "report", "funnel")
    assert code == 0
    assert "2,400,000.00" in out  # two opportunities of 1,200,000 in the first stage
    assert "." not in out.splitlines()[2].split()[1]  # counts stay integers
    code, out, _ = run(capsys, "--db", db, "report", "win_rate", "--by", "owner", "--json")
    assert code == 0 and isinstance(json.loads(out), list)
    code, out, _ = run(capsys, "--db", db, "segments", "members", "makers")
    lines = out.splitlines()
    # Every row's columns start at the same display column: the header's.
    starts = [lines[0].index("name")]
    for line in lines[2:]:
        cut = line.split("  ", 1)[0]
        assert wcwidth.wcswidth(cut) <= starts[0]
    names = [line for line in lines if "上海某某科技有限公司" in line or "Northwind" in line]
    widths = [wcwidth.wcswidth(line[: line.index(col)]) for line, col in
              zip(names, ["上海某某科技有限公司", "Northwind"])]
    assert len(set(widths)) == 1
    stage_col = [wcwidth.wcswidth(l[: l.rindex(" ", 0, len(l.rstrip()) - 1)]) for l in names]
    assert len(set(stage_col)) == 1


def test_check_and_audit(db, capsys):
    code, out, _ = run(capsys, "--db", db, "check")
    assert code == 0 and out.rstrip().endswith("ok") and "3 customers" in out
    code, out, _ = run(capsys, "--db", db, "check", "--json")
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["problems"] == []
    code, out, _ = run(capsys, "--db", db, "audit", "verify")
    assert code == 0 and out.startswith("ledger ok")
    code, out, _ = run(capsys, "--db", db, "audit", "verify", "--json", "--expected-head", "0" * 64)
    assert code == 1 and json.loads(out)["ok"] is False
    code, out, _ = run(capsys, "--db", db, "audit", "head")
    assert code == 0 and len(out.strip()) == 64
    con = sqlite3.connect(db)
    con.execute("UPDATE customer_facts SET interaction_count = 9")
    con.commit()
    con.close()
    code, out, _ = run(capsys, "--db", db, "check")
    assert code == 1 and "FAIL  facts" in out and "problem(s) found" in out


def test_check_on_a_file_that_is_not_a_crmkit_database(tmp_path, capsys):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes(x)")
    con.commit()
    con.close()
    code, _, err = run(capsys, "--db", str(other), "--json", "check")
    error = json.loads(err)["error"]
    assert code == 1 and error["type"] == "StorageError" and "not a crmkit database" in error["message"]


def test_backup(db, tmp_path, capsys):
    target = tmp_path / "copy.db"
    code, out, _ = run(capsys, "--db", db, "backup", str(target))
    assert code == 0 and "verified" in out and target.exists()
    with crmkit.open(str(target)) as copy:
        assert copy.customers.count() == 3
    code, _, err = run(capsys, "--db", db, "--json", "backup", str(tmp_path / "missing" / "copy.db"))
    error = json.loads(err)["error"]
    assert code == 2 and error["field"] == "path" and "does not exist" in error["message"]
    code, _, err = run(capsys, "--db", db, "backup", str(target))
    assert code == 2 and "already exists" in err


def test_segments_list_count_members_explain(db, capsys):
    code, out, _ = run(capsys, "--db", db, "--json", "segments")
    assert json.loads(out) == [{"name": "makers", "count": 2, "rule": 'industry = "制造"'}]
    code, out, _ = run(capsys, "--db", db, "segments", "count", "makers")
    assert (code, out.strip()) == (0, "2")
    code, out, _ = run(capsys, "--db", db, "segments", "members", "makers", "--json")
    assert sorted(r["name"] for r in json.loads(out)) == ["Northwind Asia Ltd.", "上海某某科技有限公司"]
    code, out, _ = run(capsys, "--db", db, "segments", "explain", "makers", "1")
    assert code == 0 and "industry" in out
    code, _, err = run(capsys, "--db", db, "segments", "members", "makers", "--limit", "0")
    assert code == 2 and "--limit" in err


def test_approvals_inbox_approve_reject_escalate(db, capsys):
    code, out, _ = run(capsys, "--db", db, "--json", "approvals", "inbox", "--user", "zhang")
    requests = [r["request_id"] for r in json.loads(out)]
    assert code == 0 and len(requests) == 2
    code, out, _ = run(capsys, "--db", db, "approvals", "inbox", "--user", "zhang")
    assert code == 0 and "opportunity" in out and "request_id" in out
    code, out, _ = run(capsys, "--db", db, "approvals", "approve", str(requests[0]), "--user", "zhang",
                       "--comment", "同意")
    assert code == 0 and "approved" in out
    code, out, _ = run(capsys, "--db", db, "--json", "approvals", "reject", str(requests[1]), "--user", "zhang")
    assert code == 0 and json.loads(out)["status"] == "rejected"
    code, _, err = run(capsys, "--db", db, "approvals", "approve", str(requests[1]), "--user", "zhang")
    assert code in (2, 5) and "Traceback" not in err  # an ended request cannot be decided again
    code, out, _ = run(capsys, "--db", db, "approvals", "escalate")
    assert code == 0 and out.startswith("escalated 0 step(s)")
    code, out, _ = run(capsys, "--db", db, "approvals", "inbox", "--user", "zhang")
    assert out.strip() == "(no rows)"


def test_version_and_complete_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"crmkit {crmkit.__version__} (schema version {crmkit.SCHEMA_VERSION})"
    parser = build_parser()

    def walk(p, path):
        for action in p._actions:
            if action.dest != "help":
                assert action.help, f"{' '.join(path)}: {action.dest} has no help text"
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):
                for name, child in choices.items():
                    walk(child, path + [name])

    walk(parser, ["crmkit"])
    code, out, _ = run(capsys, "report", "--help")
    from crmkit.cli.parser import REPORTS

    assert code == 0 and all(name in out for name in REPORTS)  # the whole list, not "..."


def test_a_closed_pipe_ends_quietly(db):
    # `crmkit ... | head -1`: the reader leaves after one line.
    with crmkit.open(db) as crm:
        crm.customers.add_many([{"name": f"客户{i}", "industry": "制造"} for i in range(3000)])
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "crmkit", "--db", db, "segments", "members", "makers",
                             "--limit", "3000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(30)
    assert proc.returncode == 0 and err == ""


def test_demo_shows_progress_and_defines_segments_and_autotags(tmp_path, capsys, monkeypatch):
    from crmkit import demo

    path = str(tmp_path / "demo.db")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # as on a terminal: a progress bar
    code, out, err = run(capsys, "--db", path, "demo", "--customers", "100")
    assert code == 0 and "Saved segments" in out
    assert f"{demo.PROGRESS_STEPS}/{demo.PROGRESS_STEPS}" in err and "segments" in err
    code, out, _ = run(capsys, "--db", path, "--json", "segments")
    segments = json.loads(out)
    assert len(segments) == 3 and sum(s["count"] for s in segments) > 0
    with crmkit.open(path) as crm:
        assert len(crm.autotags.list()) == 2
    code, _, err = run(capsys, "--db", path, "demo", "--customers", "10")
    assert code == 5 and "already holds data" in err


@pytest.mark.skipif(not hasattr(crmkit.Crm, "imports"), reason="the import service is not in this build")
def test_import_with_mapping_and_dry_run(tmp_path, capsys):
    path = str(tmp_path / "imp.db")
    csv = tmp_path / "客户.csv"
    csv.write_text("客户名称,手机\n上海某某科技有限公司,13800138000\n北京😀贸易,13900139000\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"客户名称": "name", "手机": "phone"}, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "--db", path, "--json", "import", str(csv), "--mapping", str(mapping), "--dry-run")
    assert code == 0 and json.loads(out)["created"] == 2
    with crmkit.open(path) as crm:
        assert crm.customers.count() == 0
    code, out, _ = run(capsys, "--db", path, "import", str(csv), "--mapping", str(mapping))
    assert code == 0 and out.startswith("created 2")


def test_import_refuses_a_bad_mapping_file(tmp_path, capsys):
    csv = tmp_path / "c.csv"
    csv.write_text("name\nx\n", encoding="utf-8")
    bad = tmp_path / "m.json"
    bad.write_text('{"name": ', encoding="utf-8")
    code, _, err = run(capsys, "--db", str(tmp_path / "x.db"), "--json", "import", str(csv), "--mapping", str(bad))
    error = json.loads(err)["error"]
    assert code == 2 and error["field"] == "mapping" and "line 1" in error["message"]


@pytest.mark.skipif(not hasattr(crmkit.Crm, "exports"), reason="the export service is not in this build")
@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_export(db, tmp_path, capsys, ext):
    target = tmp_path / f"out.{ext}"
    code, out, _ = run(capsys, "--db", db, "export", "makers", str(target))
    assert code == 0 and target.exists() and target.stat().st_size > 0


def test_export_needs_a_known_format(db, tmp_path, capsys):
    code, _, err = run(capsys, "--db", db, "--json", "export", "customers", str(tmp_path / "out.txt"))
    assert code == 2 and json.loads(err)["error"]["field"] == "path"
