"""data.history(..., "1d") in a minute backtest: daily bars built from minutes,
the current session partial (only its minutes up to now)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt import FunctionStrategy, run_backtest
from rustybt.assets import Asset
from rustybt.data.bars import BarPanel, Frequency
from rustybt.engine.data_portal import BarData
from rustybt.errors import StrategyError
from tests.engine.helpers import make_panel

nan = np.nan
# Three UTC days: 3, 2 and 3 minute bars. Columns: A, B (B has no bars on day 2 and
# none in day 3's first minute).
INDEX = pd.DatetimeIndex(
    [
        "2020-01-01 10:00",
        "2020-01-01 10:01",
        "2020-01-01 10:02",
        "2020-01-02 10:00",
        "2020-01-02 10:01",
        "2020-01-03 10:00",
        "2020-01-03 10:01",
        "2020-01-03 10:02",
    ],
    tz="UTC",
)
OPEN = [[10, 20], [11, 21], [12, 22], [13, nan], [14, nan], [15, nan], [16, 26], [17, 27]]
HIGH = [
    [10.5, 20.5],
    [13, 21.5],
    [12.5, 22.5],
    [13.5, nan],
    [14.5, nan],
    [15.5, nan],
    [16.5, 26.5],
    [99, 99],
]  # bar 7's high must stay invisible at bar 6
LOW = [
    [9.5, 19.5],
    [10.5, 20.5],
    [11.5, 18],
    [12.5, nan],
    [13.5, nan],
    [14.5, nan],
    [15, 25.5],
    [16.5, 26.5],
]
CLOSE = [
    [10.2, 20.2],
    [11.2, 21.2],
    [12.2, 22.2],
    [13.2, nan],
    [14.2, nan],
    [15.2, nan],
    [16.2, 26.2],
    [17.2, 27.2],
]
VOLUME = [[100, 10], [200, 20], [300, 30], [400, nan], [500, nan], [600, nan], [700, 70], [800, 80]]


def _panel() -> BarPanel:
    def arr(values: list[list[float]]) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    return BarPanel(
        INDEX,
        (Asset("A"), Asset("B")),
        arr(OPEN),
        arr(HIGH),
        arr(LOW),
        arr(CLOSE),
        arr(VOLUME),
        frequency=Frequency.MINUTE,
    )


def _at(bar: int) -> BarData:
    data = BarData(_panel())
    data.bar = bar
    return data


def test_completed_sessions_and_the_partial_current_one() -> None:
    data = _at(6)  # 2020-01-03 10:01: day 3 has seen two minutes
    np.testing.assert_array_equal(data.history("A", "close", 3, "1d"), [12.2, 14.2, 16.2])
    np.testing.assert_array_equal(data.history("A", "open", 3, "1d"), [10, 13, 15])
    np.testing.assert_array_equal(data.history("A", "high", 3, "1d"), [13, 14.5, 16.5])
    np.testing.assert_array_equal(data.history("A", "low", 3, "1d"), [9.5, 12.5, 14.5])
    np.testing.assert_array_equal(data.history("A", "volume", 3, "1d"), [600, 900, 1300])
    # B: nothing on day 2 (NaN, but its price carries day 1's close); day 3 so far only
    # its second minute, so its open is that minute's.
    np.testing.assert_array_equal(data.history("B", "close", 3, "1d"), [22.2, nan, 26.2])
    np.testing.assert_array_equal(data.history("B", "open", 3, "1d"), [20, nan, 26])
    np.testing.assert_array_equal(data.history("B", "low", 3, "1d"), [18, nan, 25.5])
    np.testing.assert_array_equal(data.history("B", "volume", 3, "1d"), [60, nan, 70])
    np.testing.assert_array_equal(data.history("B", "price", 3, "1d"), [22.2, 22.2, 26.2])


def test_no_look_ahead_into_the_rest_of_the_day() -> None:
    assert data_high_at(6) == 16.5
    assert data_high_at(7) == 99.0


def data_high_at(bar: int) -> float:
    return float(_at(bar).history("A", "high", 1, "1d")[-1])


def test_frames_padding_and_labels() -> None:
    data = _at(4)  # 2020-01-02 10:01
    frame = data.history(["A", "B"], "close", 4, "1d")
    assert isinstance(frame, pd.DataFrame)
    assert [str(d.date()) for d in frame.index] == [
        "2019-12-30",
        "2019-12-31",
        "2020-01-01",
        "2020-01-02",
    ]
    np.testing.assert_array_equal(frame[Asset("A")], [nan, nan, 12.2, 14.2])
    np.testing.assert_array_equal(frame[Asset("B")], [nan, nan, 22.2, nan])
    fields = data.history("A", ["open", "close"], 1, "1d")
    assert fields.to_dict("list") == {"open": [13.0], "close": [14.2]}
    with pytest.raises(ValueError, match="read-only"):
        data.history("A", "close", 2, "1d")[0] = 0.0


def test_minute_strategies_can_ask_for_daily_bars_and_daily_data_cannot_give_minutes() -> None:
    seen: list[float] = []

    def handle_data(context: object, data: BarData) -> None:
        seen.append(float(data.history("A", "close", 2, "1d")[0]))

    run_backtest(FunctionStrategy(handle_data=handle_data), _panel())
    # Yesterday's close: NaN on day 1, day 1's on day 2, day 2's on day 3.
    np.testing.assert_array_equal(seen, [nan, nan, nan, 12.2, 12.2, 14.2, 14.2, 14.2])
    daily = BarData(make_panel(open=[1.0, 2.0]))
    daily.bar = 1
    with pytest.raises(StrategyError, match="cannot be built from daily data"):
        daily.history("A", "close", 2, "1m")


def _reference(panel: BarPanel, field: str, bar: int, count: int, column: int) -> np.ndarray:
    """pandas' daily bars of the minutes up to ``bar`` (the straightforward way)."""
    frame = pd.DataFrame(
        {
            name: panel.field(name)[: bar + 1, column]
            for name in ("open", "high", "low", "close", "volume")
        },
        index=panel.index[: bar + 1],
    )
    days = frame.index.normalize()
    grouped = frame.groupby(days)
    traded = grouped["close"].count() > 0
    daily = {
        "open": grouped["open"].first(),
        "high": grouped["high"].max(),
        "low": grouped["low"].min(),
        "close": grouped["close"].last(),
        "volume": grouped["volume"].sum().where(traded),
        "price": frame["close"].ffill().groupby(days).last(),
    }[field]
    values = daily.to_numpy(dtype=float)[-count:]
    return np.r_[np.full(count - len(values), np.nan), values]


def test_daily_bars_match_pandas_on_random_minutes_with_gaps() -> None:
    rng = np.random.default_rng(7)
    n = 24 * 60 * 3 // 10  # three days of 10-minute bars
    index = pd.date_range("2020-03-01", periods=n, freq="10min", tz="UTC")
    close = 100 + rng.normal(0, 1, (n, 2)).cumsum(axis=0)
    close[rng.random((n, 2)) < 0.3] = np.nan  # sparse trading
    close[150:300, 1] = np.nan  # a whole missing session for B
    spread = np.abs(rng.normal(0, 0.5, (n, 2)))
    panel = BarPanel(
        index,
        (Asset("A"), Asset("B")),
        np.where(np.isnan(close), np.nan, close + rng.normal(0, 0.1, (n, 2))),
        close + spread,
        close - spread,
        close,
        np.where(np.isnan(close), np.nan, rng.integers(1, 100, (n, 2)).astype(float)),
        frequency=Frequency.MINUTE,
    )
    data = BarData(panel)
    for bar in (0, 5, 143, 144, 200, 300, n - 1):
        data.bar = bar
        for field in ("open", "high", "low", "close", "volume", "price"):
            for column, symbol in enumerate(("A", "B")):
                got = data.history(symbol, field, 4, "1d")
                np.testing.assert_allclose(
                    got, _reference(panel, field, bar, 4, column), err_msg=f"{field} {bar}"
                )
            frame = data.history(["A", "B"], field, 2, "1d")
            np.testing.assert_allclose(
                frame.to_numpy()[:, 1], _reference(panel, field, bar, 2, 1), err_msg=field
            )
    # Each call returns its own array: an earlier one never changes under the user.
    data.bar = 10
    earlier = data.history("A", "close", 2, "1d")
    kept = earlier.copy()
    data.bar = 11
    data.history("A", "close", 2, "1d")
    np.testing.assert_array_equal(earlier, kept)


def test_single_asset_daily_history_builds_no_labels_and_frames_reuse_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Speed is measured in benchmarks/daily_history_minute.py; this pins the shape of
    # the work: the per-minute call builds no DatetimeIndex, frames build one per
    # session and length.
    from rustybt.engine.session_bars import SessionBars

    built: list[tuple[int, int]] = []
    original = SessionBars.labels

    def counting(self: SessionBars, bar: int, count: int) -> pd.DatetimeIndex:
        built.append((bar, count))
        return original(self, bar, count)

    monkeypatch.setattr(SessionBars, "labels", counting)
    data = BarData(_panel())
    for bar in range(8):
        data.bar = bar
        data.history("A", "close", 5, "1d")
    assert built == []
    for bar in range(8):
        data.bar = bar
        data.history(["A", "B"], "close", 5, "1d")
    assert len(built) == 8
    sessions = data._sessions
    assert sessions is not None
    assert len(sessions._labels) == 3  # one per session for this length
