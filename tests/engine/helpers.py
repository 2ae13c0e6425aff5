"""Hand-built panels and scripted strategies shared by the engine's known-answer tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal as D
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rustybt import BacktestResult, FunctionStrategy
from rustybt.assets import Asset
from rustybt.data.bars import BarPanel, FloatArray, Frequency
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData
from rustybt.engine.ledger import Ledger
from rustybt.engine.orders import Order
from rustybt.engine.roundtrips import pnl_identity_gap

# One row per bar; a list of floats per asset column, or a plain float for one asset.
Rows = Sequence[float] | Sequence[Sequence[float]] | npt.NDArray[np.floating[Any]]


def _array(values: Rows, n_assets: int) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = np.repeat(array[:, None], n_assets, axis=1)
    return np.ascontiguousarray(array)


def daily_index(n: int, start: str = "2024-01-02") -> pd.DatetimeIndex:
    """``n`` business days from ``start`` at 00:00 UTC."""
    return pd.date_range(start, periods=n, freq="B", tz="UTC")


def make_panel(
    *,
    open: Rows,
    high: Rows | None = None,
    low: Rows | None = None,
    close: Rows | None = None,
    volume: Rows | float = 1e9,
    assets: Sequence[Asset] = (Asset("A"),),
    index: pd.DatetimeIndex | None = None,
    frequency: Frequency = Frequency.DAILY,
) -> BarPanel:
    """A panel from per-bar values; missing high/low/close default to the open."""
    n_assets = len(assets)
    opens = _array(open, n_assets)
    n = len(opens)
    highs = opens.copy() if high is None else _array(high, n_assets)
    lows = opens.copy() if low is None else _array(low, n_assets)
    closes = opens.copy() if close is None else _array(close, n_assets)
    if isinstance(volume, float | int):
        volumes = np.full((n, n_assets), float(volume))
    else:
        volumes = _array(volume, n_assets)
    return BarPanel(
        index=daily_index(n) if index is None else index,
        assets=tuple(assets),
        open=opens,
        high=highs,
        low=lows,
        close=closes,
        volume=volumes,
        frequency=frequency,
    )


def flat_panel(closes: Sequence[float], *, asset: Asset | None = None) -> BarPanel:
    """open == high == low == close per bar: fills at the open equal the bar's close."""
    return make_panel(open=closes, assets=(asset or Asset("A"),))


# Each scripted call: (bar, method name on the context, positional args, keyword args).
Call = tuple[int, str, tuple[Any, ...], dict[str, Any]]  # Any: arguments of any API method


class Scripted:
    """A strategy that makes the given API calls at the given bars.

    ``each_bar(context, data)`` runs after the calls of every bar. ``placed`` collects
    what each call returned (orders, or None); ``context`` is the run's
    TradingContext (for its ledger) once the backtest started.
    """

    def __init__(
        self,
        calls: Sequence[Call],
        *,
        initialize: Callable[[TradingContext], object] | None = None,
        each_bar: Callable[[TradingContext, BarData], object] | None = None,
        name: str = "scripted",
    ) -> None:
        self.placed: list[Order | None] = []
        self.context: TradingContext | None = None
        self._by_bar: dict[int, list[Call]] = {}
        for call in calls:
            self._by_bar.setdefault(call[0], []).append(call)
        self._user_initialize = initialize
        self._each_bar = each_bar
        self.strategy = FunctionStrategy(
            initialize=self._initialize, handle_data=self._handle_data, name=name
        )

    def _initialize(self, context: TradingContext) -> None:
        self.context = context
        if self._user_initialize is not None:
            self._user_initialize(context)

    def _handle_data(self, context: TradingContext, data: BarData) -> None:
        for _, method, args, kwargs in self._by_bar.get(data.bar, ()):
            self.placed.append(getattr(context, method)(*args, **kwargs))
        if self._each_bar is not None:
            self._each_bar(context, data)

    @property
    def ledger(self) -> Ledger:
        assert self.context is not None, "run the strategy first"
        return self.context._ledger


def order_at(bar: int, asset: str, amount: float, **kwargs: Any) -> Call:  # Any: order kwargs
    return (bar, "order", (asset, amount), kwargs)


def assert_books_balance(result: BacktestResult, ledger: Ledger) -> None:
    """equity == start + realized + unrealized - commissions, exactly, and perf agrees."""
    totals = result.ledger
    assert totals["equity"] == (
        totals["starting_cash"]
        + totals["realized_pnl"]
        + totals["unrealized_pnl"]
        - totals["commissions"]
    )
    assert totals["cash"] == ledger.cash
    marks = {asset: result.marks[asset.symbol] for asset in ledger.positions}
    assert ledger.identity_gap(marks) == 0
    assert ledger.equity(marks) == totals["equity"]
    final_value = float(result.perf["portfolio_value"].iloc[-1])
    assert abs(final_value - float(totals["equity"])) < 1e-6
    # Round trips: closed trades' net PnL plus open trades' unrealized PnL is exactly
    # the change in equity the fills made.
    assert pnl_identity_gap(result.transactions, result.trades, result.marks) == 0
    net = sum(result.trades["net_pnl"], start=D(0)) if len(result.trades) else D(0)
    assert net == totals["equity"] - totals["starting_cash"]
