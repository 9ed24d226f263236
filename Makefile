# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB := $(or $(PILOT_DB),data/pilot_cities.duckdb)

.PHONY: run test bench lint format setup clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(DB): | $(VENV)/.installed
	$(PY) -m metrics init --db $(DB)

run: setup $(DB)
	$(PY) -m ui.serve  # streamlit run dashboard.py, with the app's modules loaded before the first visit

test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n 2  # two workers: the browser tests mostly wait on servers

bench: setup  # the performance benchmark (a few minutes): scales 1, 10 and 100, imports, the deck, the browser
	$(PY) benchmarks/run.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
