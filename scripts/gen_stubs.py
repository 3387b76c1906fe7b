"""Regenerates python/crmkit/_crmkit.pyi from the built extension (run by `make stubs`).

pybind11-stubgen writes a package of stubs; we fold it into one file and make it pass
`mypy --strict` as a client sees it:
- the exception classes (created at run time in C++, so the generator only sees them as imports)
  are defined, and the private test submodule is dropped;
- `_HasId`, the protocol of "a record with an int id", is defined: every parameter that takes an
  entity is typed `int | _HasId` by its caster, so `crm.customers.get(c)` and `get(c.id)` both
  type-check;
- the sugar the package adds in Python (python/crmkit/table.py, _records.py) is typed here: the
  generator sees only untyped functions there;
- `__hash__ = None` is declared the way typeshed does; generic builtins get their parameters;
  `list[...]` is spelled `builtins.list[...]`, since several classes have a method named `list`
  that would shadow the builtin inside the class body;
- the trailing `**kwargs` of add()/update() is dropped: at run time it only exists so that an
  unknown keyword gets crmkit's ValidationError naming it; to a type checker it is an error.
"""

import pathlib
import re
import subprocess
import sys
import tempfile

ERRORS = {
    "Error": "Exception",
    "NotFound": "Error, KeyError",
    "ValidationError": "Error, ValueError",
    "PermissionDenied": "Error",
    "Conflict": "Error",
    "RuleSyntaxError": "Error",
    "WorkflowError": "Error",
    "StorageError": "Error",
}
ATTRS = {
    "ValidationError": ["    field: str | None", "    row: int | None"],
    "RuleSyntaxError": ["    position: int", "    line: int", "    column: int"],
}

HAS_ID = '''class _HasId(typing.Protocol):
    """Anything with an integer `id` (every record): accepted wherever an entity's id is."""
    @property
    def id(self) -> int: ...'''

# Methods added in Python, by the class they are added to ("*record*": every record class).
TABLE_SUGAR = '''    @typing.overload
    def __getitem__(self, key: typing.SupportsIndex) -> Row: ...
    @typing.overload
    def __getitem__(self, key: slice) -> builtins.list[Row]: ...
    @typing.overload
    def __getitem__(self, key: str) -> builtins.list[typing.Any]: ...
    def __iter__(self) -> collections.abc.Iterator[Row]: ...
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def _repr_html_(self) -> str: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __array__(self, dtype: object = None, copy: object = None) -> typing.NoReturn: ...
    def column(self, name: str) -> builtins.list[typing.Any]:
        """Returns one column as a list of Python values (None for NULL). Raises KeyError for an unknown column."""
    def rows(self) -> builtins.list[dict[str, typing.Any]]:
        """Returns all rows as a list of dicts (column name -> Python value, None for NULL). Raises nothing."""
    def to_pandas(self) -> typing.Any:
        """Returns a pandas.DataFrame built column by column. Raises ImportError when pandas is missing."""
    def to_arrow(self) -> typing.Any:
        """Returns a pyarrow.Table with typed columns. Raises ImportError when pyarrow is missing."""
    def to_polars(self) -> typing.Any:
        """Returns a polars.DataFrame with typed columns. Raises ImportError when polars is missing."""'''
RECORD_SUGAR = '''    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""'''
REPR = "    def __repr__(self) -> str: ..."
SUGAR_NAMES = {"__getitem__", "__iter__", "__repr__", "_repr_html_", "__arrow_c_stream__", "__array__", "column",
               "rows", "to_pandas", "to_arrow", "to_polars", "__eq__", "to_dict"}


def drop_methods(body, names):
    """Removes the named methods (with their decorators and docstrings) from a class body."""
    out, skipping = [], False
    pending = []
    for line in body:
        if re.match(r"    @", line):
            pending.append(line)
            continue
        m = re.match(r"    def (\w+)\(", line)
        if m:
            skipping = m.group(1) in names
            if not skipping:
                out.extend(pending)
            pending = []
            if not skipping:
                out.append(line)
            continue
        if re.match(r"    \S", line):
            skipping = False
            out.extend(pending)
            pending = []
        if not skipping:
            out.append(line)
    out.extend(pending)
    return out


def fix_types(line):
    line = re.sub(r"(?<![\w.])list\[", "builtins.list[", line)
    line = re.sub(r"(?<![\w.])list(?=[,):\] |]|$)", "builtins.list[typing.Any]", line)
    line = re.sub(r"ClassVar\[tuple\]", "ClassVar[tuple[str, ...]]", line)
    line = re.sub(r"(?<![\w.])tuple(?=[,):\] |]|$)", "tuple[typing.Any, ...]", line)
    line = re.sub(r"(?<![\w.])dict(?=[,):\] |]|$)", "dict[str, typing.Any]", line)
    line = re.sub(r"collections\.abc\.Iterable(?!\[)", "collections.abc.Iterable[typing.Any]", line)
    line = re.sub(r", \*\*kwargs\)", ")", line)
    # __exit__ returns False (never swallows an exception): say so, or a checker thinks a `with`
    # block may end without returning.
    if re.match(r"\s*def __exit__\(.*\) -> bool:", line):
        line = line.replace("-> bool:", "-> typing.Literal[False]:")
    if re.match(r"\s*__hash__: typing\.ClassVar\[None\] = None", line):
        line = line.split("=")[0].rstrip() + "  # type: ignore[assignment]"
    return line


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "python" / "crmkit" / "_crmkit.pyi"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pybind11_stubgen", "crmkit._crmkit", "-o", tmp,
                        "--ignore-unresolved-names", "_HasId|Row"], check=True)
        text = (pathlib.Path(tmp) / "crmkit" / "_crmkit" / "__init__.pyi").read_text()
    lines = [l for l in text.splitlines() if not l.startswith("from crmkit import ") and l != "from . import _test"]
    # Top-level blocks: the header (docstring, imports, __all__), then one block per class or function.
    blocks, current = [], []
    for line in lines:
        if line and not line[0].isspace() and (line.startswith("class ") or line.startswith("def ")
                                               or line.startswith("@")):
            if current and not (current[-1].startswith("@") and len(current) == 1):
                blocks.append(current)
                current = []
        current.append(line)
    blocks.append(current)
    header, rest = blocks[0], blocks[1:]
    result = []
    for block in rest:
        m = re.match(r"class (\w+)", block[0])
        name = m.group(1) if m else None
        body = [fix_types(l) for l in block]
        is_record = any("_fields: typing.ClassVar" in l for l in body)
        if name == "Table":
            body = drop_methods(body, SUGAR_NAMES)
            body.insert(_after_docstring(body), TABLE_SUGAR)
            if not any("__hash__" in l for l in body):
                body.insert(_after_docstring(body), "    __hash__: typing.ClassVar[None]  # type: ignore[assignment]")
        elif is_record:
            # Only what the record sugar replaces: a record may have a field named like a Table
            # method (an import report's `rows`).
            body = drop_methods(body, {"__eq__", "__repr__", "to_dict"})
            body.insert(_after_docstring(body), RECORD_SUGAR)
        elif name and not name.startswith("_"):
            body = drop_methods(body, {"__repr__"})
            body.insert(_after_docstring(body), REPR)
        result.append("\n".join(body))
    header = [fix_types(l) for l in header]
    at = next(i for i, l in enumerate(header) if l.startswith("__all__"))
    errors = []
    for name, bases in ERRORS.items():
        errors.append(f"class {name}({bases}):")
        errors.extend(ATTRS.get(name, ["    ..."]))
    extra_imports = ["import builtins", "from crmkit.table import Row"]
    imports_end = max(i for i, l in enumerate(header[:at]) if l.startswith("import ") or l.startswith("from "))
    header[imports_end + 1:imports_end + 1] = extra_imports
    at += len(extra_imports)
    header[at:at] = errors + [HAS_ID]
    out.write_text("\n".join(header + result) + "\n")
    print(f"wrote {out}")


def _after_docstring(body):
    """The index just after a class's header line and docstring."""
    i = 1
    if i < len(body) and body[i].strip().startswith('"""'):
        if body[i].strip().count('"""') >= 2 and len(body[i].strip()) > 3:
            return i + 1
        i += 1
        while i < len(body) and '"""' not in body[i]:
            i += 1
        return i + 1
    return i


if __name__ == "__main__":
    main()
