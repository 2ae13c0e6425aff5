"""Writing a feed bar into the live panel: validated by the backtest's own rules first
(`rustybt.data.validation.check_panel`, so a bad bar is masked exactly as a backtest
masks it), then copied into the panel and the engine's forward-filled price arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel, FloatArray
from rustybt.engine.runner import _Run
from rustybt.live.events import LiveEvents
from rustybt.live.feeds import FeedBar

__all__ = ["write_bar"]


def write_bar(run: _Run, item: FeedBar, events: LiveEvents, *, validate: bool) -> None:
    """Validate one bar and write it into the live panel and the engine's price arrays."""
    bar = item.bar
    panel, data = run.panel, run.data
    rows = {
        "open": item.open,
        "high": item.high,
        "low": item.low,
        "close": item.close,
        "volume": item.volume,
    }
    if validate:
        rows = _validated(run, item, rows, events)
    for name, values in rows.items():
        panel.field(name)[bar] = values
    close = rows["close"]
    prices = data._prices
    previous = prices[bar - 1] if bar > 0 else np.full(len(close), np.nan)
    prices[bar] = np.where(np.isnan(close), previous, close)
    run.context._value_prices[bar] = np.nan_to_num(prices[bar])
    data._sessions = None  # minute -> daily aggregates are rebuilt with the new bar


def _validated(
    run: _Run, item: FeedBar, rows: dict[str, FloatArray], events: LiveEvents
) -> dict[str, FloatArray]:
    from rustybt.data.validation import check_panel

    one = BarPanel(
        index=run.panel.index[item.bar : item.bar + 1],
        assets=run.panel.assets,
        frequency=run.panel.frequency,
        **{name: values[None, :] for name, values in rows.items()},
    )
    checked = check_panel(one)
    for when, symbol, rules in checked.masked:
        events.bar_rejected(pd.Timestamp(when), symbol, rules)
    if not checked.masked:
        return rows
    return {name: checked.panel.field(name)[0] for name in rows}
