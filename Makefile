# Two commands do everything: `make demo` and `make test`. Only Python 3.11+ and make are assumed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_CASE ?= policy/examples/orientation-mds-automatique.yaml
DEMO_DECISION ?= orientation_organisme

.PHONY: demo test check lint bench clean help i18n

help:
	@echo "make demo   set up .venv and explain an example case"
	@echo "make test   set up .venv and run the whole test suite"
	@echo "make lint   ruff, mypy and the import-layer contracts"
	@echo "make bench  single-case speed benchmark"
	@echo "make i18n   extract messages, update the fr/en catalogues, compile them (Babel)"

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
	$(BIN)/ruff check engine tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports

# Messages: extract every _()/N_()/ngettext() text, merge into both catalogues, fill the English one
# from the ids, compile the .mo files that ship with the package. Then translate the new French entries
# (empty msgstr) in engine/locale/fr/LC_MESSAGES/policy.po and run `make i18n` again.
LOCALE := engine/locale
i18n: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output --project policy-engine -o $(LOCALE)/policy.pot engine
	$(BIN)/pybabel update --ignore-obsolete --no-fuzzy-matching --width 120 -D policy \
		-i $(LOCALE)/policy.pot -d $(LOCALE)
	$(BIN)/python tools/i18n_english.py $(LOCALE)/en/LC_MESSAGES/policy.po
	$(BIN)/pybabel compile -D policy -d $(LOCALE) --statistics
	rm -f $(LOCALE)/policy.pot

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_single_case.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
