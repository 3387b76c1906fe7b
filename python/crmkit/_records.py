"""Record sugar: every engine record class lists its attributes in `_fields`; give each a
`to_dict()`, a readable `repr()` and value equality."""


def _to_dict(self):
    out = {}
    for name in type(self)._fields:
        value = getattr(self, name)
        out[name] = dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value
    return out


def _repr(self):
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self)._fields[:4])
    return f"{type(self).__name__}({shown}, ...)"


def _eq(self, other):
    if type(self) is not type(other):
        return NotImplemented
    return _to_dict(self) == _to_dict(other)


def install(module):
    for name in dir(module):
        cls = getattr(module, name)
        if isinstance(cls, type) and "_fields" in cls.__dict__:
            cls.to_dict = _to_dict
            cls.__repr__ = _repr
            cls.__eq__ = _eq
            cls.__hash__ = None
