"""The wheel a user installs: `make wheel` (scripts/build_wheel.py) builds it and repairs it into a
manylinux wheel that carries every library it needs; it installs into a fresh virtual environment
and works there with the build tree and the system's -dev libraries out of reach. Also: a user's
build does not turn warnings into errors, and the source distribution holds what a build needs."""

import json
import os
import pathlib
import re
import subprocess
import sys
import tarfile
import venv
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The size the issue set as the target; the repaired wheel was 6.4 MB when this was written.
MAX_WHEEL_BYTES = 15_000_000

# Runs inside the fresh environment: exercises the engine, the Unicode tables (NFKC case folding
# of a company name, which needs ICU's normalisation data) and the rule language, then lists every
# shared library the process mapped.
SMOKE = r"""
import json, sys

def mapped():
    return {line.split()[-1] for line in open('/proc/self/maps') if '.so' in line.split()[-1]}

before = mapped()  # the interpreter's own (its modules' libbz2, libffi, ...)
import crmkit
crm = crmkit.open(':memory:')
c = crm.customers.add(name='ＡＢＣ 科技', tags=['VIP'])
assert crm.customers.get(c.id).tags == ['VIP']
lead = crm.leads.add(name='李', company='abc 科技')
res = crm.leads.convert(lead.id)
assert (res.matched_on, res.customer.id) == ('name', c.id), (res.matched_on, res.customer.id)
assert crm.segments.count_rule('has_tag("VIP")') == 1
# The trimmed ICU data still converts GBK (a CSV detected as GB18030) and libphonenumber's
# metadata is inside: a full-width mainland number becomes E.164.
with open('客户.csv', 'wb') as f:
    f.write('客户名称,手机\n北京某某贸易有限公司,１３９ ００００ ００００\n'.encode('gbk'))
rep = crm.imports.customers('客户.csv', mapping={'客户名称': 'name', '手机': 'phone'})
assert (rep.created, rep.encoding) == (1, 'gb18030'), (rep.created, rep.encoding)
imported = crm.customers.find(name_contains='贸易').rows()[0]
assert imported['phone'] == '+8613900000000', imported['phone']
# The system time-zone database is found from the installed copy.
assert crmkit.open('tz.db', timezone='Asia/Shanghai').timezone == 'Asia/Shanghai'
libs = sorted(mapped() - before)
print(json.dumps({'crmkit': crmkit.__file__, 'extension': crmkit._crmkit.__file__, 'libs': libs}))
"""


def _clean_env():
    """The environment of a user's shell: nothing pointing into the checkout or its build."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LD_LIBRARY_PATH", "PYTHONHOME")}
    return env


def _policy_whitelist(tag):
    """The libraries the manylinux policy of `tag` lets a wheel take from the system, as auditwheel
    itself defines them."""
    import auditwheel

    policy_file = pathlib.Path(auditwheel.__file__).parent / "policy" / "manylinux-policy.json"
    for policy in json.loads(policy_file.read_text()):
        if policy["name"] == tag or tag in policy.get("aliases", []):
            return set(policy["lib_whitelist"])
    raise AssertionError(f"auditwheel knows no policy {tag}")


@pytest.fixture(scope="module")
def repaired_wheel(tmp_path_factory):
    """`scripts/build_wheel.py`, the command behind `make wheel`, into a temporary folder. It
    reuses build/wheel (incremental, and the compiler cache is shared with developer builds)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_wheel.py"), "--out", str(out)],
                   check=True, env=_clean_env(), cwd=ROOT, capture_output=True)
    (wheel,) = out.glob("crmkit-*.whl")
    return wheel


@pytest.mark.slow
def test_repaired_wheel_is_manylinux_and_small(repaired_wheel):
    tag = re.search(r"-(manylinux_\d+_\d+_x86_64)\.whl$", repaired_wheel.name)
    assert tag, f"not a manylinux wheel: {repaired_wheel.name}"
    assert repaired_wheel.stat().st_size < MAX_WHEEL_BYTES, repaired_wheel.stat().st_size
    show = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(repaired_wheel)], check=True,
                          capture_output=True, text=True).stdout
    show = " ".join(show.split())
    assert f'is consistent with the following platform tag: "{tag.group(1)}"' in show
    assert "external shared libraries are required" not in show
    # Every library the extension needs beyond the policy's system libraries is inside the wheel,
    # and ICU's data is the trimmed one, not Debian's 31 MB library.
    with zipfile.ZipFile(repaired_wheel) as z:
        sizes = {pathlib.PurePath(i.filename).name: i.file_size for i in z.infolist()}
    (icudata,) = [n for n in sizes if n.startswith("libicudata")]
    assert sizes[icudata] < 1_000_000


@pytest.mark.slow
def test_repaired_wheel_works_in_a_fresh_venv(repaired_wheel, tmp_path):
    env = _clean_env()
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(repaired_wheel)], check=True, env=env,
                   cwd=tmp_path)
    smoke = subprocess.run([str(python), "-c", SMOKE], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert smoke.returncode == 0, smoke.stderr
    out = smoke.stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["crmkit"].startswith(str(target))  # the installed copy, not the source tree
    tag = re.search(r"-(manylinux_\d+_\d+_x86_64)\.whl$", repaired_wheel.name).group(1)
    allowed = _policy_whitelist(tag.removesuffix("_x86_64")) | {"ld-linux-x86-64.so.2", "linux-vdso.so.1"}
    # What the dynamic loader resolves for the installed extension, in a user's environment:
    # everything beyond the policy's system libraries comes from the wheel.
    ldd = subprocess.run(["ldd", report["extension"]], check=True, env=env, capture_output=True, text=True).stdout
    resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
    assert any("libicuuc" in name for name in resolved) and any("libsqlite3" in name for name in resolved)
    outside = {name: path for name, path in resolved.items()
               if not path.startswith(str(target)) and name not in allowed}
    assert outside == {}, f"resolved from the system, not the wheel: {outside}"
    # And at run time the process used the wheel's copies.
    used = [lib for lib in report["libs"] if re.search(r"/lib(icu|sqlite3|spdlog|crypto)", lib)]
    assert used and all(lib.startswith(str(target)) for lib in used), used

def test_a_users_build_does_not_treat_warnings_as_errors(tmp_path):
    """A default configure (what `pip install` runs) compiles without -Werror; our builds opt in."""
    import pybind11

    def flags(*defines):
        build = tmp_path / ("werror" if defines else "default")
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-G", "Ninja", "-DCRMKIT_BUILD_PYTHON=ON",
                        f"-Dpybind11_DIR={pybind11.get_cmake_dir()}", f"-DPython_EXECUTABLE={sys.executable}",
                        "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", *defines],
                       check=True, capture_output=True, env=_clean_env())
        return [c["command"] for c in json.loads((build / "compile_commands.json").read_text())]

    default = flags()
    assert default and not any("-Werror" in c for c in default)
    assert all("-Werror" in c for c in flags("-DCRMKIT_WERROR=ON") if "/cpp/src/" in c)


def test_the_source_distribution_holds_what_a_build_needs(tmp_path):
    """`pip install crmkit-*.tar.gz` on Debian with the -dev packages builds from these files."""
    make = "import sys; from scikit_build_core.build import build_sdist; print(build_sdist(sys.argv[1]))"
    name = subprocess.run([sys.executable, "-c", make, str(tmp_path)], check=True, cwd=ROOT, env=_clean_env(),
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with tarfile.open(tmp_path / name) as t:
        names = {pathlib.PurePosixPath(n).relative_to(pathlib.PurePosixPath(n).parts[0]).as_posix()
                 for n in t.getnames() if len(pathlib.PurePosixPath(n).parts) > 1}
    for needed in ("CMakeLists.txt", "pyproject.toml", "README.md", "cpp/src/core/text.cpp",
                   "cpp/include/crmkit/crm.hpp", "cpp/bindings/module.cpp", "python/crmkit/__init__.py",
                   "python/crmkit/datasets/cdnow.txt.gz"):
        assert needed in names, needed
    assert not any(n.startswith(("build/", ".venv/")) for n in names)
