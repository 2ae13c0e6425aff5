"""Imported by the kill harness's fork server only: one tiny ingest, save and load warm
every lazy import and first-call cost, so each forked child pays only its own work."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rustybt import BacktestResult
from rustybt.data.catalog import Catalog, ingest
from tests.crash.scenarios import backtest, bars_frame

with tempfile.TemporaryDirectory(prefix="rustybt-warm-") as _folder:
    ingest(bars_frame("warm", 3), _folder, name="w", frequency="daily")
    Catalog(_folder).load("w")
    BacktestResult.load(backtest("warm").save(Path(_folder) / "r"))
