"""A live restart pays its imports before the first decision: the live runner's
path must not import what it does not need then (pipelines, the health server's
HTTP stack, asyncio), so they stay lazy."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from rustybt.engine.strategy import load_strategy_file
from rustybt.live.feeds import ReplayFeed
from rustybt.live.paper import PaperBroker
from rustybt.live.runner import LiveRunner
heavy = ("rustybt.pipeline", "http.server", "asyncio", "matplotlib", "scipy", "plotly",
         "statsmodels", "rustybt.report", "rustybt.analytics.plots", "prometheus_client")
print(sorted(name for name in heavy if name in sys.modules))
"""


def test_the_live_path_imports_nothing_it_needs_only_later() -> None:
    done = subprocess.run(  # our own interpreter, fixed code
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
