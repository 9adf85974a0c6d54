# nianbao — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8001

.PHONY: install system-deps demo sample-site test fuzz lint bench serve clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

# Debian packages the converters, OCR and browser tests need (LibreOffice, tesseract, chromium,
# CJK fonts). Idempotent: installs only what is missing; needs root (or sudo) and apt-get.
system-deps:
	@sh .ci/system-deps.sh

# The whole pipeline on the bundled sample portal (archive/sample: no LibreOffice, no network).
demo: install
	$(BIN)/nianbao demo --port $(PORT)

# Re-export the bundled sample portal (archive/sample/site/) from the test generator
# (tests/portalgen); PDF attachments whose source changed are printed by LibreOffice.
sample-site: install
	PYTHONPATH=tests $(BIN)/python -m portalgen.export archive/sample/site

test: install system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

# The long fuzzing run (issue 12): ≥ 10,000 mutated documents of every carrier, hostile documents,
# damaged WARC files, corrupt databases; ~30 min on 2 cores.  FUZZ_ARGS="--inputs 2000 --seed 5" …
fuzz: install system-deps
	$(BIN)/python tests/fuzz/run.py $(FUZZ_ARGS)

# Style, types and layering: ruff (lint + format), mypy on the product packages, import contracts.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install system-deps
	$(BIN)/python tests/bench/run.py

serve: install
	$(BIN)/nianbao serve --port $(PORT)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis test-output bench-output
