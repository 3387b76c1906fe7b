"""An argument of the wrong type is a crmkit.ValidationError naming it, at every public method.

Every public method (found by introspection, as the permission matrix finds them) is called once
per parameter with that parameter set to an object of no expected type and the others to values
of their annotated types. The call must refuse with a crmkit error, never pybind11's
`TypeError: incompatible function arguments` or `RuntimeError: Unable to cast`; where the
error names a field, it names the parameter. A parameter annotated `object` (it takes any value
and checks it itself) may accept the object, and then the call may go on to refuse or succeed.
"""

import inspect
import re

import pytest

import crmkit

from test_permission_matrix import public_methods


class Stranger:
    """Of no type any parameter expects."""

    def __repr__(self):
        return "<stranger>"


def split_top(text):
    """Split a parameter list at the commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


def parameters(method):
    """(name, annotation, has a default) of each parameter but self: from the signature line of a
    binding, from inspect for a function written in Python."""
    doc = (method.__doc__ or "").lstrip().splitlines()
    m = re.match(r"^\w+\((.*)\) ->", doc[0]) if doc else None
    if not m:
        try:
            sig = inspect.signature(method)
        except (TypeError, ValueError):
            return None
        return [(p.name, "python", p.default is not p.empty)
                for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    out = []
    for p in split_top(m.group(1)):
        name, _, rest = p.partition(":")
        name = name.strip()
        if name in ("self", "*args", "**kwargs") or name.startswith("*"):
            continue
        annotation, eq, _ = rest.partition("=")
        out.append((name, annotation.strip(), bool(eq)))
    return out


# Values for the parameters of the methods written in Python (which carry no annotations).
PYTHON_SAMPLES = {"path": "out.csv", "source": "customers"}


def sample(annotation, name):
    """A value of the annotated type (what it means does not matter: conversion comes first)."""
    if annotation == "python":
        return PYTHON_SAMPLES.get(name)
    if annotation in ("object", "typing.Any") or "| None" in annotation:
        return None
    for key, value in (("datetime", "2026-01-01"), ("list", []), ("dict", {}), ("Iterable", []),
                       ("Callable", None), ("_HasId", 1), ("str", "x"), ("bool", False), ("float", 1.0),
                       ("int", 1)):
        if key in annotation:
            return value
    return None


def probe_crm(path=":memory:"):
    crm = crmkit.open(path)
    crm.segments.define("everyone", "id > 0")  # public_methods reaches a segment record's methods
    return crm


def cases():
    crm = probe_crm()
    try:
        found = public_methods(crm)
        out = []
        for name, method in sorted(found.items()):
            params = parameters(method)
            for i, (pname, annotation, _) in enumerate(params or []):
                if annotation in ("object", "typing.Any"):
                    continue
                out.append((name, i, pname))
        return out
    finally:
        crm.close()


CASES = cases()


def test_every_method_has_a_readable_signature():
    crm = probe_crm()
    try:
        unreadable = [n for n, m in public_methods(crm).items() if parameters(m) is None]
    finally:
        crm.close()
    assert unreadable == []
    assert len(CASES) > 300, "the probe found too few parameters to mean anything"


@pytest.mark.parametrize("method,index,param", CASES, ids=[f"{m}:{p}" for m, _, p in CASES])
def test_a_wrong_type_is_a_validation_error_naming_the_argument(tmp_path, monkeypatch, method, index, param):
    monkeypatch.chdir(tmp_path)  # a call that takes a path writes here, never into the checkout
    crm = probe_crm(str(tmp_path / "probe.db"))
    try:
        bound = public_methods(crm)[method]
        if method.startswith("Crm."):  # public_methods lists the Crm's own methods unbound
            bound = getattr(crm, method[4:])
        params = parameters(bound)
        kwargs = {}
        for i, (pname, annotation, has_default) in enumerate(params):
            if i == index:
                kwargs[pname] = Stranger()
            elif not has_default:
                kwargs[pname] = sample(annotation, pname)
        try:
            bound(**kwargs)
        except crmkit.Error as e:
            if isinstance(e, crmkit.ValidationError) and getattr(e, "field", None) and "stranger" in str(e):
                assert e.field == param or param in str(e), f"{method}: the error names {e.field!r}: {e}"
        except Exception as e:  # noqa: BLE001 - the point: nothing but crmkit.Error escapes
            pytest.fail(f"{method}({param}=<stranger>) raised {type(e).__module__}.{type(e).__name__}: {e}")
    finally:
        if not crm.closed:
            crm.close()
