"""Every public callable of crmkit has a docstring, and the engine's say what they return and what
they raise. The module is walked by introspection, so a new method without one fails here."""

import inspect
import re

import pytest

import crmkit
from crmkit import _crmkit

# The signature lines pybind11 writes at the top of a docstring ("add(self: ..., ...) -> T").
_SIGNATURE = re.compile(r"^\s*(\d+\.\s*)?[A-Za-z_]\w*\(.*\)(\s*->\s*.+)?\s*$")


def _doc_text(obj):
    """The docstring without pybind11's signature lines (and 'Overloaded function.')."""
    # Its own docstring only: inspect.getdoc() would fall back on a base class's.
    lines = inspect.cleandoc(obj.__doc__ or "").splitlines()
    kept = [l for l in lines if not _SIGNATURE.match(l) and l.strip() != "Overloaded function."]
    return "\n".join(kept).strip()


def _public_callables():
    """(qualified name, object) of every public class, function and method the package exposes."""
    seen = []
    for name in sorted(dir(_crmkit)):
        if name.startswith("_"):
            continue
        obj = getattr(_crmkit, name)
        if inspect.isclass(obj):
            seen.append((name, obj))
            for attr, member in sorted(vars(obj).items()):
                if attr.startswith("_") or isinstance(member, property):
                    continue
                if callable(member):
                    seen.append((f"{name}.{attr}", member))
        elif callable(obj):
            seen.append((name, obj))
    return seen


CALLABLES = _public_callables()
ENGINE_METHODS = [(n, o) for n, o in CALLABLES if not inspect.isclass(o)]


def test_the_walk_sees_the_whole_api():
    names = {n for n, _ in CALLABLES}
    assert len(ENGINE_METHODS) > 200
    for expected in ("open", "Customers.add", "Table.to_arrow", "Table.rows", "Customer.to_dict",
                     "Approvals.approve", "Reports.funnel"):
        assert expected in names


@pytest.mark.parametrize("name,obj", CALLABLES, ids=[n for n, _ in CALLABLES])
def test_has_a_docstring(name, obj):
    assert _doc_text(obj), f"crmkit.{name} has no docstring: say what it does, returns and raises"


@pytest.mark.parametrize("name,obj", ENGINE_METHODS, ids=[n for n, _ in ENGINE_METHODS])
def test_docstring_says_what_it_returns_and_raises(name, obj):
    text = _doc_text(obj).lower()
    assert "return" in text, f"crmkit.{name}: the docstring does not say what it returns"
    assert "raise" in text, f"crmkit.{name}: the docstring does not say what it raises (or 'Raises nothing')"


def test_package_level_functions_have_docstrings():
    for module in (crmkit, crmkit.datasets):
        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("_") or not inspect.isfunction(obj):
                continue
            assert _doc_text(obj), f"{module.__name__}.{name} has no docstring"


def test_a_method_without_a_docstring_would_fail():
    class Probe:
        def documented(self):
            """Returns 1. Raises nothing."""
            return 1

        def bare(self):
            return 2

    assert _doc_text(Probe.documented)
    assert not _doc_text(Probe.bare)
    # pybind11 writes a signature line even without a docstring; it does not count.
    assert not _doc_text(type("X", (), {"__doc__": "bare(self: X) -> int"}))
