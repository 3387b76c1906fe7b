"""The client scripts in examples/ run and do what they say (scripts/check_types.py type-checks
them with mypy --strict)."""

import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_customers_example(tmp_path):
    out = _load("customers").main(str(tmp_path / "c.db"))
    assert out["names"] == ["上海某某科技有限公司"]
    assert out["members"] == ["上海某某科技有限公司"]
    assert json.loads(out["json"])["industry"] == "软件"
    assert out["lifetime_value"] == 12800.0
    assert out["unknown_keyword"] == "nme"


def test_approvals_example(tmp_path):
    out = _load("approvals").main(str(tmp_path / "a.db"))
    assert out["status"] == "approved" and out["ledger_ok"] is True
    assert out["steps"] == ["manager", "director"]
    assert json.loads(out["route"])["steps"][0]["approvers"][0]["login"] == "wang"
    assert out["history"] >= 3
