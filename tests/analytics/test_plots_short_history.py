"""Figures on short histories (a 90-day run): rolling windows chosen from the
data's length, panels that say why they are empty, date labels that never overlap."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg

from rustybt.analytics import plots
from rustybt.analytics.plots.rolling import choose_window


def _returns(days: int, seed: int = 3) -> pd.Series:
    index = pd.date_range("2020-02-01", periods=days, freq="D", tz="UTC")
    rng = np.random.default_rng(seed)
    return pd.Series(rng.normal(0.001, 0.03, days), index=index)


def _axes_titled(figure: object, prefix: str) -> list[Axes]:
    return [a for a in figure.axes if a.get_title(loc="left").startswith(prefix)]  # type: ignore[attr-defined]


def _texts(figure: object) -> str:
    return " ".join(t.get_text() for a in figure.axes for t in a.texts)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("observations", "window"),
    [
        (1000, 126),
        (252, 126),
        (251, 63),
        (126, 63),
        (90, 42),
        (50, 21),
        (20, 10),
        (10, 5),
        (9, None),
    ],
)
def test_window_is_chosen_from_the_history_length(observations: int, window: int | None) -> None:
    assert choose_window(observations) == window


def test_a_90_day_tearsheet_has_drawn_rolling_panels() -> None:
    returns = _returns(90)
    figure = plots.tearsheet(returns, benchmark=_returns(90, seed=4))
    for title in (
        "Rolling Sharpe ratio (42 periods)",
        "Rolling volatility (42 periods)",
        "Rolling beta to benchmark (42 periods)",
    ):
        (axes,) = _axes_titled(figure, title)
        (line,) = [ln for ln in axes.lines if ln.get_label() in ("Sharpe", "Volatility", "Beta")]
        drawn = np.asarray(line.get_ydata(), dtype=float)
        assert np.isfinite(drawn).sum() == 90 - 42 + 1


def test_too_short_for_any_window_leaves_the_panels_out_with_a_note() -> None:
    figure = plots.tearsheet(_returns(8))
    assert not _axes_titled(figure, "Rolling")
    assert "rolling Sharpe, volatility and beta left out" in _texts(figure)
    assert "8 observations" in _texts(figure)


def test_a_window_longer_than_the_data_says_so_instead_of_inventing_dates() -> None:
    figure = plots.plot_rolling_sharpe(_returns(30), window=126)
    (axes,) = figure.axes
    assert not axes.lines
    assert "not enough data: 30 observations" in _texts(figure)
    assert list(axes.get_xticks()) == []


def _overlaps(axes: Axes, renderer: object) -> bool:
    boxes = [
        label.get_window_extent(renderer)  # type: ignore[arg-type]
        for label in axes.get_xticklabels()
        if label.get_text() and label.get_visible()
    ]
    boxes.sort(key=lambda box: box.x0)
    return any(left.x1 > right.x0 for left, right in itertools.pairwise(boxes))


@pytest.mark.parametrize("days", [12, 40, 90, 400])
def test_rolling_date_labels_do_not_overlap(days: int) -> None:
    figure = plots.tearsheet(_returns(days), benchmark=_returns(days, seed=5))
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    rolling = _axes_titled(figure, "Rolling")
    assert rolling or days < 10
    for axes in rolling:
        assert not _overlaps(axes, renderer), axes.get_title(loc="left")
        years = [t.get_text() for t in axes.get_xticklabels()]
        assert not any("1970" in text or text.startswith("01-01") for text in years)


def test_interactive_rolling_panels_choose_their_window_on_short_histories() -> None:
    pytest.importorskip("plotly")
    from rustybt.analytics.plots.interactive import performance

    index = pd.date_range("2020-02-01", periods=90, freq="D", tz="UTC")
    returns = pd.Series(np.random.default_rng(3).normal(0.0, 0.01, 90), index=index)
    figure = performance.plot_rolling_sharpe(returns)
    values = np.asarray(figure.data[0].y, dtype=float)
    # 90 observations: a 42-period window (126 and 63 would leave too few points).
    assert figure.layout.title.text == "Rolling Sharpe ratio (42 periods)"
    assert np.isfinite(values).sum() == 90 - 42 + 1
    short = performance.plot_rolling_volatility(returns.iloc[:8])
    notes = [a.text for a in short.layout.annotations]
    assert any("not enough data" in text for text in notes)
