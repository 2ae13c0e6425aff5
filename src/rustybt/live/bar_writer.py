"""Writing a feed bar into the live panel: validated by the backtest's own rules first
(`rustybt.data.validation.check_panel`, so a bad bar is masked exactly as a backtest
masks it), then copied into the panel and the engine's forward-filled price arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt.data.bars import BarPanel, FloatArray
from rustybt.engine.runner import _Run
from rustybt.live.events import LiveEvents
from rustybt.live.feeds import FeedBar

__all__ = ["write_bar", "write_history"]


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


def write_history(
    run: _Run,
    start: int,
    rows: dict[str, FloatArray],
    present: npt.NDArray[np.bool_],
    events: LiveEvents,
    *,
    validate: bool,
) -> None:
    """Write bars ``start .. start + len(present) - 1`` at once (a restart's history).

    The same result as `write_bar` bar by bar, in a few array operations instead of
    one validation per bar (the cost that made a restart O(bars so far)): the
    validation rules are row-wise, so checking the block masks exactly the bars the
    per-bar check masks; the price forward-fill restarts after a bar the feed could
    not give (``present`` False), as the per-bar path leaves such a bar unwritten.
    """
    count = len(present)
    if count == 0:
        return
    stop = start + count
    panel, data = run.panel, run.data
    if validate:
        rows = _validated_block(run, start, rows, events)
    for name, values in rows.items():
        target = panel.field(name)
        target[start:stop][present] = values[present]
    close = np.where(present[:, None], rows["close"], np.nan)
    prices = data._prices
    previous = prices[start - 1] if start > 0 else np.full(close.shape[1], np.nan)
    stacked = np.vstack([previous[None, :], close])
    # Index of the row each price comes from: the last row with a close (or a missing
    # bar, which carries NaN as the per-bar path's untouched row does).
    source = ~np.isnan(stacked)
    source[1:][~present] = True
    source[0] = True
    rows_index = np.where(source, np.arange(count + 1)[:, None], 0)
    np.maximum.accumulate(rows_index, axis=0, out=rows_index)
    filled = np.take_along_axis(stacked, rows_index, axis=0)[1:]
    filled[~present] = np.nan
    prices[start:stop] = filled
    run.context._value_prices[start:stop] = np.nan_to_num(filled)
    data._sessions = None


def _validated_block(
    run: _Run, start: int, rows: dict[str, FloatArray], events: LiveEvents
) -> dict[str, FloatArray]:
    from rustybt.data.validation import check_panel

    block = BarPanel(
        index=run.panel.index[start : start + len(rows["close"])],
        assets=run.panel.assets,
        frequency=run.panel.frequency,
        **rows,
    )
    checked = check_panel(block)
    for when, symbol, rules in checked.masked:
        events.bar_rejected(pd.Timestamp(when), symbol, rules)
    if not checked.masked:
        return rows
    return {name: checked.panel.field(name) for name in rows}
