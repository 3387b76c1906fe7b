"""The Django example's tests run under Django's own test runner (manage.py test)."""

import os
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("django")

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_django_example_under_the_django_test_runner(tmp_path):
    import crmkit

    # The child runs in the example's folder: it finds this crmkit by an absolute path.
    package_root = os.path.abspath(os.path.dirname(os.path.dirname(crmkit.__file__)))
    pythonpath = os.pathsep.join([package_root] + [os.path.abspath(p) for p in
                                                   os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    env = dict(os.environ, CRMKIT_DATABASE=str(tmp_path / "unused.db"), PYTHONPATH=pythonpath)
    proc = subprocess.run([sys.executable, "manage.py", "test", "sales", "--noinput", "-v", "2"],
                          cwd=ROOT / "examples" / "django_app", env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK" in proc.stderr and "FAILED" not in proc.stderr
    assert " ok" in proc.stderr  # each test's line, at verbosity 2
