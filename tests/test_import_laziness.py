"""`import rustybt` is cheap: public names load on first use, and nothing heavy
(pydantic, structlog, asyncio, ssl, scipy, matplotlib, polars) loads with it or with
a plain backtest. Each check runs in a fresh interpreter (this process has imported
everything already). Its time is measured by benchmarks/engine_speed.py."""

from __future__ import annotations

import json
import subprocess
import sys

import rustybt

HEAVY = ("pydantic", "structlog", "asyncio", "ssl", "scipy", "matplotlib", "polars", "jinja2")


def _fresh(code: str) -> dict[str, object]:
    """Run ``code`` in a new interpreter; it leaves its answer in ``out``."""
    script = f"import json, sys\nout = {{}}\n{code}\nprint(json.dumps(out))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_import_rustybt_loads_no_engine_and_nothing_heavy() -> None:
    out = _fresh(
        "import rustybt\n"
        "out['loaded'] = sorted(m for m in sys.modules if m.startswith('rustybt'))\n"
        f"out['heavy'] = [m for m in {HEAVY!r} if m in sys.modules]"
    )
    assert out["loaded"] == ["rustybt"]
    assert out["heavy"] == []


def test_every_public_name_imports_and_is_the_defining_modules_object() -> None:
    out = _fresh(
        "import importlib, rustybt\n"
        "names = list(rustybt.__all__)\n"
        "out['missing'] = [n for n in names if n not in dir(rustybt)]\n"
        "out['same'] = {}\n"
        "for name in names:\n"
        "    exec(f'from rustybt import {name} as value')\n"
        "    home = rustybt._LAZY.get(name)\n"
        "    out['same'][name] = home is None or value is getattr(importlib.import_module(home), name)\n"
        "try:\n"
        "    rustybt.not_a_name\n"
        "except AttributeError as error:\n"
        "    out['error'] = str(error)"
    )
    assert out["missing"] == []
    assert out["same"] == dict.fromkeys(rustybt.__all__, True)
    assert out["error"] == "module 'rustybt' has no attribute 'not_a_name'"


def test_a_backtest_with_default_validation_loads_nothing_heavy() -> None:
    out = _fresh(
        "from rustybt import Strategy, run_backtest\n"
        "from rustybt.data.synthetic import benchmark_panel\n"
        "class Hold(Strategy):\n"
        "    def handle_data(self, context, data):\n"
        "        context.order_target_percent(context.assets[0], 0.5)\n"
        "result = run_backtest(Hold(), benchmark_panel(2, 60))\n"
        "out['checked'] = result.metadata['data_issues']['checked']\n"
        f"out['heavy'] = [m for m in {HEAVY!r} if m in sys.modules]"
    )
    assert out["checked"] is True
    assert out["heavy"] == []


def test_validation_names_load_lazily_from_their_modules() -> None:
    out = _fresh(
        "import rustybt.data.validation as v\n"
        "out['before'] = 'pydantic' in sys.modules\n"
        "from rustybt.data.validation import ValidationConfig, check_panel\n"
        "from rustybt.data.validation.config import ValidationConfig as home\n"
        "out['same'] = ValidationConfig is home\n"
        "out['after'] = 'pydantic' in sys.modules\n"
        "out['all'] = all(hasattr(v, n) for n in v.__all__)"
    )
    assert out == {"before": False, "same": True, "after": True, "all": True}
