# Two commands do everything: `make demo` and `make test`. Only Python 3.11+ and make are assumed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_CASE ?= policy/examples/orientation-mds-automatique.yaml
DEMO_DECISION ?= orientation_organisme

.PHONY: demo test check lint bench bench-batch clean help

help:
	@echo "make demo   set up .venv and explain an example case"
	@echo "make test   set up .venv and run the whole test suite"
	@echo "make lint   ruff, mypy and the import-layer contracts"
	@echo "make bench  single-case speed benchmark"
	@echo "make bench-batch  caseload speed and memory benchmark (10^5 and 10^6 persons)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "policy-engine needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/policy check
	$(BIN)/policy explain $(DEMO_CASE) $(DEMO_DECISION)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check engine tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_single_case.py

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
