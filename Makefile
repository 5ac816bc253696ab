# Two entry points: `make demo` and `make test`. Each creates .venv on first use.
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv

$(UV):
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

.PHONY: install install-test demo test lint bench

install: $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -e .

install-test: $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -e '.[test]'

demo: install
	$(BIN)/feedhub demo

test: install-test
	$(BIN)/ruff check feeds accounts flows feedhub tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run.py
