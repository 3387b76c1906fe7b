"""Type-checks crmkit as its users see it: `mypy --strict` over the package's stubs, the README's
tour (its ```python blocks, extracted into modules) and the examples/ folder (run by `make test`).

    .venv/bin/python scripts/check_types.py            # exit status 0 when clean

The package is read from python/ (the stubs `_crmkit.pyi` and `__init__.pyi` and the typed
Python sugar); other modules of the package that a client reaches are followed silently, since a
client's mypy does not report errors inside an installed package either.
"""

import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def readme_blocks(text):
    """The ```python code blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def main(argv=None):
    package = ROOT / "python" / "crmkit"
    with tempfile.TemporaryDirectory() as tmp:
        tour = []
        blocks = readme_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
        # The web-app snippets are fragments of a Flask app and a Django settings file, run by
        # their own tests (tests/python/test_flask.py, test_django_example.py); the tour is checked.
        blocks = [b for b in blocks if "crmkit.flask" not in b and "crmkit.django" not in b]
        for i, block in enumerate(blocks):
            path = pathlib.Path(tmp) / f"readme_tour_{i}.py"
            path.write_text(block, encoding="utf-8")
            tour.append(str(path))
        if not tour:
            print("README.md has no ```python block to check", file=sys.stderr)
            return 1
        files = [str(package / "__init__.pyi"), str(package / "_crmkit.pyi"), str(package / "table.py"),
                 str(package / "_records.py")] + tour + sorted(str(p) for p in (ROOT / "examples").glob("*.py"))
        cmd = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
               "--python-version", "3.10", *(argv or []), *files]
        env = {"MYPYPATH": str(ROOT / "python"), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(cmd, env=env, cwd=tmp)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
