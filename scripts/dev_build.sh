#!/usr/bin/env bash
# A private development build: compiles the core, the extension and the C++ tests into
# build/dev-NAME and assembles an importable package there, so that several people (or several
# checkouts' worth of work) can build and test side by side without reinstalling the shared .venv.
#
#   scripts/dev_build.sh NAME            # then:
#   ctest --test-dir build/dev-NAME --output-on-failure
#   PYTHONPATH=build/dev-NAME/pkg .venv/bin/python -m pytest tests/python/test_x.py
set -euo pipefail
name=${1:?usage: scripts/dev_build.sh NAME}
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build/dev-$name"
mkdir -p "$root/build"
py="$root/.venv/bin/python"
pybind11_dir=$("$py" -c "import pybind11; print(pybind11.get_cmake_dir())")
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRMKIT_BUILD_PYTHON=ON -DCRMKIT_BUILD_TESTS=ON -DCRMKIT_WERROR=ON \
  -Dpybind11_DIR="$pybind11_dir" -DPython_EXECUTABLE="$py" > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
cmake --build "$dir" -j 2
mkdir -p "$dir/pkg/crmkit"
for f in "$root"/python/crmkit/*; do ln -sf "$f" "$dir/pkg/crmkit/"; done
ln -sf "$dir"/_crmkit*.so "$dir/pkg/crmkit/"
echo "built $dir; use PYTHONPATH=$dir/pkg"
