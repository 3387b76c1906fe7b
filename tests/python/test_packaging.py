"""`pip wheel .` with normal build isolation produces a wheel that installs and imports in a fresh
virtual environment (the Debian C++ libraries are linked dynamically and must be present)."""

import os
import pathlib
import subprocess
import sys
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv(tmp_path):
    wheels = tmp_path / "wheels"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                   check=True, env=env, cwd=tmp_path)
    (wheel,) = wheels.glob("crmkit-*.whl")
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, env=env, cwd=tmp_path)
    script = (
        "import crmkit\n"
        "crm = crmkit.open(':memory:')\n"
        "c = crm.customers.add(name='上海某某科技有限公司', tags=['VIP'])\n"
        "assert crm.customers.get(c.id).tags == ['VIP']\n"
        "print(crmkit.__file__)\n"
    )
    out = subprocess.run([str(python), "-c", script], check=True, env=env, cwd=tmp_path,
                         capture_output=True, text=True).stdout
    assert str(target) in out  # imported from the fresh environment, not the source tree
