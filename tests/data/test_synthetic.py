"""Known answers and statistical properties of the synthetic market generator."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import BarPanel, Frequency
from rustybt.data.synthetic import (
    BENCHMARK_FIRST_LEVEL,
    CRYPTO_SYMBOLS,
    SyntheticConfig,
    benchmark_panel,
    build_index,
    demo_benchmark,
    demo_config,
    demo_panel,
    generate_bars,
    generate_benchmark,
    nyse_holidays,
    simulate,
)
from rustybt.data.synthetic.model import Streams, regime_path
from rustybt.errors import ConfigError

# -- helpers -------------------------------------------------------------------------


def _plain(config: SyntheticConfig) -> SyntheticConfig:
    """No jumps and no regime change: the textbook factor model alone."""
    return replace(config, jumps_per_year=0.0, stress_vol_multiplier=1.0, stress_drift=0.0)


def _digest(panel: BarPanel) -> str:
    """sha256 over all five fields rounded to 1e-8 (absorbs last-ulp libm differences)."""
    digest = hashlib.sha256()
    for name in ("open", "high", "low", "close", "volume"):
        digest.update(np.round(panel.field(name), 8).tobytes())
    return digest.hexdigest()


def _log_returns(panel: BarPanel) -> np.ndarray:
    return np.diff(np.log(panel.close), axis=0)


def _assert_bar_invariants(panel: BarPanel) -> None:
    o, h, lo, c, v = panel.open, panel.high, panel.low, panel.close, panel.volume
    for array in (o, h, lo, c, v):
        assert np.isfinite(array).all()
    assert (lo > 0).all()
    assert (h >= np.maximum(o, c)).all()
    assert (lo <= np.minimum(o, c)).all()
    assert (v >= 1).all()
    assert (v == np.rint(v)).all()


def _pearson_kurtosis(x: np.ndarray) -> float:
    z = (x - x.mean()) / x.std()
    return float((z**4).mean())


# -- determinism ---------------------------------------------------------------------


# Pinned on numpy 2.4 (PCG64 via SeedSequence.spawn); a change here changes the demo data.
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: generate_bars(SyntheticConfig()),
            "b82074b86db1c0a9945fccd5a26c00598d600123414fc7353dda7b14a6af2bb5",
        ),
        (
            lambda: generate_bars(
                SyntheticConfig(
                    n_assets=2,
                    n_sectors=1,
                    frequency=Frequency.MINUTE,
                    asset_class=AssetClass.CRYPTO,
                    n_bars=5000,
                )
            ),
            "bc0e5108bf6e1e7a4583143bed60d2c3cf8f78ae141a1ba71f26f0d4774d2f70",
        ),
        (demo_panel, "0507b392f2f006613e178427ac65a3e545890ee5bd3f0524ece0a4350867c83f"),
    ],
    ids=["default", "crypto-minute", "demo"],
)
def test_generated_arrays_are_pinned(make: Callable[[], BarPanel], expected: str) -> None:
    assert _digest(make()) == expected


def test_same_config_gives_identical_arrays_and_other_seed_differs() -> None:
    config = SyntheticConfig(n_assets=8, n_bars=300)
    first, second = generate_bars(config), generate_bars(config)
    for name in ("open", "high", "low", "close", "volume"):
        assert np.array_equal(first.field(name), second.field(name))
    other = generate_bars(replace(config, seed=config.seed + 1))
    assert not np.allclose(first.close, other.close)


def test_generate_benchmark_equals_simulated_benchmark() -> None:
    config = SyntheticConfig(n_assets=6, n_bars=400)
    pd.testing.assert_series_equal(generate_benchmark(config), simulate(config).benchmark)


# -- bars ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        SyntheticConfig(),
        SyntheticConfig(n_assets=5, frequency=Frequency.MINUTE, n_bars=2000),
        SyntheticConfig(
            n_assets=3, n_sectors=1, asset_class=AssetClass.CRYPTO, n_bars=900, tail_df=2.5
        ),
        SyntheticConfig(n_assets=4, n_bars=500, jumps_per_year=50.0, jump_scale=0.2),
        SyntheticConfig(n_assets=4, n_bars=500, benchmark_as_asset=True),
    ],
    ids=["default", "equity-minute", "crypto-heavy-tails", "many-jumps", "with-index"],
)
def test_ohlc_invariants_hold_on_every_bar(config: SyntheticConfig) -> None:
    _assert_bar_invariants(generate_bars(config))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    n_assets=st.integers(1, 6),
    n_bars=st.integers(1, 300),
    tail_df=st.floats(2.05, 50.0),
    jumps=st.floats(0.0, 200.0),
    multiplier=st.floats(0.2, 6.0),
    minute=st.booleans(),
)
def test_ohlc_invariants_hold_for_any_parameters(
    seed: int,
    n_assets: int,
    n_bars: int,
    tail_df: float,
    jumps: float,
    multiplier: float,
    minute: bool,
) -> None:
    config = SyntheticConfig(
        seed=seed,
        n_assets=n_assets,
        n_sectors=min(n_assets, 3),
        n_bars=n_bars,
        tail_df=tail_df,
        jumps_per_year=jumps,
        jump_scale=0.3,
        stress_vol_multiplier=multiplier,
        frequency=Frequency.MINUTE if minute else Frequency.DAILY,
        benchmark_as_asset=True,
    )
    panel = generate_bars(config)
    assert panel.close.shape == (n_bars, n_assets + 1)
    _assert_bar_invariants(panel)


def test_zero_gap_and_range_give_open_at_previous_close_and_flat_wicks() -> None:
    config = SyntheticConfig(n_assets=3, n_bars=50, gap_scale=0.0, range_scale=0.0)
    market = simulate(config)
    panel = market.panel
    assert np.array_equal(panel.open[1:], panel.close[:-1])
    assert np.array_equal(panel.open[0], market.params["first_price"].to_numpy())
    assert np.array_equal(panel.high, np.maximum(panel.open, panel.close))
    assert np.array_equal(panel.low, np.minimum(panel.open, panel.close))


def test_first_bar_starts_near_the_drawn_first_price() -> None:
    market = simulate(SyntheticConfig(n_assets=3, n_bars=5))
    first = market.params["first_price"].to_numpy()
    assert np.all(market.panel.close[0] / first > 0.8)
    assert np.all(market.panel.close[0] / first < 1.2)
    assert market.params["first_price"].between(20.0, 200.0).all()


def test_calm_volatility_matches_the_vol_parameter() -> None:
    config = _plain(SyntheticConfig(n_assets=40, n_bars=5000, gap_scale=0.0))
    market = simulate(config)
    realised = _log_returns(market.panel).std(axis=0) * np.sqrt(252)
    ratio = realised / market.params["vol"].to_numpy()
    # Std error of a 5,000-bar vol estimate with t(5) shocks is about 2.5%.
    assert np.all(np.abs(ratio - 1.0) < 0.12)
    assert abs(float(np.mean(ratio)) - 1.0) < 0.02


def test_drift_is_the_expected_simple_return() -> None:
    # Independent assets (no factors), so the mean's std error is 0.2 / sqrt(200 * 10) a year.
    config = _plain(
        SyntheticConfig(
            n_assets=200,
            n_bars=2520,
            drift_range=(0.30, 0.30),
            vol_range=(0.2, 0.2),
            market_loading_range=(0.0, 0.0),
            sector_loading_range=(0.0, 0.0),
        )
    )
    simple = np.expm1(np.diff(np.log(generate_bars(config).close), axis=0))
    assert abs(simple.mean() * 252 - 0.30) < 0.015


def test_volume_level_and_its_response_to_absolute_returns() -> None:
    config = _plain(SyntheticConfig(n_assets=10, n_bars=3000, volume_range=(1e6, 1e6)))
    panel = generate_bars(config)
    volume = panel.volume[1:]
    moves = np.abs(_log_returns(panel))
    assert abs(np.mean(volume) / 1e6 - 1.0) < 0.05
    correlations = [np.corrcoef(volume[:, i], moves[:, i])[0, 1] for i in range(10)]
    assert min(correlations) > 0.3


def test_minute_volume_is_session_volume_spread_over_390_bars() -> None:
    config = _plain(
        SyntheticConfig(
            n_assets=2, n_bars=390 * 10, frequency=Frequency.MINUTE, volume_range=(3.9e6, 3.9e6)
        )
    )
    volume = generate_bars(config).volume
    assert abs(volume.sum(axis=0).mean() / 10 / 3.9e6 - 1.0) < 0.05


# -- index and calendar ------------------------------------------------------------------


def test_nyse_holidays_known_years() -> None:
    assert nyse_holidays(2021) == tuple(
        dt.date.fromisoformat(d)
        for d in (
            "2021-01-01",
            "2021-01-18",
            "2021-02-15",
            "2021-04-02",
            "2021-05-31",
            "2021-07-05",
            "2021-09-06",
            "2021-11-25",
            "2021-12-24",
        )
    )
    # 2022: New Year on a Saturday is not observed; Juneteenth (a Sunday) moves to Monday.
    holidays_2022 = nyse_holidays(2022)
    assert dt.date(2021, 12, 31) not in nyse_holidays(2021)
    assert holidays_2022[0] == dt.date(2022, 1, 17)
    assert dt.date(2022, 6, 20) in holidays_2022
    assert dt.date(2022, 12, 26) in holidays_2022
    assert dt.date(2019, 4, 19) in nyse_holidays(2019)  # Good Friday


def test_equity_sessions_match_xnys_except_one_off_closures() -> None:
    xcals = pytest.importorskip("exchange_calendars")
    sessions = xcals.get_calendar("XNYS", start="2015-01-01", end="2024-12-31").sessions
    ours = build_index(SyntheticConfig(start="2015-01-01", end="2024-12-31")).tz_localize(None)
    assert list(ours.difference(sessions)) == [pd.Timestamp("2018-12-05")]  # Bush's funeral
    assert len(sessions.difference(ours)) == 0


def test_demo_daily_index() -> None:
    panel = demo_panel()
    assert panel.close.shape == (1007, 20)
    assert panel.index[0] == pd.Timestamp("2015-01-02", tz="UTC")
    assert panel.index[-1] == pd.Timestamp("2018-12-31", tz="UTC")
    assert (panel.index.dayofweek < 5).all()
    assert (panel.index == panel.index.normalize()).all()
    assert pd.Timestamp("2015-07-03", tz="UTC") not in panel.index  # July 4th observed
    assert panel.frequency is Frequency.DAILY


def test_start_on_a_holiday_rolls_to_the_next_session_and_n_bars_counts_sessions() -> None:
    index = build_index(SyntheticConfig(start="2015-12-25", n_bars=3))
    assert list(index.strftime("%Y-%m-%d")) == ["2015-12-28", "2015-12-29", "2015-12-30"]


def test_equity_minute_index_has_390_bars_per_session_in_utc() -> None:
    index = build_index(
        SyntheticConfig(frequency=Frequency.MINUTE, start="2015-01-02", n_bars=390 * 3)
    )
    days = index.normalize().unique()
    assert list(days.strftime("%Y-%m-%d")) == ["2015-01-02", "2015-01-05", "2015-01-06"]
    assert index[0] == pd.Timestamp("2015-01-02 13:30", tz="UTC")
    assert index[389] == pd.Timestamp("2015-01-02 19:59", tz="UTC")
    assert index[390] == pd.Timestamp("2015-01-05 13:30", tz="UTC")
    assert str(index.tz) == "UTC"


def test_crypto_indexes_are_continuous() -> None:
    minute = demo_panel("minute", "crypto")
    assert minute.close.shape == (30 * 1440, 3)
    steps = np.diff(minute.index.asi8)
    assert (steps == 60 * 10**9).all()
    assert minute.index[0] == pd.Timestamp("2024-01-01", tz="UTC")
    daily = build_index(
        SyntheticConfig(asset_class=AssetClass.CRYPTO, start="2020-01-01", end="2020-12-31")
    )
    assert len(daily) == 366
    assert (np.diff(daily.asi8) == 86_400 * 10**9).all()


@pytest.mark.parametrize(
    "start",
    [
        "2015-01-02",
        dt.date(2015, 1, 2),
        pd.Timestamp("2015-01-02"),
        pd.Timestamp("2015-01-02", tz="UTC"),
        dt.datetime(2015, 1, 2, 9, 30),
        pd.Timestamp("2015-01-01 22:00", tz="America/New_York"),  # 03:00 UTC on the 2nd
    ],
)
def test_start_accepts_strings_dates_and_naive_or_aware_timestamps(start: str | dt.date) -> None:
    index = build_index(SyntheticConfig(start=start, n_bars=2))
    assert list(index) == [
        pd.Timestamp("2015-01-02", tz="UTC"),
        pd.Timestamp("2015-01-05", tz="UTC"),
    ]


def test_default_length_is_1008_bars_at_any_frequency() -> None:
    assert len(build_index(SyntheticConfig())) == 1008
    assert len(build_index(SyntheticConfig(frequency=Frequency.MINUTE))) == 1008


def test_end_is_inclusive_for_minute_bars() -> None:
    index = build_index(
        SyntheticConfig(frequency=Frequency.MINUTE, start="2015-01-02", end="2015-01-05")
    )
    assert len(index) == 2 * 390
    assert index[-1] == pd.Timestamp("2015-01-05 19:59", tz="UTC")


# -- cross-section: factors, tails, regimes, benchmark ------------------------------------


def test_correlation_is_higher_within_sectors() -> None:
    market = simulate(SyntheticConfig(n_assets=20, n_sectors=5, n_bars=2000))
    corr = np.corrcoef(_log_returns(market.panel), rowvar=False)
    sector = market.params["sector"].to_numpy()
    same = sector[:, None] == sector[None, :]
    off_diagonal = ~np.eye(20, dtype=bool)
    within = corr[same & off_diagonal].mean()
    across = corr[~same].mean()
    # Expected: beta_i * beta_j (~0.33) across sectors, plus gamma_i * gamma_j (~0.2) within.
    assert within > across + 0.12
    assert 0.2 < across < 0.5


def test_returns_are_fat_tailed_and_gaussian_without_tails() -> None:
    fat = _log_returns(generate_bars(SyntheticConfig(n_assets=20, n_bars=2500)))
    normal = _log_returns(
        generate_bars(_plain(SyntheticConfig(n_assets=20, n_bars=2500, tail_df=np.inf)))
    )
    fat_kurtosis = np.median([_pearson_kurtosis(fat[:, i]) for i in range(20)])
    normal_kurtosis = np.median([_pearson_kurtosis(normal[:, i]) for i in range(20)])
    assert fat_kurtosis > 4.0
    assert abs(normal_kurtosis - 3.0) < 0.25


def test_stressed_regime_has_the_configured_higher_volatility() -> None:
    config = SyntheticConfig(n_assets=20, n_bars=5000, stress_vol_multiplier=2.0, jumps_per_year=0)
    market = simulate(config)
    returns = _log_returns(market.panel)
    stressed = market.stressed.to_numpy()[1:]
    assert 0.05 < stressed.mean() < 0.4
    ratio = returns[stressed].std(axis=0) / returns[~stressed].std(axis=0)
    assert abs(np.median(ratio) - 2.0) < 0.2


def test_regime_chain_matches_its_stationary_law_and_durations() -> None:
    path = regime_path(Streams(7)["regime"], 400_000, 0.99, 0.9)
    # Stationary P(stressed) = 0.01 / (0.01 + 0.1); mean calm spell 1 / 0.01 bars.
    assert abs(path.mean() - 1 / 11) < 0.01
    changes = np.flatnonzero(np.diff(path.astype(np.int8)))
    spells = np.diff(changes)
    calm_spells = spells[~path[changes[1:]]]
    assert abs(calm_spells.mean() / 100.0 - 1.0) < 0.1


def test_benchmark_tracks_the_average_asset() -> None:
    market = simulate(SyntheticConfig(n_assets=20, n_bars=1500))
    average = _log_returns(market.panel).mean(axis=1)
    benchmark = np.log1p(market.benchmark.to_numpy()[1:])
    assert np.corrcoef(average, benchmark)[0, 1] > 0.85
    assert market.benchmark.name == "DEMO_INDEX"
    assert market.benchmark.index.equals(market.panel.index)


def test_benchmark_as_asset_appends_the_index_and_leaves_assets_unchanged() -> None:
    config = SyntheticConfig(n_assets=5, n_bars=200)
    plain = simulate(config)
    with_index = simulate(replace(config, benchmark_as_asset=True))
    panel = with_index.panel
    assert panel.assets[-1] == Asset("DEMO_INDEX", AssetClass.INDEX)
    assert panel.assets[-1].asset_class is AssetClass.INDEX
    assert np.array_equal(panel.close[:, :5], plain.panel.close)
    assert np.array_equal(panel.volume[:, -1], plain.panel.volume.sum(axis=1))
    level = BENCHMARK_FIRST_LEVEL * np.cumprod(1.0 + with_index.benchmark.to_numpy())
    np.testing.assert_allclose(panel.close[:, -1], level, rtol=1e-12)


# -- assets and demos ----------------------------------------------------------------------


def test_demo_assets_are_named_and_dealt_to_sectors() -> None:
    panel = demo_panel()
    assert panel.symbols[:3] == ("SYN000", "SYN001", "SYN002")
    assert panel.symbols[-1] == "SYN019"
    assert [a.sector for a in panel.assets[:6]] == [
        "Technology",
        "Financials",
        "Health Care",
        "Energy",
        "Consumer Discretionary",
        "Technology",
    ]
    first = panel.assets[0]
    assert (first.asset_class, first.fractional, first.exchange) == (
        AssetClass.EQUITY,
        False,
        "XNYS",
    )


def test_crypto_demo_assets_are_fractional_and_24_7() -> None:
    panel = demo_panel(asset_class=AssetClass.CRYPTO)
    assert panel.symbols == CRYPTO_SYMBOLS
    assert all(a.fractional and a.exchange == "24/7" for a in panel.assets)
    assert len(panel) == 1461  # 2020-01-01 .. 2023-12-31, every day
    assert demo_benchmark(asset_class=AssetClass.CRYPTO).name == "DEMO_CRYPTO_INDEX"


def test_demo_benchmark_and_minute_demo() -> None:
    benchmark = demo_benchmark()
    assert benchmark.index.equals(demo_panel().index)
    minute = demo_panel("minute")
    assert minute.close.shape == (20 * 390, 20)
    assert minute.frequency is Frequency.MINUTE
    assert demo_config("minute").calm_persistence == 0.9995


def test_benchmark_panel_shapes() -> None:
    assert benchmark_panel(7, 30).close.shape == (30, 7)
    minute = benchmark_panel(1, 1000, "minute", asset_class=AssetClass.CRYPTO)
    assert minute.close.shape == (1000, 1)
    assert minute.assets[0].asset_class is AssetClass.CRYPTO


def test_symbols_widen_past_a_thousand_assets() -> None:
    assert SyntheticConfig(n_assets=1001, n_sectors=11).symbol_list()[-1] == "SYN1000"


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"n_assets": 0}, "n_assets"),
        ({"n_sectors": 12}, "n_sectors"),
        ({"tail_df": 2.0}, "tail_df"),
        ({"calm_persistence": 1.0}, "calm_persistence"),
        ({"market_loading_range": (0.5, 0.8), "sector_loading_range": (0.3, 0.7)}, "idiosyncratic"),
        ({"n_bars": 10, "end": "2016-01-01"}, "not both"),
        ({"end": "2014-01-01"}, "before start"),
        ({"start": "yesterday"}, "ISO date"),
        ({"frequency": "hourly"}, "frequency"),
        ({"asset_class": "future"}, "equity or crypto"),
        ({"symbols": ("A", "B")}, "one ticker per asset"),
        ({"n_assets": 2, "symbols": ("A", "A")}, "unique"),
        ({"vol_range": (0.3, 0.1)}, "vol_range"),
        ({"price_range": (0.0, 10.0)}, "price_range"),
        ({"jump_scale": -1.0}, "jump_scale"),
        ({"jumps_per_year": 1000.0}, "one jump per bar"),
    ],
)
def test_bad_config_raises_config_error(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        SyntheticConfig(**overrides)  # type: ignore[arg-type]  # deliberately bad values
    assert caught.value.context
