"""`run_backtest`: the event loop from bars to a `BacktestResult`.

Per bar, in this order: resting orders are matched against the bar (so orders
placed at bar t trade at t+1's open at the earliest), scheduled functions run,
``handle_data`` runs, same-bar-close market orders fill (when asked for), and at
a session's last bar the account is valued and day orders expire. The strategy
only ever sees data up to the current bar.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from rustybt.data.bars import BarPanel, Frequency, to_utc_timestamp
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.blotter import Blotter
from rustybt.engine.data_portal import BarData
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.failures import strategy_failed
from rustybt.engine.ledger import Ledger
from rustybt.engine.orders import OrderStatus
from rustybt.engine.performance import PerformanceTracker
from rustybt.engine.recorder import Recorder
from rustybt.engine.result import BacktestResult, asset_record
from rustybt.engine.run_audit import audit_started, audit_summary, open_trail
from rustybt.engine.scheduling import SessionLayout
from rustybt.engine.strategy import FunctionStrategy, Strategy
from rustybt.engine.versions import versions
from rustybt.errors import ConfigError
from rustybt.money import to_decimal

if TYPE_CHECKING:  # pydantic (behind the validation config) is imported on first use
    from rustybt.data.validation import ValidationConfig

if TYPE_CHECKING:
    from rustybt.audit import AuditLog

__all__ = ["BacktestConfig", "run_backtest"]

FillAt = Literal["next_open", "close"]


@dataclass(frozen=True)
class BacktestConfig:
    """Run settings that are not part of the strategy itself."""

    capital: float = 1_000_000.0
    fill_at: FillAt = "next_open"
    volume_limit: float | None = 0.025
    check_cash: bool = False
    data_source: str = "in-memory panel"

    def __post_init__(self) -> None:
        if not self.capital > 0:
            raise ConfigError("capital must be positive", context={"capital": self.capital})
        if self.fill_at not in ("next_open", "close"):
            raise ConfigError(
                f"fill_at must be 'next_open' or 'close', not {self.fill_at!r}",
                context={"fill_at": self.fill_at},
            )
        if self.volume_limit is not None and not 0 < self.volume_limit <= 1:
            raise ConfigError(
                "volume_limit must be in (0, 1] or None",
                context={"volume_limit": self.volume_limit},
            )


def run_backtest(
    strategy: Strategy | type[Strategy],
    data: BarPanel,
    *,
    start: object | None = None,
    end: object | None = None,
    capital: float = 1_000_000.0,
    benchmark: str | pd.Series | None = None,
    commission: CommissionModel | None = None,
    slippage: SlippageModel | None = None,
    volume_limit: float | None = 0.025,
    fill_at: FillAt = "next_open",
    check_cash: bool = False,
    data_source: str = "in-memory panel",
    audit_log: str | Path | AuditLog | None = None,
    validate: bool | ValidationConfig = True,
) -> BacktestResult:
    """Run ``strategy`` over ``data`` between ``start`` and ``end`` (inclusive).

    Args:
        strategy: a `Strategy` instance or subclass (instantiated without params).
        data: bars for every asset the strategy may trade (see `rustybt.data`).
        capital: starting cash.
        benchmark: a symbol in ``data`` (its close-to-close returns) or a returns
            Series; overrides ``set_benchmark`` in ``initialize``.
        commission, slippage: execution cost models (default: none).
        volume_limit: share of each bar's volume one asset's orders may take per
            bar (None: no cap; partial fills carry over).
        fill_at: ``"next_open"`` (default: market orders fill at the next bar's
            open) or ``"close"`` (at the close of the bar they were placed in).
        check_cash: reject a buy fill that cash cannot pay for (a cash account, as
            backtrader's default broker); by default cash may go negative (margin,
            as in zipline) and leverage shows in ``perf``.
        validate: check the bars of the window before running (layer 2 and the
            cheap temporal rules of `rustybt.data.validation.check_panel`): a bar
            breaking an ERROR rule (high < low, price <= 0, negative volume, future
            timestamp) is masked to NaN for that asset, so it is skipped, and
            ``result.metadata["data_issues"]`` summarises what was found. False
            turns the check off; a `ValidationConfig` sets the thresholds.
        audit_log: write the run's audit events (orders, fills, decisions, start,
            end) as JSON lines: a path (appended to, closed after the run) or an
            open `rustybt.log.AuditLog`. None uses the log set up by
            `rustybt.log.configure_logging`, if any; otherwise nothing is logged.
    """
    config = BacktestConfig(
        capital=capital,
        fill_at=fill_at,
        volume_limit=volume_limit,
        check_cash=check_cash,
        data_source=data_source,
    )
    if isinstance(strategy, type):
        strategy = strategy()
    if not isinstance(strategy, Strategy):
        raise ConfigError(
            f"strategy must be a Strategy, not {type(strategy).__name__}",
            hint="subclass rustybt.Strategy or wrap functions with FunctionStrategy",
        )
    panel = data.select(start=start, end=end) if start is not None or end is not None else data
    data_issues: dict[str, object] = {"checked": False}
    if validate is not False:
        from rustybt.data.validation import ValidationConfig, check_panel

        chosen = validate if isinstance(validate, ValidationConfig) else None
        checked = check_panel(panel, config=chosen)
        panel, data_issues = checked.panel, checked.to_dict()
    run = _Run(strategy, panel, config, benchmark, commission, slippage)
    run.data_issues = data_issues
    trail = open_trail(audit_log, run_id=run.run_id, strategy_id=strategy.name)
    if trail is None:
        return run.execute()
    run.blotter.audit = trail
    return trail.run(run.execute, started=audit_started(run), summary=audit_summary)


class _Run:
    """One backtest's mutable state; `execute` is the hot loop."""

    def __init__(
        self,
        strategy: Strategy,
        panel: BarPanel,
        config: BacktestConfig,
        benchmark: str | pd.Series | None,
        commission: CommissionModel | None,
        slippage: SlippageModel | None,
    ) -> None:
        self.strategy = strategy
        self.panel = panel
        self.config = config
        self.daily = panel.frequency is Frequency.DAILY
        self.layout = SessionLayout.from_index(panel.index, daily=self.daily)
        self.ledger = Ledger(to_decimal(config.capital))
        self.blotter = Blotter(
            panel,
            self.ledger,
            slippage=slippage,
            commission=commission,
            volume_limit=config.volume_limit,
            check_cash=config.check_cash,
        )
        self.data = BarData(panel)
        self.blotter.timestamp = self.data.timestamp
        self.quantities = np.zeros(len(panel.assets))
        self.cost_basis = np.zeros(len(panel.assets))
        self.blotter.on_fill = self._mirror_fill
        self.recorder = Recorder(self.layout.session_of_bar, len(self.layout.sessions))
        self.context = TradingContext(
            data=self.data,
            ledger=self.ledger,
            blotter=self.blotter,
            quantities=self.quantities,
            recorder=self.recorder,
            day_order_expiry=self._day_order_expiry,
            params=dict(strategy.params),
        )
        self.benchmark_override = benchmark
        if isinstance(benchmark, str):
            self.data.column(benchmark)  # an unknown symbol fails now, not after the run
        self.run_id = uuid.uuid4().hex[:12]
        self.data_issues: dict[str, object] = {"checked": False}

    def _mirror_fill(self, column: int, quantity: Decimal) -> None:
        asset = self.panel.assets[column]
        position = self.ledger.positions.get(asset)
        if position is None:
            self.quantities[column] = 0.0
            self.cost_basis[column] = 0.0
        else:
            self.quantities[column] = float(position.quantity)
            self.cost_basis[column] = float(position.average_cost)

    def _day_order_expiry(self, bar: int) -> int:
        """Last bar of the session in which a day order placed at ``bar`` can trade."""
        layout = self.layout
        if self.daily:
            return bar + 1
        ends = np.flatnonzero(layout.session_end[bar:])
        # Placed at a session's last bar: it is good for the whole next session.
        offset = 1 if len(ends) > 1 and ends[0] == 0 else 0
        return bar + int(ends[offset]) if len(ends) else len(self.panel) - 1

    def _call(self, hook: str, func: Callable[..., object], *args: object) -> None:
        try:
            func(*args)
        except Exception as exc:  # user code: any exception becomes a StrategyError
            when = self.panel.index[max(self.data.bar, 0)] if self.data.bar >= 0 else "start"
            raise strategy_failed(self.strategy, hook, when, exc) from exc

    def execute(self) -> BacktestResult:
        from rustybt.api import current_context

        token = current_context.set(self.context)
        try:
            return self._execute()
        finally:
            current_context.reset(token)

    def _execute(self) -> BacktestResult:
        strategy, context, data, blotter = self.strategy, self.context, self.data, self.blotter
        self._call("initialize", strategy.initialize, context)
        context._initialized = True
        tracker = PerformanceTracker(
            self.panel,
            self.layout,
            self.ledger,
            self.quantities,
            self.cost_basis,
            context._value_prices,
        )
        handle = (
            (
                strategy.bound_hook("handle_data")
                if isinstance(strategy, FunctionStrategy)
                else strategy.handle_data
            )
            if strategy.overrides("handle_data")
            else None
        )
        before = (
            strategy.before_trading_start if strategy.overrides("before_trading_start") else None
        )
        scheduled = [
            (item.func, item.bar_mask(self.layout, daily=self.daily)) for item in context._scheduled
        ]
        any_scheduled = np.zeros(len(self.panel), dtype=bool)
        for _, mask in scheduled:
            any_scheduled |= mask
        session_start = self.layout.session_start
        session_end = self.layout.session_end
        at_close = self.config.fill_at == "close"
        fills = blotter.fills
        for bar in range(len(self.panel)):
            if before is not None and session_start[bar]:
                data.bar = bar - 1
                if bar > 0:
                    self._call("before_trading_start", before, context, data)
            data.bar = bar
            if blotter.open_orders:
                blotter.process_bar(bar)
            if any_scheduled[bar]:
                for func, mask in scheduled:
                    if mask[bar]:
                        self._call(getattr(func, "__name__", "scheduled"), func, context, data)
            if handle is not None:
                try:
                    handle(context, data)
                except Exception as exc:  # user code: any exception becomes a StrategyError
                    raise strategy_failed(
                        strategy, "handle_data", self.panel.index[bar], exc
                    ) from exc
            if at_close and blotter.open_orders:
                blotter.process_bar(bar, market_at_close=True)
            if session_end[bar]:
                tracker.close_session(bar, len(fills))
        end = self.panel.index[-1]
        for order in blotter.open_orders:
            if order.status is OrderStatus.OPEN and not order.filled:
                order.reason = "still open when the backtest ended"
        result = self._result(tracker, end)
        self._call("analyze", strategy.analyze, context, result)
        return result

    def _benchmark_returns(self) -> pd.Series | None:
        chosen = (
            self.benchmark_override
            if self.benchmark_override is not None
            else (self.context._benchmark)
        )
        if chosen is None:
            return None
        sessions = self.layout.sessions
        if isinstance(chosen, pd.Series):
            series = chosen.copy()
            series.index = pd.DatetimeIndex(series.index).normalize()
            if series.index.tz is None:
                series.index = series.index.tz_localize("UTC")
            else:
                series.index = series.index.tz_convert("UTC")
            return series.reindex(sessions).astype(float).rename("benchmark_returns")
        column = self.data.column(chosen)
        closes = self.data._prices[:, column][self.layout.session_end]
        returns = np.full(len(closes), np.nan)
        returns[1:] = closes[1:] / closes[:-1] - 1.0
        return pd.Series(returns, index=sessions, name="benchmark_returns")

    def _result(self, tracker: PerformanceTracker, end: pd.Timestamp) -> BacktestResult:
        perf = tracker.frame()
        benchmark = self._benchmark_returns()
        if benchmark is not None:
            perf["benchmark_returns"] = benchmark.to_numpy()
        for name, values in self.recorder.values.items():
            perf[name] = values
        last = len(self.panel) - 1
        marks = {
            asset: to_decimal(float(self.data._prices[last, self.data.column(asset)]))
            for asset in self.ledger.positions
        }
        ledger = self.ledger
        metadata: dict[str, object] = {
            "run_id": self.run_id,
            "strategy": self.strategy.name,
            "params": {
                k: repr(v) if not isinstance(v, int | float | str | bool) else v
                for k, v in self.strategy.params.items()
            },
            "start": str(self.panel.index[0]),
            "end": str(end),
            "frequency": str(self.panel.frequency),
            "capital": self.config.capital,
            "fill_at": self.config.fill_at,
            "volume_limit": self.config.volume_limit,
            "check_cash": self.config.check_cash,
            "slippage_model": repr(self.blotter.slippage),
            "commission_model": repr(self.blotter.commission),
            "data_source": self.config.data_source,
            "data_issues": self.data_issues,
            "assets": list(self.panel.symbols),
            "asset_info": {a.symbol: asset_record(a) for a in self.panel.assets},
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
        traded = sorted(set(self.blotter.fills.symbols))
        return BacktestResult(
            perf=perf,
            transactions=self.blotter.fills.to_frame(self.panel.index),
            orders=pd.DataFrame(
                [o.to_record() for o in self.blotter.all_orders],
                columns=list(_ORDER_COLUMNS),
            ),
            positions=tracker.positions_frame(),
            metadata=metadata,
            decisions=self.recorder.decisions_frame(),
            bars=self.panel.select(assets=traded) if traded else None,
            universe=self._universe_closes(),
        )

    def _universe_closes(self) -> pd.DataFrame:
        """Every asset's last close of each session: the attribution universe."""
        symbols = list(self.panel.symbols)
        if self.panel.frequency == Frequency.DAILY:
            return pd.DataFrame(self.panel.close, index=self.layout.sessions, columns=symbols)
        frame = pd.DataFrame(self.panel.close, columns=symbols)
        last = frame.groupby(self.layout.session_of_bar).last()  # last non-NaN close
        last.index = self.layout.sessions[last.index.to_numpy()]
        return last.reindex(self.layout.sessions)


_ORDER_COLUMNS = (
    "order_id",
    "symbol",
    "created",
    "type",
    "time_in_force",
    "quantity",
    "limit_price",
    "stop_price",
    "status",
    "filled",
    "average_price",
    "commission",
    "closed",
    "reason",
)
