# Two commands for a new user:
#   make run    install, build, migrate, seed the demo and serve on http://127.0.0.1:5000
#   make test   install what the tests need and run the whole suite
# Both are safe to repeat; installs happen only when their inputs changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
export FLASK_APP := otto

.PHONY: run test pwa lint audit

# The system packages are installed again whenever the script that lists them changes.
$(STAMPS)/system-run: scripts/system-deps.sh
	@mkdir -p $(STAMPS)
	scripts/system-deps.sh run
	@touch $@

$(STAMPS)/system-test: scripts/system-deps.sh
	@mkdir -p $(STAMPS)
	scripts/system-deps.sh test
	@touch $@

$(STAMPS)/venv: pyproject.toml | $(STAMPS)/system-run
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# The field app, once pwa/ exists.
pwa:
	@if [ -f pwa/package.json ]; then cd pwa && npm ci --no-audit --no-fund && npm run build; fi

run: $(STAMPS)/venv pwa
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "Serving on http://127.0.0.1:5000 (log in as samordnare)"
	OTTO_RUN_SCHEDULER=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

lint: $(STAMPS)/venv
	$(BIN)/ruff check otto tests bench
	$(BIN)/ruff format --check otto tests bench
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive otto
	$(BIN)/lint-imports

# The OpenID Connect provider the single sign-on tests run (tests/oidc, oidc-provider from
# npm), installed again whenever its lock file changes.
$(STAMPS)/oidc-provider: tests/oidc/package-lock.json
	@mkdir -p $(STAMPS)
	cd tests/oidc && npm ci --no-audit --no-fund
	@touch $@

# The suite on two worker processes (pytest-xdist; -n auto is capped at two in
# tests/conftest.py): the browser tests stay together on one worker, since they share a live
# server whose data they change (--dist loadgroup); the rest go one test at a time to the
# worker that is free. `$(BIN)/pytest` alone runs serially, as does `-n auto` given only files.
test: $(STAMPS)/venv $(STAMPS)/system-test pwa lint $(STAMPS)/oidc-provider
	cd pwa && npm test
	$(BIN)/pytest -n auto --dist loadgroup

# Known vulnerabilities in the installed Python packages and the field app's runtime
# packages. Reported, not part of `make test` (the answer changes with each advisory).
audit: $(STAMPS)/venv
	@status=0; \
	$(BIN)/pip-audit --strict --skip-editable || status=1; \
	cd pwa && npm audit --omit=dev || status=1; \
	exit $$status
