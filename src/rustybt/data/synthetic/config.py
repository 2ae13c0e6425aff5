"""`SyntheticConfig`: every knob of the synthetic market, validated once.

Rates (drift, volatility, jump intensity) are annual so a config means the same
thing at daily and minute frequency; the generator converts them per bar with
`SyntheticConfig.bars_per_year`. Regime persistences are per bar, because a
Markov chain is defined by its one-step transition probabilities.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import NoReturn, TypeVar

from rustybt.assets import AssetClass
from rustybt.data.bars import Frequency
from rustybt.errors import ConfigError

__all__ = ["SECTOR_NAMES", "SyntheticConfig", "as_enum"]

#: The eleven GICS sectors, in the order sectors are handed out.
SECTOR_NAMES: tuple[str, ...] = (
    "Technology",
    "Financials",
    "Health Care",
    "Energy",
    "Consumer Discretionary",
    "Industrials",
    "Consumer Staples",
    "Utilities",
    "Materials",
    "Real Estate",
    "Communication Services",
)

#: Bars in one session: equities trade 390 minutes (13:30-20:00 UTC), crypto 1,440.
EQUITY_SESSION_MINUTES = 390
CRYPTO_DAY_MINUTES = 1440
DEFAULT_N_BARS = 1008

_E = TypeVar("_E", Frequency, AssetClass)


@dataclass(frozen=True, kw_only=True)
class SyntheticConfig:
    """Parameters of the synthetic market (all defaults give the demo-like equity market).

    Universe and time:
        n_assets, n_sectors: assets are dealt to sectors round-robin (asset i is in
            sector ``i % n_sectors``), sector names from ``sector_names``.
        symbols: explicit tickers (one per asset); default ``SYN000``, ``SYN001``, ...
        start: first session (date); the index starts at the first session on or after it.
        n_bars / end: length of the index, either as a bar count or an inclusive last
            session date; give at most one (neither means 1,008 bars).
        frequency: daily (labels at 00:00 UTC) or minute (labels are bar starts).
        asset_class: EQUITY trades weekdays minus NYSE holidays, 13:30-20:00 UTC for
            minute bars; CRYPTO trades 24/7.
        seed: the only source of randomness; same config -> bit-identical arrays.

    Per-asset parameters (drawn once per asset, uniform in each range):
        price_range: first close, drawn log-uniformly.
        drift_range: annual expected arithmetic return.
        vol_range: annual volatility in the calm regime.
        market_loading_range, sector_loading_range: weights of the unit-variance
            market and sector shocks in an asset's unit-variance shock; the
            idiosyncratic weight is ``sqrt(1 - beta**2 - gamma**2)``.

    Return dynamics:
        tail_df: degrees of freedom of the Student-t innovations (> 2; excess
            kurtosis ``6 / (df - 4)`` when df > 4). ``math.inf`` gives Gaussian shocks.
        calm_persistence, stressed_persistence: probability of staying in the regime
            from one bar to the next.
        stress_vol_multiplier: volatility in the stressed regime / calm volatility.
        stress_drift: annual drift added to every asset and the benchmark while stressed.
        jumps_per_year, jump_mean, jump_scale: idiosyncratic jumps in log price, as a
            Bernoulli event per bar with Laplace(jump_mean, jump_scale) size.

    Bar shape:
        gap_scale: std of the open's gap from the previous close, in bar volatilities.
        range_scale: mean extension of high above max(open, close) (and of low below
            min(open, close)), in bar volatilities.
        volume_range: typical volume per *session* for each asset, drawn log-uniformly.
        volume_noise: lognormal sigma of volume around its level.
        volume_sensitivity: extra volume per unit of |standardised return|.

    Benchmark:
        benchmark_symbol, benchmark_drift, benchmark_vol: the index driven only by the
            market shock (and the regime), see `generate_benchmark`.
        benchmark_as_asset: also append the index as a last column of the panel
            (``AssetClass.INDEX``, volume = total volume of the universe).
    """

    n_assets: int = 20
    n_sectors: int = 5
    symbols: tuple[str, ...] | None = None
    sector_names: tuple[str, ...] = SECTOR_NAMES
    start: str | dt.date = "2015-01-02"
    n_bars: int | None = None
    end: str | dt.date | None = None
    frequency: Frequency = Frequency.DAILY
    asset_class: AssetClass = AssetClass.EQUITY
    seed: int = 42

    price_range: tuple[float, float] = (20.0, 200.0)
    drift_range: tuple[float, float] = (0.0, 0.15)
    vol_range: tuple[float, float] = (0.15, 0.35)
    market_loading_range: tuple[float, float] = (0.45, 0.70)
    sector_loading_range: tuple[float, float] = (0.35, 0.55)

    tail_df: float = 5.0
    calm_persistence: float = 0.995
    stressed_persistence: float = 0.97
    stress_vol_multiplier: float = 2.0
    stress_drift: float = -0.15
    jumps_per_year: float = 1.0
    jump_mean: float = -0.01
    jump_scale: float = 0.03

    gap_scale: float = 0.2
    range_scale: float = 0.5
    volume_range: tuple[float, float] = (2e5, 5e6)
    volume_noise: float = 0.3
    volume_sensitivity: float = 0.5

    benchmark_symbol: str = "DEMO_INDEX"
    benchmark_drift: float = 0.08
    benchmark_vol: float = 0.16
    benchmark_as_asset: bool = False

    def __post_init__(self) -> None:
        # Enum fields also accept their string values ("minute", "crypto").
        object.__setattr__(self, "frequency", as_enum(Frequency, self.frequency, "frequency"))
        object.__setattr__(
            self, "asset_class", as_enum(AssetClass, self.asset_class, "asset_class")
        )
        self._check_universe()
        self._check_dynamics()

    # -- validation ---------------------------------------------------------------

    def _check_universe(self) -> None:
        if self.asset_class not in (AssetClass.EQUITY, AssetClass.CRYPTO):
            _fail("asset_class must be equity or crypto", asset_class=self.asset_class)
        if self.n_assets < 1:
            _fail("n_assets must be at least 1", n_assets=self.n_assets)
        if not 1 <= self.n_sectors <= len(self.sector_names):
            _fail(
                f"n_sectors must be between 1 and {len(self.sector_names)} (the sector_names given)",
                n_sectors=self.n_sectors,
            )
        if self.symbols is not None:
            if len(self.symbols) != self.n_assets:
                _fail(
                    "symbols must hold exactly one ticker per asset",
                    symbols=len(self.symbols),
                    n_assets=self.n_assets,
                )
            names = (*self.symbols, self.benchmark_symbol)
            if len(set(names)) != len(names):
                _fail(
                    "symbols must be unique and differ from benchmark_symbol", symbols=self.symbols
                )
        if self.n_bars is not None and self.end is not None:
            _fail("give n_bars or end, not both", n_bars=self.n_bars, end=self.end)
        if self.n_bars is not None and self.n_bars < 1:
            _fail("n_bars must be at least 1", n_bars=self.n_bars)
        _date(self.start, "start")
        if self.end is not None and _date(self.end, "end") < _date(self.start, "start"):
            _fail("end must not be before start", start=self.start, end=self.end)

    def _check_dynamics(self) -> None:
        _range(self.price_range, "price_range", low=0.0, strict=True)
        _range(self.drift_range, "drift_range")
        _range(self.vol_range, "vol_range", low=0.0, strict=True)
        _range(self.market_loading_range, "market_loading_range", low=0.0)
        _range(self.sector_loading_range, "sector_loading_range", low=0.0)
        _range(self.volume_range, "volume_range", low=1.0)
        if self.market_loading_range[1] ** 2 + self.sector_loading_range[1] ** 2 >= 1.0:
            _fail(
                "market and sector loadings leave no idiosyncratic risk; "
                "keep max_market**2 + max_sector**2 below 1",
                market_loading_range=self.market_loading_range,
                sector_loading_range=self.sector_loading_range,
            )
        if not self.tail_df > 2.0:
            _fail("tail_df must exceed 2 for the variance to exist", tail_df=self.tail_df)
        for name in ("calm_persistence", "stressed_persistence"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                _fail(f"{name} must be in [0, 1)", **{name: value})
        positive = ("stress_vol_multiplier", "benchmark_vol")
        non_negative = (
            "jumps_per_year",
            "jump_scale",
            "gap_scale",
            "range_scale",
            "volume_noise",
            "volume_sensitivity",
        )
        for name in positive:
            if not getattr(self, name) > 0.0:
                _fail(f"{name} must be positive", **{name: getattr(self, name)})
        for name in non_negative:
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                _fail(f"{name} must be finite and non-negative", **{name: value})
        if self.jumps_per_year / self.bars_per_year > 1.0:
            _fail(
                "jumps_per_year exceeds one jump per bar",
                jumps_per_year=self.jumps_per_year,
                bars_per_year=self.bars_per_year,
            )

    # -- derived quantities --------------------------------------------------------

    @property
    def bars_per_session(self) -> int:
        """Bars in one session (day): 1 for daily, 390 or 1,440 for minute bars."""
        if self.frequency is Frequency.DAILY:
            return 1
        if self.asset_class is AssetClass.CRYPTO:
            return CRYPTO_DAY_MINUTES
        return EQUITY_SESSION_MINUTES

    @property
    def bars_per_year(self) -> int:
        """Annualisation: 252 sessions for equities, 365 days for crypto, times bars per session."""
        sessions = 365 if self.asset_class is AssetClass.CRYPTO else 252
        return sessions * self.bars_per_session

    @property
    def start_date(self) -> dt.date:
        """`start` as a date."""
        return _date(self.start, "start")

    @property
    def end_date(self) -> dt.date | None:
        """`end` as a date, or None when the length is given by `n_bars`."""
        return None if self.end is None else _date(self.end, "end")

    def symbol_list(self) -> tuple[str, ...]:
        """The tickers, given or generated (``SYN000``...; wider when n_assets > 1,000)."""
        if self.symbols is not None:
            return self.symbols
        width = max(3, len(str(self.n_assets - 1)))
        return tuple(f"SYN{i:0{width}d}" for i in range(self.n_assets))


def as_enum(kind: type[_E], value: object, name: str) -> _E:
    """``value`` as a member of ``kind`` (members and their string values both work)."""
    try:
        return kind(str(value))
    except ValueError as exc:
        choices = ", ".join(member.value for member in kind)
        raise ConfigError(f"{name} must be one of {choices}", context={name: value}) from exc


def _date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        # Aware timestamps name their UTC date, the convention of every index here.
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError as exc:
            raise ConfigError(
                f"{name} must be an ISO date like 2015-01-02", context={name: value}
            ) from exc
    raise ConfigError(f"{name} must be a date or an ISO date string", context={name: value})


def _range(
    bounds: tuple[float, float], name: str, *, low: float | None = None, strict: bool = False
) -> None:
    lo, hi = bounds
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        _fail(f"{name} must be a finite (low, high) pair with low <= high", **{name: bounds})
    if low is not None and (lo < low or (strict and lo <= low)):
        _fail(f"{name} must be {'above' if strict else 'at least'} {low}", **{name: bounds})


def _fail(message: str, **context: object) -> NoReturn:
    raise ConfigError(message, context=context)
