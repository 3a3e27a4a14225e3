# The README's two commands: `make run` (the main job on the embedded demo) and `make test`.
# Both create .venv in the checkout when it is missing and install the project into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned: the machine has its CPU wheel on disk; a looser range pulls a multi-GB
# CUDA build. The project's own `torch>=...` range is then already satisfied.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/sentiflow run

test: lint
	$(BIN)/python -m pytest -q --durations=15

# ruff (lint and the formatter's check) and the import layers (import-linter), pyproject.toml
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'  # the Trainer baselines need accelerate
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done
	$(BIN)/python benchmarks/readme_table.py  # README's table from benchmarks/results/*.json

clean:
	rm -rf $(VENV) sentiflow-home
