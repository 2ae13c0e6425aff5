"""Brinson inputs from a backtest: holdings, bars, sectors and a benchmark universe.

* Asset returns are close-to-close from the bars (``close_t / close_{t-1} - 1``);
  minute bars use each session's last close.
* Portfolio weights for session ``t`` are the market values held at the close of
  ``t - 1`` over that close's portfolio value (``positions`` and
  ``perf["portfolio_value"]``): the holdings that earned session ``t``'s return.
  The rest (cash, or borrowing when levered) is the ``Cash`` group.
* The benchmark universe is every asset of the data the backtest ran on
  (``BacktestResult.universe``), traded or not, so it is not chosen with
  hindsight; ``universe="traded"`` (or a result that carries no universe, e.g.
  one saved by an older version) uses the traded assets' bars only, and the
  attribution says so in ``benchmark_universe``. ``"equal"`` weights every
  asset with a return that session equally; ``"value"`` is a buy-and-hold index
  that starts equally weighted and lets weights drift with prices (the bars carry
  no share counts, so true capitalisation weights are not available); or pass
  your own weights (a DataFrame sessions x symbols, or a Series symbol -> weight),
  normalised per session over the assets with a return.
* Groups come from ``Asset.sector`` (the bars' assets, and the run's
  ``metadata["asset_info"]`` for the rest of the universe) unless a ``grouping``
  mapping symbol -> group is given; an asset without one is in ``"Unknown"``.

The holdings-based return differs from the strategy's actual return by what
happened inside the session (fills at the open, costs); that difference is kept
as ``BrinsonAttribution.unexplained``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from rustybt.analytics.attribution.brinson import BrinsonAttribution, brinson_from_arrays
from rustybt.analytics.metrics.conventions import FloatArray
from rustybt.errors import ConfigError, ValidationError

if TYPE_CHECKING:
    from rustybt.data.bars import BarPanel
    from rustybt.engine.result import BacktestResult

__all__ = ["brinson_from_result", "session_closes", "universe_weights"]

UNKNOWN_GROUP = "Unknown"


def session_closes(bars: BarPanel) -> pd.DataFrame:
    """Closes per session (rows: UTC session labels, columns: symbols)."""
    frame = pd.DataFrame(bars.close, index=bars.index, columns=list(bars.symbols))
    if bars.frequency == "daily":
        return frame
    sessions = bars.index.normalize()
    return frame.groupby(sessions).last()


def universe_weights(
    closes: pd.DataFrame, kind: str | pd.DataFrame | pd.Series = "equal"
) -> FloatArray:
    """Benchmark weights (sessions x assets) at the start of each session; rows sum to 1.

    Only assets with a close on both ``t - 1`` and ``t`` get weight at ``t``.
    """
    values = closes.to_numpy(dtype=np.float64)
    available = np.zeros(values.shape, dtype=bool)
    available[1:] = np.isfinite(values[1:]) & np.isfinite(values[:-1])
    if isinstance(kind, str):
        if kind == "equal":
            raw = available.astype(np.float64)
        elif kind == "value":
            first = pd.DataFrame(values).bfill().to_numpy()[0]
            previous = np.vstack([np.full((1, values.shape[1]), np.nan), values[:-1]])
            raw = np.where(available, previous / first, 0.0)
        else:
            raise ConfigError(
                f"unknown benchmark weighting {kind!r}; use 'equal', 'value' or pass weights",
                context={"benchmark_weights": kind},
            )
    elif isinstance(kind, pd.DataFrame):
        given = kind.copy()
        if isinstance(given.index, pd.DatetimeIndex):
            given.index = _utc(given.index)
        aligned = given.rename(columns=str).reindex(index=closes.index, columns=closes.columns)
        raw = np.where(available, np.nan_to_num(aligned.to_numpy(dtype=np.float64), nan=0.0), 0.0)
    elif isinstance(kind, pd.Series):
        static = kind.rename(index=str).reindex(closes.columns).fillna(0.0).to_numpy(np.float64)
        raw = np.where(available, static[None, :], 0.0)
    else:
        raise ConfigError(
            "benchmark_weights must be 'equal', 'value', a DataFrame or a Series",
            context={"type": type(kind).__name__},
        )
    totals = raw.sum(axis=1, keepdims=True)
    weights: FloatArray = np.divide(raw, totals, out=np.zeros_like(raw), where=totals != 0.0)
    return weights


def _utc(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")


def result_sectors(result: BacktestResult) -> dict[str, str | None]:
    """Symbol -> sector for every asset the result knows (universe and bars)."""
    sectors: dict[str, str | None] = {}
    info = result.metadata.get("asset_info")
    if isinstance(info, dict):
        for symbol, record in info.items():
            sector = record.get("sector") if isinstance(record, dict) else None
            sectors[str(symbol)] = None if sector is None else str(sector)
    if result.bars is not None:
        sectors.update({a.symbol: a.sector for a in result.bars.assets if a.sector is not None})
    return sectors


def _group_matrix(
    symbols: list[str], by_symbol: Mapping[str, str | None], grouping: Mapping[str, str] | None
) -> tuple[FloatArray, tuple[str, ...]]:
    labels = [
        str(grouping.get(s, UNKNOWN_GROUP))
        if grouping is not None
        else str(by_symbol.get(s) or UNKNOWN_GROUP)
        for s in symbols
    ]
    groups = tuple(sorted(set(labels)))
    position = {g: i for i, g in enumerate(groups)}
    matrix = np.zeros((len(symbols), len(groups)))
    matrix[np.arange(len(symbols)), [position[g] for g in labels]] = 1.0
    return matrix, groups


def brinson_from_result(
    result: BacktestResult,
    *,
    grouping: Mapping[str, str] | None = None,
    benchmark_weights: str | pd.DataFrame | pd.Series = "equal",
    universe: Literal["data", "traded"] = "data",
) -> BrinsonAttribution:
    """Brinson-Fachler attribution of a backtest by sector (or ``grouping``).

    See the module docstring for how weights, returns and the benchmark universe
    are built (``universe``: every asset of the data, or only the traded ones).
    The first session (no holdings yet) is included with the portfolio all in cash.
    """
    if universe not in ("data", "traded"):
        raise ConfigError(
            f"unknown benchmark universe {universe!r}; use 'data' or 'traded'",
            context={"universe": universe},
        )
    bars = result.bars
    if bars is None:
        raise ConfigError(
            "this result carries no bars; holdings attribution needs the asset prices",
            hint="run the backtest with rustybt.run_backtest, which keeps the bars",
        )
    sessions = _utc(pd.DatetimeIndex(result.perf.index))
    closes = _closes(session_closes(bars), sessions)
    whole = universe == "data" and not result.universe.empty
    if whole:
        everything = _closes(result.universe.rename(columns=str), sessions)
        extra = [c for c in everything.columns if c not in closes.columns]
        closes = pd.concat([closes, everything[extra]], axis=1)
    described = _describe_universe(benchmark_weights, len(closes.columns), whole, universe)
    if closes.shape[0] < 2:
        raise ValidationError("holdings attribution needs at least two sessions")
    symbols = [str(c) for c in closes.columns]
    values = closes.to_numpy(dtype=np.float64)
    asset_returns = np.full(values.shape, np.nan)
    asset_returns[1:] = values[1:] / values[:-1] - 1.0
    market_value = _market_values(result.positions, sessions, symbols)
    portfolio_value = result.perf["portfolio_value"].to_numpy(dtype=np.float64)
    weights = np.zeros(values.shape)
    weights[1:] = market_value[:-1] / portfolio_value[:-1, None]
    held_returns = np.nan_to_num(asset_returns, nan=0.0)
    bench_w = universe_weights(closes, benchmark_weights)
    matrix, groups = _group_matrix(symbols, result_sectors(result), grouping)
    wp = weights @ matrix
    cp = (weights * held_returns) @ matrix
    wb = bench_w @ matrix
    bench_contrib = (bench_w * held_returns) @ matrix
    rb = np.divide(bench_contrib, wb, out=np.full_like(wb, np.nan), where=wb != 0.0)
    keep = wb.sum(axis=1) > 0.0  # sessions with a benchmark (not the very first)
    index = pd.DatetimeIndex(sessions[keep], name="session")
    actual = result.perf["returns"].to_numpy(dtype=np.float64)[keep]
    unexplained = pd.Series(actual - cp[keep].sum(axis=1), index=index, name="unexplained")
    attribution = brinson_from_arrays(
        wp[keep],
        cp[keep],
        wb[keep],
        rb[keep],
        groups=groups,
        index=index,
        unexplained=unexplained,
    )
    return replace(attribution, benchmark_universe=described)


def _closes(frame: pd.DataFrame, sessions: pd.DatetimeIndex) -> pd.DataFrame:
    out = frame.copy()
    out.index = _utc(pd.DatetimeIndex(out.index))
    return out.reindex(sessions)


def _describe_universe(
    weights: str | pd.DataFrame | pd.Series, n_assets: int, whole: bool, asked: str
) -> str:
    if not isinstance(weights, str):
        how = "weights given by the user"
    elif weights == "value":
        how = "buy-and-hold weights from an equal start"
    else:
        how = "equal weights"
    if whole:
        return f"all {n_assets} assets in the backtest's data, {how}"
    why = "" if asked == "traded" else " (this result carries no data universe)"
    return f"only the {n_assets} traded assets{why}, {how}: chosen with hindsight"


def _market_values(
    positions: pd.DataFrame, sessions: pd.DatetimeIndex, symbols: list[str]
) -> FloatArray:
    if positions.empty:
        return np.zeros((len(sessions), len(symbols)))
    missing = [c for c in ("session", "symbol", "market_value") if c not in positions.columns]
    if missing:
        raise ValidationError(
            f"positions frame lacks column(s): {', '.join(missing)}",
            context={"columns": list(map(str, positions.columns))},
        )
    table = positions.pivot_table(
        index="session", columns="symbol", values="market_value", aggfunc="sum"
    )
    table.index = _utc(pd.DatetimeIndex(table.index))
    unknown = sorted(set(map(str, table.columns)) - set(symbols))
    if unknown:
        raise ValidationError(
            "positions hold symbols that are not in the result's bars",
            context={"symbols": unknown[:5]},
        )
    aligned = table.rename(columns=str).reindex(index=sessions, columns=symbols)
    filled: FloatArray = np.nan_to_num(aligned.to_numpy(dtype=np.float64), nan=0.0)
    return filled
