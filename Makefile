# crosswire: `make demo` and `make test` work on a fresh machine (they create .venv themselves).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/crosswire --db demo-out/crosswire.db analyze demo/corpus \
		--json demo-out/report.json --markdown demo-out/report.md --html demo-out/report.html
	@echo "Report written to demo-out/report.html (also .md and .json)"

lint: $(STAMP)
	$(BIN)/ruff check crosswire tests benchmarks
	$(BIN)/ruff format --check crosswire tests benchmarks

test: $(STAMP) lint
	@scripts/ensure-chromium
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) demo-out
