"""The type stubs describe the module: same public names, same public members per class."""

import ast
import pathlib

import crmkit
from crmkit import _crmkit

STUBS = pathlib.Path(crmkit.__file__).with_name("_crmkit.pyi")


def _stub_tree():
    return ast.parse(STUBS.read_text(encoding="utf-8"))


def _public(names):
    return {n for n in names if not n.startswith("_")}


def test_stub_file_is_shipped_with_py_typed():
    assert STUBS.exists()
    assert STUBS.with_name("py.typed").exists()


def test_module_level_names_match():
    tree = _stub_tree()
    stubbed = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            stubbed.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            stubbed.add(node.target.id)
    runtime = _public(dir(_crmkit)) - {"annotations"}
    assert _public(stubbed) - {"annotations"} == runtime


def test_class_members_match():
    tree = _stub_tree()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
            continue  # _HasId: a protocol for type checkers only
        if issubclass(getattr(_crmkit, node.name), BaseException):
            continue
        stubbed = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        stubbed |= {n.target.id for n in node.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
        runtime = _public(vars(getattr(_crmkit, node.name)))
        assert _public(stubbed) == runtime, node.name


def test_package_reexports_the_engine():
    for name in _public(dir(_crmkit)):
        if name == "annotations":
            continue
        assert getattr(crmkit, name) is getattr(_crmkit, name), name


# ---------------------------------------------------------------------------------------------
# mypy --strict, as a client sees the package (scripts/check_types.py; also run by make test)

import importlib.util
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _check_types():
    spec = importlib.util.spec_from_file_location("check_types", ROOT / "scripts" / "check_types.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    pytest.importorskip("mypy")
    return str(tmp_path_factory.mktemp("mypy_cache"))


def _mypy(files, cache):
    cmd = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", cache,
           str(ROOT / "python" / "crmkit" / "__init__.pyi"), *map(str, files)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={"MYPYPATH": str(ROOT / "python")})
    return done.returncode, done.stdout + done.stderr


def test_stubs_readme_tour_and_examples_pass_mypy_strict(mypy_cache, capfd):
    assert _check_types().main(["--cache-dir", mypy_cache]) == 0, capfd.readouterr().out


def test_readme_has_a_tour_to_check():
    blocks = _check_types().readme_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert any("crmkit.open(" in b for b in blocks)


def test_mypy_accepts_records_and_ids_and_rejects_mistakes(tmp_path, mypy_cache):
    good = tmp_path / "good.py"
    good.write_text(
        "import crmkit\n"
        "crm = crmkit.open(':memory:')\n"
        "alice = crm.users.add('alice', name='A')\n"
        "c = crm.customers.add(name='x', owner=alice, fields={'region': '华东'})\n"
        "assert crm.customers.get(c) == crm.customers.get(c.id)\n"
        "t = crm.customers.find(owner=alice, limit=10)\n"
        "names: list[str] = [r['name'] for r in t.rows()]\n"
        "c = crm.customers.update(c, expected_version=c.version, industry=None)\n"
        "d: dict[str, object] = c.to_dict()\n", encoding="utf-8")
    code, out = _mypy([good], mypy_cache)
    assert code == 0, out
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import crmkit\n"
        "crm = crmkit.open(':memory:')\n"
        "crm.customers.add(name='x', nmae='typo')\n"          # an unknown keyword
        "crm.customers.get('not an id')\n"                     # neither a record nor an id
        "n: str = crm.customers.count()\n"                     # count() is an int
        "crm.customers.update(1, fields=['not', 'a', 'dict'])\n", encoding="utf-8")
    code, out = _mypy([bad], mypy_cache)
    assert code == 1
    for line in (3, 4, 5, 6):
        assert f"bad.py:{line}: error" in out, out
