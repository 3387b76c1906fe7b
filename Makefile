# The commands a person types. Everything runs through .venv/bin/python; `make deps` installs
# whatever is missing (Debian's C++ libraries, then the Python environment) and nothing more.
SHELL := /bin/bash
PY := .venv/bin/python
BUILD_DIR := build/py
DEB_PACKAGES := g++ make libsqlite3-dev libsqlitecpp-dev nlohmann-json3-dev libspdlog-dev \
	libfmt-dev libssl-dev libnlopt-cxx-dev libicu-dev libphonenumber-dev zlib1g-dev \
	libgtest-dev ccache

.PHONY: all deps deb-deps build demo test test-cpp test-python bench clean stubs

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
	  "phonenumbers>=8.13"
	@touch $@

# The real package build (scikit-build-core driving CMake), kept in build/py so that rebuilds are
# incremental; the same CMake tree also builds the GoogleTest binaries that ctest runs.
build: deps
	$(PY) -m pip install -q --no-build-isolation --no-deps \
	  -Cbuild-dir=$(BUILD_DIR) -Ccmake.define.CRMKIT_BUILD_TESTS=ON -Ccmake.define.CRMKIT_BUILD_BENCH=ON .

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

bench: build
	$(PY) bench/run.py

clean:
	rm -rf build dist *.egg-info .pytest_cache demo.db demo.db-wal demo.db-shm

# Regenerates the type stubs from the built extension (commit the result).
stubs: build
	$(PY) -m pip install -q pybind11-stubgen
	$(PY) scripts/gen_stubs.py
