# Everything a fresh machine needs, from Python 3.11+ and PyPI alone.
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test env lint typecheck pytest bench bench-compare docs clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==0.13.9"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --extra dev --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

demo: env
	$(RUN)/rustybt demo

lint: env
	$(RUN)/ruff check src tests benchmarks examples
	$(RUN)/ruff format --check src tests benchmarks examples

typecheck: env
	$(RUN)/mypy --strict src/rustybt

pytest: env
	$(RUN)/pytest -n 2

test: lint typecheck pytest

bench: env
	$(RUN)/python benchmarks/engine_speed.py

bench-compare: env
	$(MAKE) -C benchmarks compare

docs: env
	$(RUN)/mkdocs build --strict

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache site
