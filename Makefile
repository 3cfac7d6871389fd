# Set-up and the two everyday jobs. `make report` and `make test` each do the whole set-up
# first (Debian packages when run as root, a virtual environment, the package and its test
# dependencies), so they work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := poppler-utils libharfbuzz-subset0 fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 chromium
# a report needs no browser: chromium is for `gdprmap capture`/`audit` and their tests (issue 16)
REPORT_PACKAGES := $(filter-out chromium,$(DEBIAN_PACKAGES))

.PHONY: setup report test bench debian-packages report-packages clean

define install_debian
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "install these Debian packages first: sudo apt-get install$$missing"; exit 1; fi; \
	fi
endef

debian-packages:
	$(call install_debian,$(DEBIAN_PACKAGES))

report-packages:
	$(call install_debian,$(REPORT_PACKAGES))

# `make report` installs only what a report needs; `make test` adds the browser and the extras
# (capture: Playwright for `gdprmap capture`, issue 16; dask: the batch's cluster test; pandas:
# Assessment.to_pandas).
$(BIN)/gdprmap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.test-extras: $(BIN)/gdprmap
	$(BIN)/pip install -q -e '.[test,dask,pandas,capture]'
	@touch $@

# mitmproxy itself, in a folder of its own (its pinned dependencies are not gdprmap's): the
# tests write real flow files with it (importers/mitmflow.py)
MITMPROXY := $(VENV)/tools/mitmproxy
$(MITMPROXY)/.installed: $(BIN)/gdprmap
	$(BIN)/pip install -q --target $(MITMPROXY) 'mitmproxy==11.0.2'
	@touch $@

setup: debian-packages $(BIN)/gdprmap $(VENV)/.test-extras $(MITMPROXY)/.installed

report: report-packages $(BIN)/gdprmap
	$(BIN)/gdprmap report examples/health-booking/capture.har -o report.pdf
	$(BIN)/gdprmap report examples/health-booking/capture.har -o report.json

test: setup
	$(BIN)/python -m pytest -q

# issue 19: gdprmap beside json.load, orjson, ijson and haralyzer (benchmark-only extras, never
# installed by `make test`/CI); prints the README's performance table (benchmarks/compare.py)
bench: $(BIN)/gdprmap
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/compare.py --mix distinct,realistic --sizes 30000 --bodies 0 \
	    --repeat 3 --markdown

clean:
	rm -rf $(VENV) build dist report.pdf report.json
