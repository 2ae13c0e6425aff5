"""Day/month order is decided over the whole column, never guessed from one value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt.data.sources import ColumnMap, CSVSource
from rustybt.errors import SchemaError
from rustybt.interface import on_cli

ONE = ColumnMap(
    timestamp="Date",
    open="Open",
    high="High",
    low="Low",
    close="Close",
    volume="Volume",
    symbol=None,
    constant_symbol="X",
)


def _csv(path: Path, dates: list[str]) -> Path:
    lines = ["Date,Open,High,Low,Close,Volume"] + [f"{d},1,2,0.5,1.5,10" for d in dates]
    path.write_text("\n".join(lines) + "\n")
    return path


def _dates(path: Path, **kwargs: str) -> list[str]:
    frame = CSVSource(path, columns=ONE, **kwargs).read()  # type: ignore[arg-type]
    return [stamp.date().isoformat() for stamp in frame["timestamp"]]


def test_us_dates_with_days_up_to_12_are_refused_not_misread(tmp_path: Path) -> None:
    # polars alone reads 02/08/2013 as 2 August; the column cannot tell, so refuse.
    path = _csv(tmp_path / "us.csv", ["02/08/2013", "02/11/2013", "03/12/2013"])
    with pytest.raises(SchemaError, match="refusing to guess") as caught:
        CSVSource(path, columns=ONE).read()
    assert "date_format='%m/%d/%Y'" in str(caught.value.hint)
    with on_cli(), pytest.raises(SchemaError) as on_command_line:
        CSVSource(path, columns=ONE).read()
    assert "--date-format '%m/%d/%Y'" in str(on_command_line.value.hint)
    assert _dates(path, date_format="%m/%d/%Y") == ["2013-02-08", "2013-02-11", "2013-03-12"]


def test_the_order_is_taken_from_any_value_in_the_column(tmp_path: Path) -> None:
    # The deciding value is the last one: the first value alone would mislead.
    us = _csv(tmp_path / "us.csv", ["02/08/2013", "02/11/2013", "02/13/2013"])
    assert _dates(us) == ["2013-02-08", "2013-02-11", "2013-02-13"]
    eu = _csv(tmp_path / "eu.csv", ["02.08.2013", "13.08.2013"])
    assert _dates(eu) == ["2013-08-02", "2013-08-13"]
    timed = _csv(tmp_path / "t.csv", ["02/08/2013 09:30", "02/13/2013 16:00"])
    assert _dates(timed) == ["2013-02-08", "2013-02-13"]


def test_mixed_orders_and_mismatches_name_the_format_tried(tmp_path: Path) -> None:
    mixed = _csv(tmp_path / "mixed.csv", ["13/08/2013", "02/13/2013"])
    with pytest.raises(SchemaError, match="no day/month order fits"):
        CSVSource(mixed, columns=ONE).read()
    odd = _csv(tmp_path / "odd.csv", ["2013-02-08", "02/13/2013"])
    with pytest.raises(SchemaError, match=r"'%m/%d/%Y' \(detected from the column\)"):
        CSVSource(odd, columns=ONE).read()
    iso = _csv(tmp_path / "iso.csv", ["2013-02-08", "13.02.2013x"])
    with pytest.raises(SchemaError, match="cannot tell the time format"):
        CSVSource(iso, columns=ONE).read()
    given_format = _csv(tmp_path / "given.csv", ["02/08/2013", "2013-02-09"])
    with pytest.raises(SchemaError, match=r"does not match the timestamp format '%m/%d/%Y'"):
        CSVSource(given_format, columns=ONE, date_format="%m/%d/%Y").read()


@given(
    st.lists(
        st.dates(pd.Timestamp("1990-01-01").date(), pd.Timestamp("2030-12-31").date()),
        min_size=1,
        max_size=30,
    )
)
def test_detected_dates_are_right_or_refused(
    tmp_path_factory: pytest.TempPathFactory, days: list
) -> None:  # type: ignore[type-arg]
    path = _csv(tmp_path_factory.mktemp("h") / "d.csv", [d.strftime("%m/%d/%Y") for d in days])
    if all(d.day <= 12 for d in days):
        # Nothing in the column tells the order: refused, never guessed.
        with pytest.raises(SchemaError, match="refusing to guess"):
            _dates(path)
        return
    assert sorted(_dates(path)) == sorted(d.isoformat() for d in days)
