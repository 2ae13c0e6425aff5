"""The three writers, the section switches, custom sections, the shortcut and the CLI."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt import BacktestResult
from rustybt.errors import ConfigError
from rustybt.report import SECTION_KEYS, ReportGenerator
from rustybt.report.display import thin
from rustybt.report.formatting import format_value


def test_html_is_self_contained_small_and_complete(
    demo_report: ReportGenerator, tmp_path: Path
) -> None:
    path = demo_report.to_html(tmp_path / "r.html")
    text = path.read_text()
    assert path.stat().st_size < 5_000_000
    # nothing is fetched from the network when the file is opened
    assert not re.search(r"""(src|href)=["']https?://""", text)
    for key in SECTION_KEYS:
        assert f'<section id="{key}">' in text
    assert text.count("<svg") >= 12
    assert "plotly" not in text.lower()  # static by default
    assert "@media print" in text
    assert 'name="viewport"' in text


def test_interactive_html_embeds_plotly_once(demo_result: BacktestResult, tmp_path: Path) -> None:
    path = ReportGenerator(demo_result, interactive=True).to_html(tmp_path / "i.html")
    assert path.stat().st_size < 5_000_000  # plotly.js itself is 4.8 MB of it
    text = path.read_text()
    assert len(re.findall(r"\* plotly\.js v\d", text)) == 1
    assert text.count('class="plotly-graph-div"') >= 12
    assert not re.search(r"""src=["']https?://""", text)


def test_pdf_has_numbered_pages(demo_report: ReportGenerator, tmp_path: Path) -> None:
    path = demo_report.to_pdf(tmp_path / "r.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type /Page\b", data))
    assert 5 <= pages <= 20
    letter = ReportGenerator(demo_report.inputs.returns, paper="letter").to_pdf(tmp_path / "l.pdf")
    assert b"/MediaBox [ 0 0 612 792 ]" in letter.read_bytes()


def test_write_by_suffix_and_shortcut(demo_result: BacktestResult, tmp_path: Path) -> None:
    written = demo_result.report(tmp_path / "out" / "report.json", sections=["metrics"])
    payload = json.loads(written.read_text())
    assert list(payload["sections"]) == ["metrics"]
    with pytest.raises(ConfigError, match="cannot tell the report format"):
        demo_result.report(tmp_path / "report.docx")


def test_sections_are_selectable_and_checked(demo_result: BacktestResult) -> None:
    chosen = ReportGenerator(demo_result, sections=["drawdown", "header"])
    assert [s.key for s in chosen.build()[0]] == ["drawdown", "header"]
    with pytest.raises(ConfigError, match="unknown report section"):
        ReportGenerator(demo_result, sections=["metrics", "sentiment"])


def test_custom_sections(demo_result: BacktestResult, tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 2))
    figure.add_subplot().plot([1, 3, 2])
    report = ReportGenerator(demo_result, sections=["header"])
    report.add_section("My table", pd.DataFrame({"x": [1.5, 2.5]}, index=["a", "b"]))
    report.add_section("My chart", figure)
    report.add_section("My words", "<p id='mine'>hello <b>there</b></p>")
    with pytest.raises(ConfigError, match="exists already"):
        report.add_section("My table", pd.DataFrame())
    with pytest.raises(ConfigError, match="matplotlib or plotly figure"):
        report.add_section("Bad", object())
    html = report.to_html(tmp_path / "c.html").read_text()
    assert "<p id='mine'>hello <b>there</b></p>" in html
    assert html.count("<svg") == 1
    payload = report.to_dict()
    table = payload["sections"]["custom_my_table"]["tables"]["custom_my_table"]  # type: ignore[index]
    assert table["data"] == [[1.5], [2.5]]
    report.to_pdf(tmp_path / "c.pdf")  # the figure gets a page of its own


def test_plain_returns_leave_out_what_needs_holdings(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    index = pd.bdate_range("2019-01-01", periods=600, tz="UTC")
    returns = pd.Series(rng.normal(0.0004, 0.01, 600), index=index, name="fund")
    bench = pd.Series(rng.normal(0.0003, 0.009, 600), index=index, name="index")
    report = ReportGenerator(returns, bench)
    sections, omitted = report.build()
    assert {s.key for s in sections} >= {"metrics", "equity", "risk", "attribution", "rolling"}
    reasons = dict(omitted)
    assert set(reasons) == {"trades", "positions", "data_issues"}
    assert "plain return series" in reasons["trades"]
    html = report.to_html(tmp_path / "p.html").read_text()
    assert "Not in this report" in html
    assert "plain return series" in html
    assert report.title == "fund report"
    notes = " ".join(report.to_dict()["sections"]["attribution"]["notes"])  # type: ignore[index]
    assert "no sector attribution" in notes


def test_report_of_loaded_result_equals_in_memory(
    demo_result: BacktestResult, demo_json: dict[str, object], tmp_path: Path
) -> None:
    loaded = BacktestResult.load(demo_result.save(tmp_path / "saved"))
    again = json.loads(json.dumps(ReportGenerator(loaded).to_dict(), allow_nan=False))
    assert again == demo_json


def test_long_history_is_thinned_for_display(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    index = pd.bdate_range("1980-01-01", periods=11_000, tz="UTC")
    returns = pd.Series(rng.normal(0.0003, 0.01, len(index)), index=index)
    report = ReportGenerator(returns, sections=["equity", "drawdown", "rolling", "calendar"])
    for section in report.build()[0]:
        for chart in section.charts:
            for series in chart.series.values():
                assert len(series) <= 1000
    path = report.to_html(tmp_path / "long.html")
    assert path.stat().st_size < 5_000_000


def test_thin_keeps_extremes_in_order() -> None:
    values = pd.Series(np.sin(np.linspace(0, 60, 50_000)) + np.linspace(0, 1, 50_000))
    values.iloc[12_345] = -9.0
    shown = thin(values, 400)
    assert len(shown) <= 400
    assert shown.index.is_monotonic_increasing
    assert shown.min() == -9.0
    assert shown.max() == values.max()
    assert (shown == values.loc[shown.index]).all()
    assert thin(pd.Series([1.0, np.nan, 2.0])).tolist() == [1.0, 2.0]


def test_display_formats() -> None:
    price = Decimal("91.65318968403352788153023447141094")  # a 34-digit ledger price
    assert format_value(price, "money") == "91.65"
    assert format_value(price, "price") == "91.6532"
    assert format_value(float("nan"), "pct") == "–"
    assert format_value(float("inf"), "num") == "inf"
    assert format_value(0.12345, "pct") == "12.35%"
    assert format_value(pd.Timestamp("2020-03-12 14:31", tz="UTC"), "date") == "2020-03-12 14:31"
    assert format_value(pd.Timedelta(hours=3), "days") == "3.0 h"
    assert format_value(None, "num") == "–"


def test_svg_axis_ticks_known_answers() -> None:
    from rustybt.report.svg_axes import date_ticks, nice_ticks, tick_label

    assert nice_ticks(-2.7, 7.3) == [-2.0, 0.0, 2.0, 4.0, 6.0]
    assert nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    assert [tick_label(t, "num", 2.5) for t in (-2.5, 0.0, 2.5, 5.0)] == [
        "-2.5",
        "0.0",
        "2.5",
        "5.0",
    ]
    assert tick_label(0.15, "pct", 0.05) == "15%"
    assert tick_label(0.025, "pct", 0.025) == "2.5%"
    years = date_ticks(pd.Timestamp("2015-01-02"), pd.Timestamp("2018-12-31"))
    assert [label for _, label in years] == ["2016", "2017", "2018"]
    months = date_ticks(pd.Timestamp("2020-02-01"), pd.Timestamp("2020-04-30 23:59"))
    assert [label for _, label in months] == ["Feb 2020", "Mar", "Apr"]
    hours = date_ticks(pd.Timestamp("2020-03-12 09:30"), pd.Timestamp("2020-03-12 16:00"))
    assert [label for _, label in hours][:2] == ["10:00", "11:00"]


def test_benchmark_and_universe_options_reach_every_section(demo_result: BacktestResult) -> None:
    from rustybt.analytics.metrics import performance_metrics

    other = demo_result.returns.shift(1).fillna(0.0).rename("lagged self") * 0.5
    report = ReportGenerator(
        demo_result, other, universe="traded", sections=["metrics", "attribution"]
    )
    payload = report.to_dict()
    metrics = payload["sections"]["metrics"]["tables"]["metrics"]  # type: ignore[index]
    assert metrics["columns"] == ["Strategy", "lagged self"]
    beta = metrics["data"][metrics["index"].index("Beta")][0]
    assert beta == performance_metrics(demo_result.returns, other).beta
    notes = " ".join(payload["sections"]["attribution"]["notes"])  # type: ignore[index]
    assert "traded assets" in notes
    assert "chosen with hindsight" in notes
    assert "CAPM regression on lagged self" in json.dumps(payload)


def test_factor_regression_section_equals_the_function(demo_result: BacktestResult) -> None:
    from rustybt.analytics.attribution import factor_regression

    rng = np.random.default_rng(11)
    index = demo_result.perf.index
    factors = pd.DataFrame(
        {
            "Mkt-RF": demo_result.benchmark_returns.fillna(0.0),
            "SMB": rng.normal(0, 0.005, len(index)),
        },
        index=index,
    )
    payload = ReportGenerator(demo_result, sections=["attribution"], factors=factors).to_dict()
    table = payload["sections"]["attribution"]["tables"]["factor_model"]  # type: ignore[index]
    expected = factor_regression(demo_result.returns, factors).to_frame()
    assert table["index"] == list(expected.index)
    np.testing.assert_array_equal(np.array(table["data"], dtype=float), expected.to_numpy())


def test_paper_trading_style_result_without_bars_or_universe(demo_result: BacktestResult) -> None:
    # What a live runner's result may carry: the tables and ledger, no bars or universe.
    meta = {k: demo_result.metadata[k] for k in ("strategy", "capital", "ledger", "run_id")}
    paper = BacktestResult(
        perf=demo_result.perf,
        transactions=demo_result.transactions,
        orders=demo_result.orders,
        positions=demo_result.positions,
        metadata={**meta, "mode": "paper"},
    )
    report = ReportGenerator(paper)
    sections, omitted = report.build()
    keys = [s.key for s in sections]
    assert omitted == []  # data_issues says the bars were not validated
    assert {"header", "metrics", "trades", "positions", "risk", "attribution"} <= set(keys)
    run = report.to_dict()["sections"]["header"]["tables"]["run"]  # type: ignore[index]
    assert run["data"][run["index"].index("Mode")] == ["paper"]
    assert "Paper" in report.subtitle
    notes = " ".join(report.to_dict()["sections"]["attribution"]["notes"])  # type: ignore[index]
    assert "no sector attribution" in notes
