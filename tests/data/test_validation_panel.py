"""The pre-run check: ERROR bars in the window are masked, reported, and skipped."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt import Strategy, run_backtest
from rustybt.assets import Asset, AssetClass
from rustybt.data.bars import BarPanel
from rustybt.data.validation import (
    RULES,
    Rule,
    Severity,
    Thresholds,
    ValidationConfig,
    check_panel,
)
from rustybt.data.validation import panel as panel_module
from rustybt.engine.algorithm import TradingContext
from rustybt.engine.data_portal import BarData

NAN = np.nan


def panel() -> BarPanel:
    index = pd.DatetimeIndex(["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"], tz="UTC")
    close = np.array([[10.0, 20.0], [11.0, 21.0], [12.0, 22.0], [13.0, 23.0]])
    high = close + 0.5
    low = close - 0.5
    high[1, 0] = 10.0  # A on 01-03: high 10 < low 10.5
    low[2, 1] = 22.2  # B on 01-06: low 22.2 > open 22 (body warning only)
    volume = np.full((4, 2), 1e6)
    return BarPanel(
        index=index,
        assets=(Asset("A"), Asset("B")),
        open=close.copy(),
        high=high,
        low=low,
        close=close,
        volume=volume,
    )


def test_error_bars_are_masked_and_warnings_counted() -> None:
    original = panel()
    checked = check_panel(original, now="2024-01-01")
    assert checked.counts == {"high_below_low": 1, "low_above_body": 1, "high_below_body": 1}
    assert checked.severities == {
        "high_below_low": "error",
        "low_above_body": "warning",
        "high_below_body": "warning",
    }
    assert checked.masked == (("2020-01-03T00:00:00+00:00", "A", "high_below_low"),)
    for name in ("open", "high", "low", "close", "volume"):
        assert np.isnan(checked.panel.field(name)[1, 0])
    np.testing.assert_array_equal(checked.panel.close[:, 1], [20.0, 21.0, 22.0, 23.0])
    assert original.close[1, 0] == 11.0  # the input is not modified
    summary = checked.to_dict()
    assert summary["bars_checked"] == 8
    assert summary["bars_masked"] == 1


def test_clean_panel_is_returned_as_is_and_future_bars_are_masked() -> None:
    fine = panel()
    fine.high[1, 0] = 11.5
    checked = check_panel(fine, config=ValidationConfig(), now="2024-01-01")
    assert checked.panel is fine
    assert checked.ok
    future = check_panel(fine, now="2020-01-06 15:00")
    assert future.counts["future_timestamp"] == 2  # both assets on 01-07
    assert np.isnan(future.panel.close[3]).all()


def test_configured_severities_apply_per_asset() -> None:
    strict = ValidationConfig(equity=Thresholds(severity={Rule.LOW_ABOVE_BODY: Severity.ERROR}))
    checked = check_panel(panel(), config=strict, now="2024-01-01")
    assert {(symbol, reason) for _, symbol, reason in checked.masked} == {
        ("A", "high_below_low"),
        ("B", "low_above_body"),
    }


class BuyA(Strategy):
    def handle_data(self, context: TradingContext, data: BarData) -> None:
        if data.current_dt == pd.Timestamp("2020-01-02", tz="UTC"):
            context.order("A", 100)


def test_run_backtest_skips_masked_bars_and_reports_them(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="rustybt.data.validation"):
        result = run_backtest(BuyA, panel(), volume_limit=None)
    assert "data.validation.masked" in caplog.text
    issues = result.metadata["data_issues"]
    assert isinstance(issues, dict)
    assert issues["bars_masked"] == 1
    assert issues["masked"] == [
        {"timestamp": "2020-01-03T00:00:00+00:00", "symbol": "A", "reason": "high_below_low"}
    ]
    # The order placed on 01-02 would fill at 01-03's open; that bar is masked, so it
    # fills at the next good bar's open (01-06, 12.0).
    fill = result.transactions.iloc[0]
    assert fill["price"] == 12.0
    assert pd.Timestamp(fill["timestamp"]) == pd.Timestamp("2020-01-06", tz="UTC")

    unchecked = run_backtest(BuyA, panel(), volume_limit=None, validate=False)
    assert unchecked.metadata["data_issues"] == {"checked": False}
    assert unchecked.transactions.iloc[0]["price"] == 11.0


def test_the_default_check_without_a_config_is_the_default_configs_check() -> None:
    # check_panel(config=None) skips pydantic; it must mean exactly ValidationConfig().
    default = ValidationConfig()
    for asset_class in AssetClass:
        thresholds = default.for_class(asset_class)
        assert thresholds.body_tolerance == 0.0
        for rule in Rule:
            assert thresholds.severity_of(rule) is RULES[rule].severity
    mixed = replace(
        panel(), assets=(Asset("A"), Asset.crypto("B")), low=panel().low * np.array([1.0, 1.2])
    )
    for bars in (panel(), mixed):
        fast = check_panel(bars, now="2024-01-01")
        configured = check_panel(bars, config=default, now="2024-01-01")
        assert fast.to_dict() == configured.to_dict()
        for name in ("open", "high", "low", "close", "volume"):
            np.testing.assert_array_equal(fast.panel.field(name), configured.panel.field(name))


# -- the clean-panel shortcut (`_clean_bars`) against the full pass -------------------


def _grid(rows: int, cols: int, damage: list[tuple[int, int, int]]) -> BarPanel:
    index = pd.date_range("2020-01-01", periods=rows, freq="D", tz="UTC")
    close = 10.0 + np.arange(rows * cols, dtype=float).reshape(rows, cols) % 7
    open_, high, low = close.copy(), close + 1.0, close - 1.0
    volume = np.full((rows, cols), 1e4)
    for row, col, kind in damage:
        r, c = row % rows, col % cols
        if kind == 0:
            close[r, c] = NAN  # absent: no rule may fire on it
            open_[r, c] = -1.0
        elif kind == 1:
            high[r, c] = low[r, c] - 0.5  # high below low: an error
        elif kind == 2:
            low[r, c] = open_[r, c] + 0.25  # low above the body: a warning
            high[r, c] = low[r, c] + 1.0
        elif kind == 3:
            volume[r, c] = -5.0
        else:
            open_[r, c] = 0.0
    assets = tuple(Asset(f"S{i}") for i in range(cols))
    return BarPanel(index, assets, open_, high, low, close, volume)


# Each example patches inside its own `monkeypatch.context()`, undone before the next.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.integers(1, 40),
    cols=st.integers(1, 6),
    damage=st.lists(
        st.tuples(st.integers(0, 99), st.integers(0, 9), st.integers(0, 4)), max_size=4
    ),
    block=st.sampled_from([1, 5, 64, 1 << 16]),
    now=st.sampled_from(["2019-06-01", "2020-01-20", "2030-01-01"]),
)
def test_the_block_shortcut_gives_what_the_full_pass_gives(
    rows: int,
    cols: int,
    damage: list[tuple[int, int, int]],
    block: int,
    now: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bars = _grid(rows, cols, damage)
    with monkeypatch.context() as patch:
        patch.setattr(panel_module, "_BLOCK", block)
        shortcut = check_panel(bars, now=now)
    with monkeypatch.context() as patch:
        patch.setattr(panel_module, "_clean_bars", lambda *args: None)
        full = check_panel(bars, now=now)
    assert shortcut.to_dict() == full.to_dict()
    assert shortcut.bars_checked == full.bars_checked
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(shortcut.panel.field(name), full.panel.field(name))
    if full.ok and not full.counts:
        assert shortcut.panel is bars  # clean: the input itself, no copy
