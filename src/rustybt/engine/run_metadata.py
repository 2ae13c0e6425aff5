"""What a run's result records about itself: the metadata, the order table's columns,
and the marks of a run that failed."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import to_utc_timestamp
from rustybt.engine.orders import ORDER_COLUMNS
from rustybt.engine.result import BacktestResult, asset_record
from rustybt.engine.versions import versions
from rustybt.errors import StrategyError
from rustybt.security.masking import mask_value

if TYPE_CHECKING:
    from rustybt.engine.runner import _Run

__all__ = ["ORDER_COLUMNS", "mark_failed", "run_metadata"]


def run_metadata(run: _Run, end: pd.Timestamp, marks: dict[Asset, Decimal]) -> dict[str, object]:
    """The result's metadata: what ran, on what, with which settings, and the ledger.

    Parameters, names and paths may hold secrets: everything is masked like the
    audit log (`rustybt.security.masking.mask_value`).
    """
    ledger = run.ledger
    metadata: dict[str, object] = {
        "run_id": run.run_id,
        "strategy": run.strategy.name,
        "params": {
            k: repr(v) if not isinstance(v, int | float | str | bool) else v
            for k, v in run.strategy.params.items()
        },
        "status": "completed",
        "start": str(run.panel.index[0]),
        "end": str(end),
        "frequency": str(run.panel.frequency),
        "capital": run.config.capital,
        "fill_at": run.config.fill_at,
        "volume_limit": run.blotter.volume_limit,  # set_slippage may have changed it
        "check_cash": run.config.check_cash,
        "slippage_model": repr(run.blotter.slippage),
        "commission_model": repr(run.blotter.commission),
        "data_source": run.config.data_source,
        "data_issues": run.data_issues,
        "assets": list(run.panel.symbols),
        "asset_info": {a.symbol: asset_record(a) for a in run.panel.assets},
        "created": str(to_utc_timestamp(pd.Timestamp.now(tz="UTC"))),
        "versions": versions(),
        "ledger": {
            "starting_cash": str(ledger.starting_cash),
            "cash": str(ledger.cash),
            "realized_pnl": str(ledger.realized_pnl),
            "unrealized_pnl": str(ledger.unrealized_pnl(marks)),
            "commissions": str(ledger.commissions),
            "slippage": str(ledger.slippage),
            "equity": str(ledger.equity(marks)),
            "marks": {a.symbol: str(m) for a, m in marks.items()},
        },
    }
    return cast(dict[str, object], mask_value(metadata))


def mark_failed(result: BacktestResult, error: StrategyError, *, bars_run: int) -> None:
    """Record in the metadata that the run failed, where, and how far it got."""
    result.metadata["status"] = "failed"
    result.metadata["error"] = mask_value(
        {
            "type": type(error).__name__,
            "message": error.message,
            "hook": error.context.get("hook"),
            "bar": error.context.get("bar"),
            "line": error.context.get("line"),
        }
    )
    result.metadata["bars_run"] = bars_run
