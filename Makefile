# Set-up contract: `make run` and `make test` each do the whole set-up first.
# A Python >= 3.12 is found from: an explicit PYTHON=..., then PATH, then pyenv.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { \
	  py="$$(PYTHON='$(PYTHON)' sh tools/find_python.sh)" || exit 1; \
	  echo "creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(BIN)/weishang compare scenarios/honest.toml scenarios/hoarding.toml scenarios/pyramid.toml --out results/compare --force

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) results/runs
