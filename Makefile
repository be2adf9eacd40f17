# The two commands a person needs: `make run` and `make test`. Both set everything up in .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak fuzz screenshots serve demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q app engine widgets
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/schedtop

serve: $(STAMP)
	$(BIN)/schedtop serve

demo: $(STAMP)
	$(BIN)/python -m engine --demo

lint: $(STAMP)
	$(BIN)/ruff check app engine widgets tests bench
	$(BIN)/ruff format --check app engine widgets tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# The browser tests drive Debian's chromium (tests/test_web_browser.py); a fresh machine gets it here.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# The suite runs on one worker per core (at most four): tests own their ports, folders and tmux servers.
# `--dist loadgroup` keeps the tests marked `xdist_group` on one worker. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
test: lint $(CHROMIUM)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadgroup

bench: $(STAMP)
	$(BIN)/python -m bench

soak: $(STAMP)
	SCHEDTOP_SOAK=1 $(BIN)/python -m pytest -m soak

fuzz: $(STAMP)
	SCHEDTOP_FUZZ_CASES=400 SCHEDTOP_FUZZ_SEED=$$RANDOM $(BIN)/python -m pytest -s tests/test_http_fuzz.py tests/test_http_schemathesis.py

screenshots: $(STAMP)
	$(BIN)/python -m app.screenshots screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
