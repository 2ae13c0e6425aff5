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

.PHONY: demo test env lint typecheck security audit pytest bench bench-compare docs clean fuzz crash-soak soak

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

# Known vulnerabilities in the locked dependencies. Needs network access to PyPI's
# vulnerability data, so it is not part of `make test` and cannot pass offline.
audit: env
	$(UV) export --locked --all-extras --no-emit-project --format requirements-txt \
		--quiet --output-file $(TOOLS)/audit-requirements.txt
	$(RUN)/pip-audit --strict --disable-pip --require-hashes \
		--requirement $(TOOLS)/audit-requirements.txt

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

bench: env
	$(RUN)/python benchmarks/engine_speed.py

bench-compare: env
	$(MAKE) -C benchmarks compare

docs: env
	$(RUN)/mkdocs build --strict --quiet

clean:
	rm -rf $(VENV) $(DEMO_VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache site
