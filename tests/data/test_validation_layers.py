"""The four validation layers on hand-made data, with hand-computed answers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.assets import AssetClass
from rustybt.data.validation import (
    RULES,
    Layer,
    Rule,
    Severity,
    ThresholdOverride,
    Thresholds,
    ValidationConfig,
    ValidationFailed,
    validate,
)
from rustybt.data.validation.ohlc import ohlc_masks
from rustybt.errors import ConfigError, SchemaError, ValidationError
from tests.data.validation_helpers import frame, sessions, zigzag

NAN = float("nan")
NOW = "2024-01-01"


def rows(*records: tuple[str, str, float, float, float, float, float]) -> pd.DataFrame:
    out = pd.DataFrame(
        records, columns=["timestamp", "symbol", "open", "high", "low", "close", "volume"]
    )
    out["timestamp"] = pd.to_datetime(out["timestamp"], utc=True, format="ISO8601")
    return out


# --- layer 1: schema -------------------------------------------------------------------


def test_rules_are_numbered_by_layer_in_registry_order() -> None:
    layers = [spec.layer for spec in RULES.values()]
    assert layers == sorted(layers)
    assert RULES[Rule.HIGH_BELOW_LOW].layer is Layer.OHLC
    assert RULES[Rule.CALENDAR_GAP].layer is Layer.TEMPORAL


def test_schema_problems_that_make_the_frame_unreadable_raise() -> None:
    good = rows(("2020-01-02", "A", 1, 1, 1, 1, 1))
    with pytest.raises(SchemaError, match="lacks required column"):
        validate(good.drop(columns=["close"]), source="t")
    with pytest.raises(SchemaError, match="'volume' holds object"):
        validate(good.astype({"volume": str}), source="t")


def test_zero_open_is_an_error_for_equities_and_a_close_only_bar_for_indexes() -> None:
    data = rows(
        ("2020-01-02", "SPX", 0.0, 3250.0, 3220.0, 3240.0, 1.0),
        ("2020-01-03", "SPX", 3230.0, 3240.0, 3200.0, 3230.0, 1.0),
    )
    equity = validate(data, source="t", now=NOW)
    assert equity.rows_rejected == 1
    assert equity.rejected.loc[0, "reason"] == "non_positive_price"

    index = validate(data, source="t", asset_class="index", now=NOW)
    assert index.rows_rejected == 0
    assert index.count(Rule.CLOSE_ONLY_BAR) == 1
    kept = index.clean.iloc[0]
    assert np.isnan(kept["open"])
    assert np.isnan(kept["high"])
    assert np.isnan(kept["low"])
    assert kept["close"] == 3240.0
    assert index.result(Rule.CLOSE_ONLY_BAR).examples[0]["open"] == 0.0  # the original value
    assert index.count(Rule.LOW_ABOVE_BODY) == 0  # no body check on a close-only bar


def test_close_only_policy_per_symbol_and_a_bad_close_still_rejects() -> None:
    config = ValidationConfig(symbols={"SPX": ThresholdOverride(close_only_bars=True)})
    data = rows(
        ("2020-01-02", "SPX", NAN, NAN, NAN, 3240.0, 1.0),
        ("2020-01-02", "XYZ", NAN, NAN, NAN, 10.0, 1.0),
        ("2020-01-03", "SPX", 0.0, 0.0, 0.0, 0.0, 1.0),
    )
    report = validate(data, source="t", config=config, now=NOW)
    assert report.count(Rule.CLOSE_ONLY_BAR) == 1
    assert sorted(zip(report.rejected["symbol"], report.rejected["reason"], strict=True)) == [
        ("SPX", "non_positive_price"),
        ("XYZ", "missing_price"),
    ]


def test_price_above_max_is_a_range_error_with_a_per_symbol_ceiling() -> None:
    config = ValidationConfig(symbols={"A": ThresholdOverride(max_price=500.0)})
    data = rows(
        ("2020-01-02", "A", 510.0, 520.0, 500.0, 505.0, 1.0),
        ("2020-01-02", "B", 510.0, 520.0, 500.0, 505.0, 1.0),
    )
    report = validate(data, source="t", config=config, now=NOW)
    assert list(report.rejected["symbol"]) == ["A"]
    assert report.rejected.loc[0, "reason"] == "price_above_max"


# --- layer 2: OHLCV relationships -------------------------------------------------------


def test_ohlc_masks_known_answers() -> None:
    o = np.array([10.0, 10.0, 10.0, 10.0, 0.0, NAN])
    h = np.array([11.0, 9.0, 11.0, 10.2, 11.0, 11.0])
    lo = np.array([9.0, 11.0, 10.5, 9.0, 9.0, 9.0])
    c = np.array([10.5, 10.0, 10.6, 10.5, 10.0, 10.0])
    v = np.array([1.0, 1.0, 1.0, 1.0, -1.0, 1.0])
    masks = ohlc_masks(o, h, lo, c, v)
    assert masks[Rule.HIGH_BELOW_LOW].tolist() == [False, True, False, False, False, False]
    # a zero open is also below the low (layer 1 or 2 rejects that row anyway)
    assert masks[Rule.LOW_ABOVE_BODY].tolist() == [False, True, True, False, True, False]
    assert masks[Rule.HIGH_BELOW_BODY].tolist() == [False, True, False, True, False, False]
    assert masks[Rule.NON_POSITIVE_PRICE].tolist() == [False, False, False, False, True, False]
    assert masks[Rule.NEGATIVE_VOLUME].tolist() == [False, False, False, False, True, False]
    # 0.5% tolerance: low 10.5 vs body low 10.0 is 5% off (still fires); high 10.2 vs
    # 10.5 is 2.9% off (still fires); a 0.1% miss does not.
    tolerant = ohlc_masks(
        np.array([10.0]),
        np.array([9.995]),
        np.array([9.0]),
        np.array([9.5]),
        np.array([1.0]),
        body_tolerance=0.001,
    )
    assert not tolerant[Rule.HIGH_BELOW_BODY][0]


finite_price = st.floats(0.5, 200.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(finite_price, finite_price, finite_price, finite_price), min_size=1))
def test_ohlc_masks_match_the_scalar_definitions(bars: list[tuple[float, ...]]) -> None:
    o, h, lo, c = (np.array(x) for x in zip(*bars, strict=True))
    masks = ohlc_masks(o, h, lo, c, np.ones(len(o)))
    for i, (op, hi, low, cl) in enumerate(bars):
        assert masks[Rule.HIGH_BELOW_LOW][i] == (hi < low)
        assert masks[Rule.LOW_ABOVE_BODY][i] == (low > min(op, cl))
        assert masks[Rule.HIGH_BELOW_BODY][i] == (hi < max(op, cl))


def test_severity_override_makes_a_body_violation_block() -> None:
    config = ValidationConfig(equity=Thresholds(severity={Rule.LOW_ABOVE_BODY: Severity.ERROR}))
    data = rows(("2020-01-02", "A", 10.0, 11.0, 10.5, 12.0, 1.0))
    assert validate(data, source="t", now=NOW).ok
    report = validate(data, source="t", config=config, now=NOW)
    assert report.rejected.loc[0, "reason"] == "low_above_body"
    assert report.result(Rule.LOW_ABOVE_BODY).severity is Severity.ERROR


def test_integrity_rules_cannot_be_downgraded() -> None:
    with pytest.raises(ConfigError, match="missing_price cannot change"):
        ValidationConfig.load({"equity": {"severity": {"missing_price": "warning"}}})
    with pytest.raises(ConfigError, match=r"crypto\.spike_z"):
        ValidationConfig.load({"crypto": {"spike_z": -1}})
    loaded = ValidationConfig.load({"symbols": {"TSLA": {"spike_min_move": 0.3}}})
    assert loaded.thresholds("TSLA", AssetClass.EQUITY).spike_min_move == 0.3
    assert loaded.thresholds("TSLA", AssetClass.EQUITY).spike_z == 10.0
    assert loaded.thresholds("AAPL", AssetClass.EQUITY).spike_min_move == 0.15


# --- layer 3: outliers ------------------------------------------------------------------


def _outlier_frame() -> pd.DataFrame:
    days = sessions("2020-01-02", "2020-03-31")[:40]
    bad = zigzag(40)
    bad[20] = 50.0  # halved for one bar, then back
    shifted = zigzag(40)
    shifted[20:] /= 2.0  # halved for good (an unadjusted 2:1 split)
    trend = 100.0 * 1.05 ** np.arange(40)  # +5% every day: 7x over the window
    volume = np.full(40, 1000.0)
    volume[30] = 50_000.0  # 50x the median of the 20 previous volumes
    volume[5] = 50_000.0  # no baseline yet (fewer than 20 previous bars)
    return pd.concat(
        [
            frame(days, "BAD", bad),
            frame(days, "SHIFT", shifted),
            frame(days, "TREND", trend, volume=volume),
        ]
    )


def test_reverting_spike_is_a_bad_print_and_a_lasting_one_a_level_shift() -> None:
    data = _outlier_frame()
    days = sessions("2020-01-02", "2020-03-31")[:40]
    report = validate(data, source="t", now=NOW)
    bad = report.result(Rule.BAD_PRINT)
    assert bad.count == 1
    assert (bad.examples[0]["symbol"], bad.examples[0]["timestamp"]) == (
        "BAD",
        days[20].isoformat(),
    )
    shift = report.result(Rule.LEVEL_SHIFT)
    assert shift.count == 1  # the reverting bar 21 of BAD is not a level shift
    assert (shift.examples[0]["symbol"], shift.examples[0]["close"]) == ("SHIFT", 50.0)
    assert report.ok  # warnings only: every row is stored


def test_a_steep_trend_is_not_an_outlier_and_volume_bursts_need_a_baseline() -> None:
    report = validate(_outlier_frame(), source="t", now=NOW)
    flagged = {(e["symbol"], e["timestamp"]) for e in report.result(Rule.VOLUME_SPIKE).examples}
    day30 = sessions("2020-01-02", "2020-03-31")[30].isoformat()
    assert flagged == {("TREND", day30)}
    trend_hits = [e for r in (Rule.BAD_PRINT, Rule.LEVEL_SHIFT) for e in report.result(r).examples]
    assert all(e["symbol"] != "TREND" for e in trend_hits)


def test_outlier_thresholds_per_symbol_and_severity_per_class() -> None:
    quiet = ValidationConfig(symbols={"SHIFT": ThresholdOverride(shift_min_move=0.8)})
    assert (
        validate(_outlier_frame(), source="t", config=quiet, now=NOW).count(Rule.LEVEL_SHIFT) == 0
    )  # |ln(50/101)| = 0.703 < 0.8
    blocking = ValidationConfig(equity=Thresholds(severity={Rule.BAD_PRINT: Severity.ERROR}))
    report = validate(_outlier_frame(), source="t", config=blocking, now=NOW)
    assert report.rows_rejected == 1
    assert (report.rejected.loc[0, "symbol"], report.rejected.loc[0, "reason"]) == (
        "BAD",
        "bad_print",
    )


# --- layer 4: temporal ------------------------------------------------------------------


def test_gaps_against_the_exchange_calendar_with_start_end_and_length() -> None:
    january = sessions("2020-01-02", "2020-01-31")  # 21 sessions; MLK day 01-20 is not one
    assert len(january) == 21
    day = pd.Timestamp
    held = january[
        (january < day("2020-01-08", tz="UTC")) | (january > day("2020-01-10", tz="UTC"))
    ]
    late = january[january >= day("2020-01-15", tz="UTC")]  # listed mid-month: not a gap
    data = pd.concat([frame(held, "A", zigzag(len(held))), frame(late, "B", zigzag(len(late)))])
    report = validate(data, source="t", now=NOW)
    assert report.gaps.to_dict("records") == [
        {
            "symbol": "A",
            "start": pd.Timestamp("2020-01-08", tz="UTC"),
            "end": pd.Timestamp("2020-01-10", tz="UTC"),
            "bars": 3,
        }
    ]
    assert report.count(Rule.CALENDAR_GAP) == 1
    assert report.result(Rule.CALENDAR_GAP).examples[0]["start"] == "2020-01-08T00:00:00+00:00"


def test_minute_gaps_on_a_24_7_calendar() -> None:
    minutes = pd.date_range("2020-02-01 00:00", periods=60, freq="min", tz="UTC")
    kept = minutes[(minutes.minute < 10) | (minutes.minute > 14)]
    report = validate(
        frame(kept, "BTCUSDT", zigzag(len(kept))), source="t", asset_class="crypto", now=NOW
    )
    assert report.frequency == "minute"
    assert report.gaps[["start", "end", "bars"]].to_dict("records") == [
        {
            "start": pd.Timestamp("2020-02-01 00:10", tz="UTC"),
            "end": pd.Timestamp("2020-02-01 00:14", tz="UTC"),
            "bars": 5,
        }
    ]


def test_off_calendar_misaligned_future_and_duplicate_bars() -> None:
    data = rows(
        ("2020-01-02", "A", 10, 11, 9, 10, 1),
        ("2020-01-04", "A", 10, 11, 9, 10, 1),  # a Saturday
        ("2020-01-06 12:00", "A", 10, 11, 9, 10, 1),  # not a session label
        ("2020-01-07", "A", 10, 11, 9, 10, 1),
        ("2020-01-07", "A", 10, 12, 9, 10, 1),  # duplicate
        ("2020-01-16", "A", 10, 11, 9, 10, 1),  # after "now"
    )
    report = validate(data, source="t", frequency="daily", now="2020-01-15 10:00")
    assert report.count(Rule.OFF_CALENDAR) == 2
    assert report.count(Rule.MISALIGNED_TIMESTAMP) == 1
    assert sorted(report.rejected["reason"]) == [
        "duplicate_bar",
        "duplicate_bar",
        "future_timestamp",
    ]
    assert report.rows_clean == 3


def test_unsorted_input_is_sorted_and_warned() -> None:
    data = rows(("2020-01-03", "A", 1, 1, 1, 1, 1), ("2020-01-02", "A", 1, 1, 1, 1, 1))
    report = validate(data, source="t", now=NOW)
    assert report.count(Rule.UNSORTED) == 2
    assert list(report.clean["timestamp"].dt.day) == [2, 3]


# --- the report and strict mode -------------------------------------------------------


def test_report_json_counts_per_rule_and_severity() -> None:
    data = rows(
        ("2020-01-02", "A", 10, 11, 9, 10, 1),
        ("2020-01-03", "A", 10, 9, 11, 10, 1),  # high < low, and both body rules
        ("2020-01-08", "A", 10, 11, 9, 10, 1),
    )
    report = validate(data, source="toy.csv", now=NOW)
    payload = json.loads(json.dumps(report.to_dict()))
    assert payload["rows_rejected"] == 1
    assert payload["by_severity"] == {"error": 1, "warning": 3}  # 2 body rules + 1 gap
    rules = {r["rule"]: r for r in payload["rules"]}
    assert list(rules) == [rule.value for rule in RULES]
    assert rules["high_below_low"]["severity"] == "error"
    assert rules["high_below_low"]["rejected"] == 1
    assert rules["high_below_low"]["layer"] == 2
    assert rules["low_above_body"]["severity"] == "warning"
    # 01-03 was quarantined, so the stored bars miss 01-03, 01-06 and 01-07.
    assert payload["gaps"]["listed"] == [
        {
            "symbol": "A",
            "start": "2020-01-03T00:00:00+00:00",
            "end": "2020-01-07T00:00:00+00:00",
            "bars": 3,
        }
    ]
    text = report.summary()
    assert text.splitlines()[0] == "toy.csv: 3 rows, 2 clean, 1 rejected"
    assert "A 2020-01-03T00:00:00+00:00 .. 2020-01-07T00:00:00+00:00 (3 bars)" in text


def test_strict_raises_with_counts() -> None:
    data = rows(("2020-01-02", "A", 10, 9, 11, 10, 1))
    with pytest.raises(ValidationFailed) as info:
        validate(data, source="f.csv", strict=True, now=NOW)
    assert isinstance(info.value, ValidationError)
    assert isinstance(info.value, SchemaError)
    assert info.value.context["counts"] == {"high_below_low": 1}


record = st.tuples(
    st.integers(0, 6),
    st.sampled_from(["A", "B", ""]),
    st.sampled_from([NAN, -1.0, 0.0, 1.0, 2.0]),
    st.sampled_from([1.0, 2.0, NAN]),
    st.sampled_from([1.0, 2.0]),
    st.sampled_from([1.0, 2.0, 0.0]),
    st.sampled_from([0.0, 10.0, -5.0]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(record, min_size=1, max_size=25), st.sampled_from(["equity", "index"]))
def test_nothing_is_lost_and_stored_rows_revalidate_clean(
    records: list[tuple[int, str, float, float, float, float, float]], kind: str
) -> None:
    data = rows(*((f"2020-01-{d + 2:02d}", *rest) for d, *rest in records))  # type: ignore[arg-type]
    report = validate(data, source="p", asset_class=kind, now=NOW)
    assert report.rows_clean + report.rows_rejected == len(data)
    assert (report.rejected["reason"] != "").all()
    assert sorted([*report.rejected["row"]]) == sorted(set(report.rejected["row"]))
    again = validate(report.clean, source="p", asset_class=kind, now=NOW)
    assert again.ok
    pd.testing.assert_frame_equal(again.clean, report.clean)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(finite_price, finite_price, finite_price, finite_price), min_size=2),
    st.floats(0.0, 0.05),
)
def test_ohlc_body_masks_with_a_per_asset_tolerance_match_the_scalar_rule(
    bars: list[tuple[float, ...]], spread: float
) -> None:
    # 2-D (time x 2 assets) with one tolerance per asset, as check_panel passes it.
    o, h, lo, c = (np.array(x).reshape(-1, 1).repeat(2, axis=1) for x in zip(*bars, strict=True))
    tolerance = np.array([0.0, spread])
    masks = ohlc_masks(o, h, lo, c, np.ones_like(o), body_tolerance=tolerance)
    for i, (op, hi, low, cl) in enumerate(bars):
        for j, tol in enumerate(tolerance):
            assert masks[Rule.LOW_ABOVE_BODY][i, j] == (low > min(op, cl) * (1.0 + tol))
            assert masks[Rule.HIGH_BELOW_BODY][i, j] == (hi < max(op, cl) * (1.0 - tol))
