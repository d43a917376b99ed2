# Safer Options Atlas: `make run` starts the dashboard, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed
ASSETS_STAMP := static/vendor/.installed
PORT ?= 8501

.PHONY: run test install assets demo lint typecheck unit bench clean

run: install demo ## create .venv, install, build the demo store, create the first admin, start the dashboard
	$(PY) -m layers users init-admin
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

test: $(DEV_STAMP) $(ASSETS_STAMP) lint typecheck unit ## lint, type checks and all tests

install: $(RUN_STAMP) $(ASSETS_STAMP)

$(RUN_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt $(RUN_STAMP)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

assets: $(ASSETS_STAMP)

$(ASSETS_STAMP): frontend/package.json scripts/install_assets.py | $(RUN_STAMP)
	$(PY) scripts/install_assets.py

demo: $(RUN_STAMP)
	$(PY) -m layers demo

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy

unit: $(DEV_STAMP) $(ASSETS_STAMP)
	$(VENV)/bin/pytest -n 2 --dist loadfile

bench: $(DEV_STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) static/vendor frontend/node_modules .mypy_cache .ruff_cache .pytest_cache
