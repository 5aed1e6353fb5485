# Two commands for a fresh machine with only Python 3.11+ and make:
#   make run   -> .venv, install, sync the bundled example feeds into ./vault (offline)
#   make test  -> .venv if needed, run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench bench-all clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	@test -d vault/.obsidian || $(BIN)/kbsync init vault
	$(BIN)/kbsync sync

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/bench_sync.py

bench-all: $(STAMP)   # every bench/bench_*.py; rewrites the results in bench/README.md
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) vault .kbsync
