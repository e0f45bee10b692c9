# Two commands for a fresh machine:  make demo   |   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench clean browser-deps docs view-assets

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing python3-venv" >&2; \
	  rm -rf $(VENV); \
	  if command -v apt-get >/dev/null; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3-venv >/dev/null; \
	  fi; \
	  $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP) $@

demo: $(STAMP)
	$(BIN)/kg build seeds/ --out build/
	@echo
	@echo "Outputs:"
	@echo "  build/graph.ttl       the knowledge graph (Turtle)"
	@echo "  build/graph.html      interactive view: open it in a browser"
	@echo "  build/entities.jsonl  one line per article with its entities"
	@echo "Try:  $(BIN)/kg query build/graph.ttl facilities-in-district"
	@echo 'To type bare kg:  . $(BIN)/activate   (or export PATH=$$PWD/$(BIN):$$PATH)'

browser-deps:
	@bash scripts/install-browser.sh

# refresh sigma.js and graphology in kg/view/static (npm pack; versions: SIGMA=… GRAPHOLOGY=…)
view-assets:
	@sh scripts/update-sigma.sh

test: $(DEVSTAMP) browser-deps
	$(BIN)/pytest -q

# ruff on all the code, mypy on kg/ ([tool.mypy] in pyproject.toml)
lint: $(DEVSTAMP)
	$(BIN)/ruff check kg tests benchmarks scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py

# the notebook executed, with its charts, as docs/explore.html (committed)
docs: $(DEVSTAMP)
	$(BIN)/jupyter nbconvert --to html --execute notebooks/explore.ipynb \
	  --ExecutePreprocessor.timeout=600 --output-dir docs --output explore

clean:
	rm -rf build .pytest_cache
