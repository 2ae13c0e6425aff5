"""Structural validation: each rule on a hand-made frame, the split policy, strict mode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.data.bars import BAR_COLUMNS
from rustybt.data.sources import kaggle_all_stocks
from rustybt.data.structural import (
    RULES,
    Rule,
    Severity,
    StructuralError,
    check_structure,
)
from rustybt.errors import SchemaError, ValidationError

NAN = float("nan")


def bars(rows: list[tuple[str, str, float, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(BAR_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


GOOD = ("2020-01-02", "A", 10.0, 11.0, 9.0, 10.5, 100.0)


def test_clean_frame_passes_untouched() -> None:
    frame = bars([GOOD, ("2020-01-02", "B", 5.0, 5.0, 5.0, 5.0, 0.0)])
    report = check_structure(frame, source="t")
    assert report.ok
    assert report.rows_clean == 2
    assert report.rejected.empty
    pd.testing.assert_frame_equal(report.clean, frame)
    assert report.fired() == []


@pytest.mark.parametrize(
    ("row", "rule"),
    [
        (("2020-01-03", "A", NAN, 11.0, 9.0, 10.0, 1.0), Rule.MISSING_PRICE),
        (("2020-01-03", "A", 10.0, 11.0, 9.0, np.inf, 1.0), Rule.MISSING_PRICE),
        (("2020-01-03", "A", 0.0, 11.0, 9.0, 10.0, 1.0), Rule.NON_POSITIVE_PRICE),
        (("2020-01-03", "A", 10.0, 11.0, -9.0, 10.0, 1.0), Rule.NON_POSITIVE_PRICE),
        (("2020-01-03", "A", 10.0, 11.0, 9.0, 10.0, -1.0), Rule.NEGATIVE_VOLUME),
        (("2020-01-03", "A", 10.0, 11.0, 9.0, 10.0, NAN), Rule.MISSING_VOLUME),
        (("2020-01-03", "A", 10.0, 9.0, 11.0, 10.0, 1.0), Rule.HIGH_BELOW_LOW),
        (("2020-01-03", "", 10.0, 11.0, 9.0, 10.0, 1.0), Rule.MISSING_SYMBOL),
    ],
)
def test_each_error_rule_rejects_its_row(
    row: tuple[str, str, float, float, float, float, float], rule: Rule
) -> None:
    report = check_structure(bars([GOOD, row]), source="t")
    assert RULES[rule].severity is Severity.ERROR
    assert report.count(rule) == 1
    assert report.rows_clean == 1
    assert report.rows_rejected == 1
    assert report.rejected.loc[0, "reason"] == rule.value
    assert report.rejected.loc[0, "row"] == 1
    assert report.clean.loc[0, "symbol"] == "A"


def test_missing_timestamp_is_rejected() -> None:
    frame = bars([GOOD, GOOD])
    frame.loc[1, "timestamp"] = pd.NaT
    report = check_structure(frame, source="t")
    assert report.count(Rule.MISSING_TIMESTAMP) == 1
    assert report.count(Rule.DUPLICATE_BAR) == 0  # NaT rows are not compared as duplicates
    assert report.rows_clean == 1


def test_duplicates_reject_every_copy() -> None:
    other = ("2020-01-02", "A", 10.0, 12.0, 9.0, 11.0, 100.0)
    report = check_structure(bars([GOOD, other, ("2020-01-03", *GOOD[1:])]), source="t")
    assert report.count(Rule.DUPLICATE_BAR) == 2
    assert list(report.rejected["reason"]) == ["duplicate_bar", "duplicate_bar"]
    assert list(report.rejected["row"]) == [0, 1]
    assert report.rows_clean == 1


def test_several_rules_on_one_row_join_reasons() -> None:
    report = check_structure(bars([("2020-01-02", "A", NAN, 5.0, 9.0, 10.0, -1.0)]), source="t")
    assert report.rejected.loc[0, "reason"] == "missing_price; negative_volume; high_below_low"


def test_body_rules_warn_but_keep_rows() -> None:
    low_above = ("2020-01-02", "A", 10.0, 11.0, 10.5, 12.0 - 1.5, 1.0)  # low 10.5 > open 10
    high_below = ("2020-01-02", "B", 10.0, 10.2, 9.0, 10.5, 1.0)  # high 10.2 < close 10.5
    report = check_structure(bars([low_above, high_below]), source="t")
    assert report.count(Rule.LOW_ABOVE_BODY) == 1
    assert report.count(Rule.HIGH_BELOW_BODY) == 1
    assert report.ok
    assert report.rows_clean == 2


def test_unsorted_input_is_sorted_and_rows_keep_input_positions() -> None:
    frame = bars(
        [
            ("2020-01-03", "A", 1, 1, 1, 1, 1),
            ("2020-01-02", "B", 1, 1, 1, 1, 1),
            ("2020-01-02", "A", 0, 1, 1, 1, 1),
        ]
    )
    report = check_structure(frame, source="t")
    assert report.count(Rule.UNSORTED) == 3
    assert list(report.clean["symbol"]) == ["B", "A"]
    assert report.rejected.loc[0, "row"] == 2


def test_naive_timestamps_are_taken_as_utc_with_a_warning() -> None:
    frame = bars([GOOD])
    frame["timestamp"] = frame["timestamp"].dt.tz_localize(None)
    report = check_structure(frame, source="t")
    assert report.count(Rule.TZ_NAIVE) == 1
    assert report.clean.loc[0, "timestamp"] == pd.Timestamp("2020-01-02", tz="UTC")


def test_line_column_is_carried_into_rejected_rows() -> None:
    frame = bars([GOOD, ("2020-01-03", "A", -1, 1, 1, 1, 1)])
    frame["line"] = [7, 9]
    report = check_structure(frame, source="f.csv")
    assert report.rejected.loc[0, "line"] == 9
    assert "line" not in report.clean.columns
    example = report.results[
        [r.rule for r in report.results].index(Rule.NON_POSITIVE_PRICE)
    ].examples[0]
    assert example["line"] == 9
    assert example["timestamp"] == "2020-01-03T00:00:00+00:00"


def test_strict_raises_a_validation_and_schema_error() -> None:
    with pytest.raises(StructuralError) as info:
        check_structure(
            bars([GOOD, ("2020-01-03", "A", 10.0, 9.0, 11.0, 10.0, 1.0)]),
            source="f.csv",
            strict=True,
        )
    assert isinstance(info.value, ValidationError)
    assert isinstance(info.value, SchemaError)
    assert info.value.context["counts"] == {"high_below_low": 1}
    check_structure(bars([GOOD]), source="t", strict=True)  # clean data passes


def test_frame_level_schema_problems_raise() -> None:
    with pytest.raises(SchemaError, match="lacks required column"):
        check_structure(bars([GOOD]).drop(columns=["volume"]), source="t")
    text_prices = bars([GOOD]).astype({"open": str})
    with pytest.raises(SchemaError, match="'open' holds object"):
        check_structure(text_prices, source="t")
    text_times = bars([GOOD]).astype({"timestamp": str})
    with pytest.raises(SchemaError, match="'timestamp' holds object"):
        check_structure(text_times, source="t")


def test_report_is_json_friendly() -> None:
    report = check_structure(bars([GOOD, ("2020-01-03", "A", NAN, 1, 1, 1, 1)]), source="t")
    data = json.loads(json.dumps(report.to_dict()))
    assert data["rows_rejected"] == 1
    assert [r["rule"] for r in data["rules"]] == [rule.value for rule in RULES]
    assert "1 rejected" in report.summary()


row_strategy = st.tuples(
    st.integers(0, 5),
    st.sampled_from(["A", "B", "C", ""]),
    st.sampled_from([NAN, -1.0, 0.0, 1.0, 2.0, 3.0]),
    st.sampled_from([1.0, 2.0, 3.0, NAN]),
    st.sampled_from([1.0, 2.0, 3.0]),
    st.sampled_from([1.0, 2.0]),
    st.sampled_from([0.0, 10.0, -5.0]),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(row_strategy, min_size=1, max_size=30))
def test_split_loses_nothing_and_clean_rows_are_clean(
    rows: list[tuple[int, str, float, float, float, float, float]],
) -> None:
    frame = bars([(f"2020-01-{day + 1:02d}", *rest) for day, *rest in rows])  # type: ignore[misc]
    report = check_structure(frame, source="p")
    assert report.rows_clean + report.rows_rejected == len(frame)
    assert report.rejected["row"].is_unique
    again = check_structure(report.clean, source="p")
    assert again.ok
    assert again.count(Rule.UNSORTED) == 0
    pd.testing.assert_frame_equal(again.clean, report.clean)


@pytest.mark.realdata
def test_all_stocks_5yr_known_anomalies(shared_data: Path) -> None:
    frame = kaggle_all_stocks(shared_data / "all_stocks_5yr.csv.gz").read(line_numbers=True)
    report = check_structure(frame, source="all_stocks_5yr")
    assert report.count(Rule.MISSING_PRICE) == 11
    assert report.count(Rule.HIGH_BELOW_LOW) == 1
    assert report.count(Rule.LOW_ABOVE_BODY) == 11
    assert report.count(Rule.HIGH_BELOW_BODY) == 1
    assert report.count(Rule.DUPLICATE_BAR) == 0
    assert report.count(Rule.NON_POSITIVE_PRICE) == 0
    assert report.rows_clean == 619_040 - 12
    rejected = set(
        zip(
            report.rejected["symbol"],
            report.rejected["timestamp"].dt.strftime("%Y-%m-%d"),
            strict=True,
        )
    )
    assert rejected == {
        ("AOS", "2014-05-19"),
        ("BHF", "2017-07-26"),
        ("DHR", "2015-07-17"),
        ("DHR", "2016-01-12"),
        ("ES", "2015-07-17"),
        ("FTV", "2016-07-01"),
        ("O", "2015-07-17"),
        ("O", "2016-01-12"),
        ("REGN", "2015-06-09"),
        ("UA", "2016-04-07"),
        ("VRTX", "2015-05-12"),
        ("WRK", "2015-06-26"),
    }
    bhf = report.rejected.set_index("symbol").loc["BHF"]
    assert bhf["line"] == 82_951  # the line of that row in the unedited file
    low_above = report.results[[r.rule for r in report.results].index(Rule.LOW_ABOVE_BODY)]
    flagged = report.clean["low"] > np.minimum(report.clean["open"], report.clean["close"])
    flagged_keys = set(
        zip(
            report.clean.loc[flagged, "symbol"],
            report.clean.loc[flagged, "timestamp"].dt.strftime("%Y-%m-%d"),
            strict=True,
        )
    )
    assert {("LNT", "2016-05-19"), ("CHD", "2014-05-19"), ("SPG", "2014-05-28")} <= flagged_keys
    assert low_above.count == 11
