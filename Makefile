# Two entry points: `make run` (the application) and `make test` (lint + the whole test suite).
# Both create .venv on first use; later calls reuse it and start in seconds.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Installed before the project so that pip keeps it: a bare `torch` requirement resolved from
# scratch would pull a multi-GB CUDA build. pyproject.toml's torch range includes this version.
TORCH_VERSION ?= 2.13.0
STAMP := $(VENV)/.installed

.PHONY: run test lint venv clean

# First: are the system libraries Qt's X11 plugin loads installed? Says which are missing and the
# command that installs them (and, as root on Debian/Ubuntu, installs them).
run: $(STAMP)
	@$(BIN)/python -m app.gui.platform_check --install
	$(BIN)/imitation-studio

test: $(STAMP)
	$(BIN)/ruff check app core tests
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check app core tests
	$(BIN)/ruff format --check app core tests

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
