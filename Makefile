# Set-up and the two everyday jobs. `make report` and `make test` each do the whole set-up
# first (Debian packages when run as root, a virtual environment, the package and its test
# dependencies), so they work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := poppler-utils libharfbuzz-subset0 fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 chromium

.PHONY: setup report test debian-packages clean

debian-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "install these Debian packages first: sudo apt-get install$$missing"; exit 1; fi; \
	fi

# `make report` installs only what a report needs; `make test` adds the test extras (dask: the
# batch's cluster test, pandas: Assessment.to_pandas).
$(BIN)/gdprmap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[capture]'  # capture: Playwright for `gdprmap capture` (issue #16)
	@touch $@

$(VENV)/.test-extras: $(BIN)/gdprmap
	$(BIN)/pip install -q -e '.[test,dask,pandas]'
	@touch $@

setup: debian-packages $(BIN)/gdprmap $(VENV)/.test-extras

report: debian-packages $(BIN)/gdprmap
	$(BIN)/gdprmap report examples/health-booking/capture.har -o report.pdf
	$(BIN)/gdprmap report examples/health-booking/capture.har -o report.json

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build dist report.pdf report.json
