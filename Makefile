# Two entry points: `make demo` and `make test`. Each creates .venv on first use and installs
# exactly the versions in uv.lock (`uv sync --locked` refuses a lock that no longer matches pyproject.toml).
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
# uv lives in the project's venv, so syncs keep what they did not install (--inexact) instead of removing uv itself.
SYNC := $(UV) sync --locked --inexact --quiet --python $(BIN)/python
LATEST := .venv-latest

$(UV):
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.PHONY: install install-test demo test lint bench lock-check lock-upgrade test-latest i18n

install: $(UV)
	$(SYNC)

install-test: $(UV)
	$(SYNC) --extra test

demo: install
	$(BIN)/feedhub demo

lock-check: $(UV)
	$(UV) lock --check

test: lock-check install-test
	$(BIN)/ruff check feeds accounts flows feedhub tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

# The newest releases pyproject.toml allows, in a venv of their own, so a breaking release shows
# before a fresh install meets it. Not part of CI: its result changes with every release.
test-latest: $(UV)
	python3 -m venv --clear $(LATEST)
	$(UV) pip install --quiet --refresh --upgrade --python $(LATEST)/bin/python -e '.[test]'
	$(UV) pip list --python $(LATEST)/bin/python | grep -iE '^(lxml|pandas|prefect|sqlalchemy|fastapi|boto3) '
	$(LATEST)/bin/pytest -p no:cacheprovider

# One command to move every dependency to its newest allowed release; commit the new uv.lock.
lock-upgrade: $(UV)
	$(UV) lock --upgrade

bench: install
	$(BIN)/python bench/run.py

# Re-extract every translatable text (babel.cfg), merge it into the Czech and Slovak catalogues, compile
# them. Then translate what is new or fuzzy in the .po files and run it again: tests/accounts/test_i18n.py
# fails while a text has no translation or a .mo differs from its .po.
LOCALE := accounts/locale
i18n: install-test
	$(BIN)/pybabel -q extract -F babel.cfg --no-wrap --sort-by-file --project Feedhub \
		-o $(LOCALE)/messages.pot .
	$(BIN)/pybabel -q update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-wrap
	$(BIN)/pybabel -q compile -d $(LOCALE)
