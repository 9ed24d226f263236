# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB := $(or $(PILOT_DB),data/pilot_cities.duckdb)
UV := $(VENV)/bin/uv
# uv installs the pinned packages far quicker than pip does (see the README's "Dependencies").
UV_VERSION := 0.13.9
INSTALL := $(UV) pip install --quiet --python $(PY)
# Python keeps the modules it compiles (where the environment says not to, every process would compile them again).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-fast pytest lint format bench screenshots setup setup-dev clean

setup: $(VENV)/.installed  # what running needs

setup-dev: $(VENV)/.installed-dev  # and what the tests, lint and the benchmark need

$(UV):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: requirements.txt | $(UV)
	$(INSTALL) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(INSTALL) -r requirements-dev.txt
	touch $@

ifeq ($(findstring ://,$(DB)),)
DATABASE := $(DB)
$(DB): | $(VENV)/.installed
	$(PY) -m metrics init --db $(DB)
else  # a PostgreSQL database (PILOT_DB=postgresql://…) is no file for make to see: created unless it is there
DATABASE := postgres-database
.PHONY: postgres-database
postgres-database: | $(VENV)/.installed
	$(PY) -m metrics init --db '$(DB)' --if-missing
endif

run: setup $(DATABASE)
	$(PY) -m ui.serve  # streamlit run dashboard.py, with the app's modules loaded before the first visit

test: setup-dev  # everything, as CI runs it: lint and the type check beside the tests
	$(MAKE) --no-print-directory -j2 lint pytest

test-fast: setup-dev  # the edit loop: no browser, kill, benchmark or slow tests
	$(MAKE) --no-print-directory -j2 lint pytest PYTEST_ARGS='-m "not browser and not kill and not benchmark and not slow"'

# The tests of storage, uploads, undo, concurrency and kills run on PostgreSQL too: on $PILOT_TEST_PG, else on a
# throwaway server tools/postgres.sh starts from the installed PostgreSQL; without one they say what they skipped.
pytest: setup-dev
	PILOT_TEST_PG=$${PILOT_TEST_PG:-$$(tools/postgres.sh start 2>/dev/null)} $(PY) -m pytest -n 2 --dist worksteal $(PYTEST_ARGS)

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: setup-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: setup-dev  # the performance benchmark (a few minutes); `make bench BENCH=--save` writes docs/performance.md
	$(PY) benchmarks/run.py $(BENCH)
	$(PY) benchmarks/load.py $(BENCH)
	PILOT_TEST_PG=$${PILOT_TEST_PG:-$$(tools/postgres.sh start 2>/dev/null)}; \
	if [ -n "$$PILOT_TEST_PG" ]; then PILOT_TEST_PG=$$PILOT_TEST_PG $(PY) benchmarks/load.py --engine postgres \
	  --officers 50 100 --processes 1 2 $(BENCH); else echo "No PostgreSQL server: its load runs skipped."; fi

screenshots: setup-dev  # every page at 1280x720 and 1920x1080 in both languages, and the README's images
	$(PY) tools/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
