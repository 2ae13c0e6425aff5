from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rustybt.assets import Asset
from rustybt.data.bars import BarPanel
from rustybt.errors import DataNotFound, SchemaError, UnknownSymbol


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2020-01-02", "2020-01-02", "2020-01-03"]),
            "symbol": ["B", "A", "A"],
            "open": [10.0, 1.0, 2.0],
            "high": [11.0, 1.5, 2.5],
            "low": [9.0, 0.5, 1.5],
            "close": [10.5, 1.2, 2.2],
            "volume": [100.0, 200.0, 300.0],
        }
    )


def test_from_frame_aligns_assets_and_marks_missing_bars_nan() -> None:
    panel = BarPanel.from_frame(_frame())
    assert panel.symbols == ("A", "B")
    assert str(panel.index.tz) == "UTC"
    np.testing.assert_array_equal(panel.close, [[1.2, 10.5], [2.2, np.nan]])
    assert panel.to_frame().shape == (3, 7)


def test_select_window_and_assets() -> None:
    panel = BarPanel.from_frame(_frame(), assets=[Asset("B", sector="Tech")])
    sub = panel.select(start="2020-01-03", assets=["A"])
    assert sub.close.tolist() == [[2.2]]
    assert panel.assets[panel.column("B")].sector == "Tech"
    with pytest.raises(UnknownSymbol, match="'Z'"):
        panel.column("Z")
    with pytest.raises(DataNotFound):
        panel.select(start="2021-01-01")


def test_duplicates_and_missing_columns_are_schema_errors() -> None:
    frame = _frame()
    with pytest.raises(SchemaError, match="duplicate"):
        BarPanel.from_frame(pd.concat([frame, frame.iloc[:1]]))
    with pytest.raises(SchemaError, match="volume"):
        BarPanel.from_frame(frame.drop(columns="volume"))


def test_column_finds_assets_by_object_or_symbol_and_the_first_of_a_repeated_symbol() -> None:
    panel = BarPanel.from_frame(_frame())
    assert panel.column("A") == 0
    assert panel.column(Asset("B")) == 1
    with pytest.raises(UnknownSymbol, match="'C'"):
        panel.column("C")
    twice = BarPanel(
        index=panel.index,
        assets=(Asset("A"), Asset("A")),
        open=panel.open,
        high=panel.high,
        low=panel.low,
        close=panel.close,
        volume=panel.volume,
    )
    assert twice.column("A") == 0  # as the scan it replaced
