"""Record and service sugar.

Every engine record class lists its attributes in `_fields`: give each a recursive `to_dict()`,
a readable `repr()` and value equality (over the record's whole state, `__getstate__`, which is
also what pickles it). Services (crm.customers, ...) and the Crm get a concise `repr()`.
"""

from __future__ import annotations

from typing import Any


def _plain(value: Any) -> Any:
    """A record's value with nested records as dicts, lists and dicts copied (JSON-ready but for
    dates and times, which `json.dumps(..., default=str)` writes as ISO text)."""
    if hasattr(type(value), "_fields"):
        return _to_dict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _to_dict(self: Any) -> dict[str, Any]:
    """Returns the record as a dict of its attributes, in order; nested records (a route's steps
    and their approvers, a conversion's customer) become dicts too, so that
    `json.dumps(record.to_dict(), default=str)` works. Raises nothing."""
    return {name: _plain(getattr(self, name)) for name in type(self)._fields}


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self)._fields[:4])
    more = ", ..." if len(type(self)._fields) > 4 else ""
    return f"{type(self).__name__}({shown}{more})"


def _eq(self: Any, other: Any) -> Any:
    if type(self) is not type(other):
        return NotImplemented
    same: bool = self.__getstate__() == other.__getstate__()
    return same


def _service_repr(self: Any) -> str:
    # The class docstring starts with where the service lives ("crm.customers: ...").
    doc = (type(self).__doc__ or "").strip()
    where = doc.split(":", 1)[0] if doc.startswith("crm.") else type(self).__name__
    return f"<crmkit.{type(self).__name__} {where}>"


def _crm_repr(self: Any) -> str:
    if self.closed:
        return "<crmkit.Crm closed>"  # its path is no longer known
    user = self.user
    who = "system view" if user is None else f"as {user.login!r}"
    return f"<crmkit.Crm {self.path!r} {who}>"


def _clock_repr(self: Any) -> str:
    state = "frozen" if self.frozen else "running"
    return f"<crmkit.Clock {self.now().isoformat()} {state}>"


def install(module: Any) -> None:
    for name in dir(module):
        cls: Any = getattr(module, name)
        if not isinstance(cls, type) or issubclass(cls, BaseException) or name.startswith("_"):
            continue
        if "_fields" in cls.__dict__:
            setattr(cls, "to_dict", _to_dict)
            setattr(cls, "__repr__", _repr)
            setattr(cls, "__eq__", _eq)
            setattr(cls, "__hash__", None)
        elif name == "Crm":
            setattr(cls, "__repr__", _crm_repr)
        elif name == "Clock":
            setattr(cls, "__repr__", _clock_repr)
        elif (cls.__doc__ or "").lstrip().startswith("crm."):
            setattr(cls, "__repr__", _service_repr)
