"""What every risk function works on: portfolio returns, asset returns, positions.

A `RiskInputs` comes from a `BacktestResult` (`from_result`) or from plain pandas
(`from_pandas`). Conventions, decided once here:

* **Dates**: every index is a tz-naive, normalised session date (a tz-aware
  index is read on its own wall clock, as in `rustybt.analytics.metrics`), so a
  backtest in UTC lines up with an index file or factor file labelled by date.
* **Asset returns** are close-to-close simple returns of the bars. A missing bar
  (NaN) is kept as NaN here; models that need a full matrix (Monte Carlo,
  covariance, decomposition) read a missing return as 0 ("no bar, no move"),
  see `filled_matrix`.
* **Positions** are signed market values in the account currency (short < 0),
  at the last session. **Weights** are ``market value / portfolio value``, so
  cash is the remainder and earns nothing in the risk models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rustybt.analytics.metrics.conventions import FloatArray
from rustybt.errors import ConfigError, DataNotFound, ValidationError

if TYPE_CHECKING:
    from rustybt.data.bars import BarPanel
    from rustybt.engine.result import BacktestResult

__all__ = [
    "RiskInputs",
    "as_dates",
    "asset_returns_from_bars",
    "filled_matrix",
    "from_pandas",
    "from_result",
    "held_returns",
]


def as_dates(index: pd.Index) -> pd.DatetimeIndex:
    """A tz-naive, normalised date index from any datetime-like index.

    Raises:
        ConfigError: a numeric index (positions, not dates).
    """
    if not isinstance(index, pd.DatetimeIndex) and index.dtype.kind in "iuf":
        raise ConfigError(
            "this analysis matches series by date: give them a DatetimeIndex",
            context={"index": str(index.dtype)},
        )
    dates = pd.DatetimeIndex(index)
    if dates.tz is not None:
        dates = dates.tz_localize(None)
    return dates.normalize()


def _dated_series(values: pd.Series[float], name: str) -> pd.Series[float]:
    if not isinstance(values.index, pd.DatetimeIndex):
        return values.astype(np.float64).rename(name)
    out = pd.Series(values.to_numpy(dtype=np.float64), index=as_dates(values.index), name=name)
    if not out.index.is_unique:
        raise ValidationError(
            f"{name} has two observations on one date; give one per session",
            context={"series": name},
        )
    return out


def asset_returns_from_bars(panel: BarPanel) -> pd.DataFrame:
    """Close-to-close simple returns per asset (time x symbol), dated by session.

    Formula: ``r_t = close_t / close_{t-1} - 1``; the first row and any row
    after a missing close are NaN.
    """
    close = panel.close
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = close[1:] / close[:-1] - 1.0
    return pd.DataFrame(
        returns, index=as_dates(panel.index[1:]), columns=list(panel.symbols), dtype=np.float64
    )


def filled_matrix(asset_returns: pd.DataFrame) -> FloatArray:
    """Asset returns as a float64 matrix with missing returns read as 0.

    Infinite values (a zero close) raise `ValidationError`: they are not returns.
    """
    matrix = np.asarray(asset_returns.to_numpy(dtype=np.float64, na_value=np.nan), np.float64)
    if np.isinf(matrix).any():
        row, column = (int(v[0]) for v in np.nonzero(np.isinf(matrix)))
        raise ValidationError(
            "asset returns contain an infinite value (a zero price?)",
            context={"row": str(asset_returns.index[row]), "asset": asset_returns.columns[column]},
        )
    return np.nan_to_num(matrix, nan=0.0)


@dataclass(frozen=True)
class RiskInputs:
    """The portfolio as the risk functions see it.

    Attributes:
        returns: portfolio simple returns per session (date index).
        asset_returns: time x symbol simple returns of the instruments, or None.
        positions: symbol -> signed market value at the last session (currency).
        portfolio_value: total equity at the last session (currency), cash included.
        sectors: symbol -> sector, where known.
        benchmark: benchmark simple returns (date index), or None.
    """

    returns: pd.Series[float]
    asset_returns: pd.DataFrame | None = None
    positions: pd.Series[float] = field(default_factory=lambda: pd.Series(dtype=np.float64))
    portfolio_value: float = 1.0
    sectors: Mapping[str, str] = field(default_factory=dict)
    benchmark: pd.Series[float] | None = None

    @property
    def weights(self) -> pd.Series[float]:
        """Position weights: market value / portfolio value."""
        return (self.positions / self.portfolio_value).rename("weight")

    def require_assets(self) -> pd.DataFrame:
        """Asset returns for the held symbols, in `positions` order.

        Raises:
            DataNotFound: no asset returns, or a held symbol has none.
        """
        if self.asset_returns is None or self.positions.empty:
            raise DataNotFound(
                "this analysis needs asset returns and positions",
                context={"positions": len(self.positions)},
                hint="pass asset_returns= and positions= (or a BacktestResult with bars)",
            )
        missing = [s for s in self.positions.index if s not in self.asset_returns.columns]
        if missing:
            raise DataNotFound(
                "held symbols have no asset returns",
                context={"symbols": missing[:5], "count": len(missing)},
                hint="asset_returns needs one column per held symbol",
            )
        return self.asset_returns.loc[:, list(self.positions.index)]


def held_returns(
    asset_returns: pd.DataFrame,
    positions: Mapping[str, float] | pd.Series[float],
    value: float,
    *,
    min_dates: int,
    purpose: str,
) -> tuple[pd.Series[float], FloatArray, FloatArray]:
    """The held positions, their (filled) return matrix and their weights of ``value``.

    Raises:
        DataNotFound: no positions, held symbols without returns, or fewer than
            ``min_dates`` dates of returns.
    """
    held = pd.Series(dict(positions), dtype=np.float64)
    if held.empty:
        raise DataNotFound(
            f"no positions to {purpose}", hint="pass positions={'AAPL': 10_000, ...}"
        )
    missing = [s for s in held.index if s not in asset_returns.columns]
    if missing:
        raise DataNotFound(
            "held symbols have no asset returns",
            context={"symbols": missing[:5], "count": len(missing)},
        )
    matrix = filled_matrix(asset_returns.loc[:, list(held.index)])
    if matrix.shape[0] < min_dates:
        raise DataNotFound(
            f"need at least {min_dates} dates of asset returns to {purpose}",
            context={"dates": matrix.shape[0]},
        )
    return held, matrix, held.to_numpy() / value


def from_pandas(
    returns: pd.Series[float] | None = None,
    *,
    asset_returns: pd.DataFrame | None = None,
    positions: Mapping[str, float] | pd.Series[float] | None = None,
    portfolio_value: float | None = None,
    sectors: Mapping[str, str] | None = None,
    benchmark: pd.Series[float] | None = None,
) -> RiskInputs:
    """Build `RiskInputs` from plain pandas.

    Args:
        returns: portfolio returns; when None they are rebuilt from
            ``asset_returns`` and the position weights (missing returns as 0).
        asset_returns: time x symbol simple returns.
        positions: symbol -> signed market value (currency), or weights when
            ``portfolio_value`` is None (then the portfolio value is 1).
        portfolio_value: total equity; defaults to 1 (positions are weights).
        sectors: symbol -> sector.
        benchmark: benchmark returns.

    Raises:
        ConfigError: neither returns nor asset returns with positions, or a
            non-positive portfolio value.
    """
    value = 1.0 if portfolio_value is None else float(portfolio_value)
    if not np.isfinite(value) or value <= 0.0:
        raise ConfigError(
            "portfolio_value must be a positive amount", context={"portfolio_value": value}
        )
    held = pd.Series({} if positions is None else dict(positions), dtype=np.float64)
    held.index = held.index.map(str)
    frame = None
    if asset_returns is not None:
        frame = asset_returns.astype(np.float64)
        frame.columns = frame.columns.map(str)
        if isinstance(frame.index, pd.DatetimeIndex):
            frame.index = as_dates(frame.index)
    if returns is None:
        if frame is None or held.empty:
            raise ConfigError(
                "give portfolio returns, or asset returns and positions to rebuild them",
                hint="risk_report(returns) or risk_report(asset_returns=..., positions=...)",
            )
        weights = held / value
        rebuilt = filled_matrix(frame.loc[:, list(held.index)]) @ weights.to_numpy()
        returns = pd.Series(rebuilt, index=frame.index, name="returns")
    bench = None if benchmark is None else _dated_series(benchmark, "benchmark")
    return RiskInputs(
        returns=_dated_series(returns, "returns"),
        asset_returns=frame,
        positions=held,
        portfolio_value=value,
        sectors=dict(sectors or {}),
        benchmark=bench,
    )


def from_result(result: BacktestResult) -> RiskInputs:
    """Build `RiskInputs` from a `BacktestResult`.

    Uses ``perf.returns`` (the first session's 0 return, before any trade, is
    kept as an observation), the last session's rows of ``positions``, the last
    ``portfolio_value``, the bars' closes for asset returns and ``Asset.sector``.
    """
    perf = result.perf
    if perf.empty:
        raise DataNotFound("the backtest result has no sessions", hint="run a longer backtest")
    positions = pd.Series(dtype=np.float64)
    frame = result.positions
    if not frame.empty:
        last = frame.loc[frame["session"] == frame["session"].max()]
        positions = (
            last.groupby("symbol")["market_value"].sum().astype(np.float64).rename("market_value")
        )
        positions = positions.loc[positions != 0.0]
    asset_returns = None
    sectors: dict[str, str] = {}
    if result.bars is not None:
        asset_returns = asset_returns_from_bars(result.bars)
        sectors = {a.symbol: a.sector for a in result.bars.assets if a.sector is not None}
    return from_pandas(
        perf["returns"],
        asset_returns=asset_returns,
        positions=positions,
        portfolio_value=float(perf["portfolio_value"].iloc[-1]),
        sectors=sectors,
        benchmark=result.benchmark_returns,
    )
