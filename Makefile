# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000
DB ?= sqlite:///$(CURDIR)/var/visalever.db

.PHONY: run test install install-test system-deps lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP) system-deps

## run: start the HTTP app on the committed snapshot and an embedded SQLite database, with a keyed audit
## chain (var/audit.key, made once) and its checkpoint file
run: $(STAMP)
	@mkdir -p var
	@# a new database gets a keyed chain; one made before the key existed stays unkeyed (serve says so)
	@[ -f var/audit.key ] || [ -f var/visalever.db ] || $(BIN)/visalever audit keygen --out var/audit.key
	$(BIN)/visalever serve --host $(HOST) --port $(PORT) --db $(DB) \
		$$([ -f var/audit.key ] && echo --audit-key-file var/audit.key --audit-checkpoints var/audit-checkpoints.jsonl)

## system-deps: Debian's PostgreSQL 15 and Chromium for the integration and browser tests
system-deps:
	@sh scripts/system-deps.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench

## test: install what tests need, start what they need (each suite starts its own servers), run all
test: install-test lint
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

bench: $(TEST_STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var build *.egg-info
