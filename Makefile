# Set-up contract: `make run` and `make test` each do the whole set-up first.
# A Python >= 3.12 is found from: an explicit PYTHON=..., then PATH, then pyenv.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser page's scripts, from the npm registry, for machines that cannot reach the CDN.
ASSETS := .solara_cdn/requirejs@2.3.6/require.js

.PHONY: setup run test lint bench clean chromium

setup: $(STAMP) $(ASSETS) chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { \
	  py="$$(PYTHON='$(PYTHON)' sh tools/find_python.sh)" || exit 1; \
	  echo "creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(ASSETS): $(STAMP) tools/fetch_solara_assets.sh sim/viz/echarts.py
	sh tools/fetch_solara_assets.sh $(BIN)/python .solara_cdn
	@touch $(ASSETS)

# Debian's Chromium for the real-browser test (Playwright's own browser download fails here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (the browser test is skipped without it)"; fi; }

# Into results/runs/ (git-ignored): a run never dirties the checkout. The committed results/compare is
# the same command with --out results/compare (same tables and figures from the same code).
run: setup
	$(BIN)/weishang compare honest hoarding pyramid --out results/runs/compare --force

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) results/runs .solara_cdn
