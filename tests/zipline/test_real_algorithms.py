"""Real zipline algorithms, imports swapped to rustybt, on the real S&P 500 data.

The files in ``algorithms/`` are run unchanged by ``run_algorithm`` (zipline's
entry point) and by ``load_strategy_file`` (the CLI's); the answers are checked
against the bars by hand where the algorithm allows it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from rustybt import run_algorithm, run_backtest
from rustybt.data.catalog import Catalog
from rustybt.engine.strategy import load_strategy_file

pytestmark = pytest.mark.realdata

ALGORITHMS = Path(__file__).parent / "algorithms"


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"tests.zipline.algorithms.{name}")


def _run(
    catalog: Path, name: str, start: str, end: str, capital: float = 100_000.0
) -> tuple[pd.DataFrame, object]:
    module = _module(name)
    kept: list[object] = []

    def analyze(context: object, perf: pd.DataFrame) -> None:
        if hasattr(module, "analyze"):
            module.analyze(context, perf)
        kept.append(context)

    perf = run_algorithm(
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
        initialize=module.initialize,
        handle_data=getattr(module, "handle_data", None),
        before_trading_start=getattr(module, "before_trading_start", None),
        analyze=analyze,
        capital_base=capital,
        bundle="sp500",
        catalog=catalog,
    )
    return perf, kept[0]


def _bars(catalog: Path, symbols: list[str], start: str, end: str) -> dict[str, pd.DataFrame]:
    panel = Catalog(catalog).load("sp500", start=start, end=end, symbols=symbols)
    return {
        s: pd.DataFrame(
            {f: panel.field(f)[:, i] for f in ("open", "close", "volume")}, index=panel.index
        )
        for i, s in enumerate(symbols)
    }


def _check_accounts(perf: pd.DataFrame) -> None:
    """zipline's perf identities: value = cash + positions, pnl and returns chain."""
    assert np.allclose(perf.portfolio_value, perf.ending_cash + perf.ending_value)
    assert np.allclose(perf.pnl, perf.portfolio_value.diff().fillna(perf.pnl.iloc[0]))
    growth = (1 + perf.returns).cumprod() - 1
    assert np.allclose(perf.algorithm_period_return, growth)


def test_buyapple_known_answer(sp500_catalog: Path) -> None:
    perf, _ = _run(sp500_catalog, "buyapple", "2016-01-04", "2016-06-30")
    bars = _bars(sp500_catalog, ["AAPL"], "2016-01-04", "2016-06-30")["AAPL"]
    # An order each session fills at the next session's close (zipline's daily rule);
    # zipline's default costs: 5 bps slippage, 0.001 per share (0.01 per 10 shares).
    fills = bars["close"].iloc[1:]
    paid = (10 * (fills * 1.0005).round(8) + 0.01).sum()
    shares = 10 * len(fills)
    expected = 100_000.0 - paid + shares * bars["close"].iloc[-1]
    assert perf.portfolio_value.iloc[-1] == pytest.approx(expected, abs=1e-6)
    assert perf.positions.iloc[-1][0]["amount"] == shares
    assert perf.AAPL.tolist() == bars["close"].tolist()
    _check_accounts(perf)


def test_buy_and_hold_known_answer(sp500_catalog: Path) -> None:
    perf, _ = _run(sp500_catalog, "buy_and_hold", "2014-01-02", "2014-12-31")
    bars = _bars(sp500_catalog, ["AAPL", "MSFT"], "2014-01-02", "2014-12-31")
    value = 100_000.0
    for frame in bars.values():
        close, volume = frame["close"].iloc[1], frame["volume"].iloc[1]
        price = round(close * (1 + 0.1 * (100 / volume) ** 2), 8)  # VolumeShareSlippage
        value += -100 * price - 1.0 + 100 * frame["close"].iloc[-1]  # $1 minimum commission
    assert perf.portfolio_value.iloc[-1] == pytest.approx(value, abs=1e-6)
    assert sorted(p["sid"].symbol for p in perf.positions.iloc[-1]) == ["AAPL", "MSFT"]
    assert perf.capital_used.iloc[1] == pytest.approx(perf.ending_cash.iloc[1] - 100_000.0)
    _check_accounts(perf)


def test_dual_moving_average_signals_match_pandas(sp500_catalog: Path) -> None:
    perf, context = _run(sp500_catalog, "dual_moving_average", "2015-01-02", "2017-12-29")
    # The averages use bars from before the start (the data begins 2013-02-08).
    closes = _bars(sp500_catalog, ["AAPL"], "2013-01-01", "2017-12-29")["AAPL"]["close"]
    short = closes.ffill().rolling(100).mean().reindex(perf.index)
    long = closes.ffill().rolling(300).mean().reindex(perf.index)
    recorded = perf.dropna(subset=["short_mavg"])
    assert len(recorded) == len(perf) - 299  # the example skips its first 299 sessions
    assert np.allclose(recorded.short_mavg, short.loc[recorded.index])
    assert np.allclose(recorded.long_mavg, long.loc[recorded.index])
    # Holding 100 shares from the session after a "short above long" signal.
    signal = (recorded.short_mavg > recorded.long_mavg).astype(int) * 100
    held = pd.Series(
        [sum(p["amount"] for p in positions) for positions in perf.positions], index=perf.index
    )
    assert (held.loc[recorded.index].iloc[1:].to_numpy() == signal.iloc[:-1].to_numpy()).all()
    assert len(context.buys) + len(context.sells) == len(
        [t for t in perf.transactions if t]
    )  # analyze read the perf frame as zipline's example does
    _check_accounts(perf)


def test_olmar_runs_with_numpy_amounts_and_keeps_weights_on_the_simplex(
    sp500_catalog: Path,
) -> None:
    perf, context = _run(sp500_catalog, "olmar", "2016-01-04", "2016-12-30")
    assert context.b_t.sum() == pytest.approx(1.0)  # type: ignore[attr-defined]
    assert (context.b_t >= 0).all()  # type: ignore[attr-defined]
    traded = {t["sid"].symbol for day in perf.transactions for t in day}
    assert traded <= set(_module("olmar").STOCKS)
    assert perf.longs_count.max() <= 6
    assert perf.shorts_count.max() == 0
    # PerShare(cost=0, min_trade_cost=1.0): exactly $1 per order that filled.
    orders = {o["id"]: o for day in perf.orders for o in day}
    filled = [o for o in orders.values() if o["filled"]]
    assert sum(o["commission"] for o in filled) == pytest.approx(len(filled))
    _check_accounts(perf)


def test_monthly_momentum_trades_on_its_first_month_start(sp500_catalog: Path) -> None:
    # Starts 2014-03-03: the 12-month lookback reaches back into 2013 (before the start).
    perf, context = _run(sp500_catalog, "monthly_momentum", "2014-03-03", "2014-12-31")
    first_trade = next(i for i, t in enumerate(perf.transactions) if t)
    assert perf.index[first_trade] == pd.Timestamp("2014-03-04", tz="UTC")
    assert len(context.rebalances) == 10  # type: ignore[attr-defined]  # March..December
    closes = _bars(sp500_catalog, _module("monthly_momentum").UNIVERSE, "2013-01-01", "2014-03-03")
    momentum = {s: f["close"].iloc[-1] / f["close"].iloc[-252] - 1 for s, f in closes.items()}
    expected = sorted(momentum, key=lambda s: momentum[s], reverse=True)[:5]
    winners = [a.symbol for a in context.rebalances[0][1]]  # type: ignore[attr-defined]
    assert winners == expected
    assert perf.n_positions.iloc[-1] == 5
    assert perf.leverage.max() < 1.05
    _check_accounts(perf)


def test_momentum_pipeline_example(sp500_catalog: Path) -> None:
    # zipline's example; runs once rustybt.pipeline (built separately) is present.
    pytest.importorskip("rustybt.pipeline")
    perf, _ = _run(sp500_catalog, "momentum_pipeline", "2016-10-03", "2016-11-30")
    # From the second session's close on: 3 longs, 3 shorts, about 2x gross, ~0 net
    # (zipline's notes for this example).
    settled = perf.iloc[2:]
    assert (settled.longs_count == 3).all()
    assert (settled.shorts_count == 3).all()
    # Targets are sized at one close and filled at the next: leverage drifts a little.
    assert np.allclose(settled.gross_leverage, 2.0, atol=0.15)
    assert np.allclose(settled.net_leverage, 0.0, atol=0.05)
    assert (perf.universe_size > 400).all()
    _check_accounts(perf)


def test_run_algorithm_can_fill_at_the_next_open(sp500_catalog: Path) -> None:
    module = _module("buyapple")
    perf = run_algorithm(
        start="2016-01-04",
        end="2016-02-29",
        initialize=module.initialize,
        handle_data=module.handle_data,
        capital_base=100_000,
        bundle="sp500",
        catalog=sp500_catalog,
        fill_at="next_open",
    )
    bars = _bars(sp500_catalog, ["AAPL"], "2016-01-04", "2016-02-29")["AAPL"]
    prices = [t[0]["price"] for t in perf.transactions.iloc[1:]]
    assert prices == pytest.approx((bars["open"].iloc[1:] * 1.0005).tolist())


def test_the_cli_path_gives_zipline_semantics(sp500_catalog: Path) -> None:
    strategy = load_strategy_file(ALGORITHMS / "dual_moving_average.py")
    assert strategy.zipline_api
    panel = Catalog(sp500_catalog).load("sp500", symbols=["AAPL"], end="2015-06-30")
    result = run_backtest(strategy, panel, start="2014-06-02", capital=100_000)
    # analyze got the perf frame (it reads .transactions and .portfolio_value).
    assert isinstance(result.to_zipline(), pd.DataFrame)
    assert result.perf["portfolio_value"].iloc[-1] == pytest.approx(
        result.to_zipline().portfolio_value.iloc[-1]
    )
