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
        if not isinstance(node, ast.ClassDef) or issubclass(getattr(_crmkit, node.name), BaseException):
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
