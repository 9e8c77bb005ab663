# Two commands: `make run` (the demo) and `make test` (the whole suite). See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test test-unit lint bench fuzz install clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py rundemo

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest -m unit $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache

bench: install
	$(PY) -m tests.bench.run

# schemathesis against the live portal with a token per role; FUZZ_ARGS="--seconds 20 --examples 10" for a short pass
fuzz: install
	$(PY) -m tests.fuzz.run $(FUZZ_ARGS)

clean:
	rm -rf var staticfiles test-artifacts db.sqlite3
