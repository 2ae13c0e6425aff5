# Everything a fresh machine needs, from Python 3.11+ and PyPI alone.
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(VENV)/bin
# `make demo` gets its own environment with the runtime and the plot extra only
# (the tearsheet); the dev toolchain is installed by the other targets, into .venv.
DEMO_VENV := .venv-demo
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_COMPILE_BYTECODE := 1
export NO_MKDOCS_2_WARNING := 1

.PHONY: demo test env lint typecheck security audit advisory-db pytest bench bench-compare docs clean fuzz crash-soak soak

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==0.13.9"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --extra dev --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

$(DEMO_VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(DEMO_VENV) $(UV) sync --locked --no-dev --extra plot --python $(PYTHON)
	touch $@

demo: $(DEMO_VENV)/.synced
	$(DEMO_VENV)/bin/rustybt demo

lint: env
	$(RUN)/ruff check src tests benchmarks examples
	$(RUN)/ruff format --check src tests benchmarks examples

typecheck: env
	$(RUN)/mypy --strict src/rustybt

# Static security scan; medium or high findings fail the build (see docs/security.md).
security: env
	$(RUN)/bandit -q -r src -c pyproject.toml --severity-level medium --confidence-level medium

# Known vulnerabilities in the locked dependencies (docs/security.md, "Dependency audit").
# Both forms audit uv.lock exported with hashes; neither is part of `make test` (network).
# - With ADVISORY_DB (a checkout of github.com/pypa/advisory-database, or any folder of
#   OSV records, e.g. fetched by `make advisory-db`): matched offline, no network.
# - Otherwise pip-audit asks PyPI's per-version JSON API (pypi.org/pypi/NAME/VERSION/json),
#   which must be reachable.
ADVISORY_DB ?= $(TOOLS)/advisory-database
AUDIT_REQUIREMENTS := $(TOOLS)/audit-requirements.txt
audit: env
	$(UV) export --locked --all-extras --no-emit-project --format requirements-txt \
		--quiet --output-file $(AUDIT_REQUIREMENTS)
	@if [ -d "$(ADVISORY_DB)" ]; then \
		echo "auditing against the advisory database in $(ADVISORY_DB)"; \
		$(RUN)/python -m rustybt.ops.advisories --requirements $(AUDIT_REQUIREMENTS) --db $(ADVISORY_DB); \
	else \
		$(RUN)/pip-audit --strict --disable-pip --require-hashes --vulnerability-service pypi \
			--requirement $(AUDIT_REQUIREMENTS); \
	fi

# The PyPA advisory database for an offline `make audit` (needs github.com once).
advisory-db:
	rm -rf $(ADVISORY_DB)
	git clone --depth 1 https://github.com/pypa/advisory-database $(ADVISORY_DB)

pytest: env
	$(RUN)/pytest -n 2

test: lint typecheck security docs pytest

# The ingest fuzz harness over many more generated inputs than `make test` runs.
fuzz: env
	$(RUN)/python benchmarks/ingest_fuzz.py 3000

# The kill harness at length: every named crash point, then KILLS random SIGKILLs per
# scenario (result save, catalog ingest, audit log); `make test` runs a few of each.
KILLS ?= 200
crash-soak: env
	$(RUN)/python -m tests.crash.soak --kills $(KILLS)

# The trading soak (issue 9): the live runner under kills and broker faults for
# SECONDS of bars; exits non-zero unless no order was lost or duplicated (docs/soak.md).
SECONDS ?= 1800
SEED ?= 1
STANDBYS ?= 0
soak: env
	$(RUN)/rustybt soak --seconds $(SECONDS) --seed $(SEED) --standbys $(STANDBYS) --json soak-$(SECONDS)s-seed$(SEED).json

# Every engine speed case, the one-year minute case (about a minute per run) included.
bench: env
	$(RUN)/python benchmarks/engine_speed.py --all

bench-compare: env
	$(MAKE) -C benchmarks compare

docs: env
	$(RUN)/mkdocs build --strict --quiet

clean:
	rm -rf $(VENV) $(DEMO_VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache site
