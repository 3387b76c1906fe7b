"""Regenerates python/crmkit/_crmkit.pyi from the built extension (run by `make stubs`).

pybind11-stubgen writes a package of stubs; we fold it into one file, define the exception classes
(created at run time in C++, so the generator only sees them as imports) and drop the private
test submodule."""

import pathlib
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


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "python" / "crmkit" / "_crmkit.pyi"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pybind11_stubgen", "crmkit._crmkit", "-o", tmp], check=True)
        text = (pathlib.Path(tmp) / "crmkit" / "_crmkit" / "__init__.pyi").read_text()
    lines = []
    for line in text.splitlines():
        if line.startswith("from crmkit import ") or line == "from . import _test":
            continue
        lines.append(line)
    errors = []
    for name, bases in ERRORS.items():
        errors.append(f"class {name}({bases}):")
        errors.extend(ATTRS.get(name, ["    ..."]))
    # Insert the error classes after the imports (before __all__).
    at = next(i for i, l in enumerate(lines) if l.startswith("__all__"))
    lines[at:at] = errors
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
