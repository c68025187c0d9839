# 众筹微治 — two commands for a new machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) backend/manage.py
PYTEST_ARGS ?=

.PHONY: run test bootstrap lint check messages bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

bootstrap: $(STAMP)

# Starts the embedded Redis, migrates, loads the demo data once, then the worker, beat,
# the local Stripe server and the web server (backend/core/management/commands/runplatform.py).
run: $(STAMP)
	$(MANAGE) runplatform

test: $(STAMP)
	$(PY) -m ruff check .
	$(MANAGE) makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Regenerate the English catalogues after changing strings (needs GNU gettext); the compiled
# .mo files are committed so a fresh machine does not need gettext.
messages: $(STAMP)
	./scripts/messages.sh

clean:
	rm -rf var
