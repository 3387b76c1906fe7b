"""The command line: `python -m crmkit --db FILE <command>`, `--json` before or after the command."""

import json

import crmkit
from crmkit.__main__ import main


def test_init_check_segments_report_audit(tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "init"]) == 0
    with crmkit.open(db) as crm:
        crm.customers.add(name="上海某某科技有限公司", industry="制造")
        crm.segments.define("makers", 'industry = "制造"')
    capsys.readouterr()
    assert main(["--db", db, "check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["customers"] == 1
    assert main(["--db", db, "--json", "segments"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"name": "makers", "rule": 'industry = "制造"', "count": 1}]
    assert main(["--db", db, "report", "funnel", "--json"]) == 0
    assert [r["stage"] for r in json.loads(capsys.readouterr().out)][0] == "初步接洽"
    assert main(["--db", db, "audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_errors_are_reported_not_raised(tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "report", "no_such_report"]) == 2
    assert "ValidationError" in capsys.readouterr().err
    assert main(["--db", db, "approvals", "--user", "nobody"]) == 2
    assert "NotFound" in capsys.readouterr().err
