"""The `Source` protocol every bar source satisfies, and helpers shared by file sources."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from rustybt.data.bars import Frequency
from rustybt.data.sources.mapping import ColumnMap
from rustybt.errors import DataNotFound

__all__ = ["FileSource", "Source", "existing_file"]


@runtime_checkable
class Source(Protocol):
    """Anything that yields a canonical long frame of bars.

    ``read()`` returns the columns `BAR_COLUMNS` (timestamp tz-aware UTC, symbol str,
    OHLCV float64), sorted by timestamp then symbol, every input row kept; with
    ``line_numbers=True`` it adds an int ``line`` column (1-based line or row in the
    file) so validation can point back at the input, and, for a text file that does
    not end with a newline, a bool ``truncated`` column marking its possibly cut-off
    last line (validation quarantines it as ``truncated_line``).
    """

    @property
    def frequency(self) -> Frequency: ...

    @property
    def description(self) -> str: ...

    def read(self, *, line_numbers: bool = False) -> pd.DataFrame: ...


def existing_file(path: str | Path) -> Path:
    """The path as a `Path`, or DataNotFound naming it when there is no such file."""
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise DataNotFound(
            f"data file not found: {resolved}",
            context={"path": str(resolved)},
            hint="check the path; relative paths are taken from the current directory",
        )
    return resolved


class FileSource:
    """What every file source shares: the path, the `ColumnMap`, the frequency and a
    description. Subclasses name their format and implement ``read``.

    ``date_format`` (a strptime format such as ``"%m/%d/%Y"``) sets the mapping's
    ``timestamp_format``; without one, numeric day/month dates are read only when the
    column itself shows the order (see `rustybt.data.sources.dates`)."""

    FORMAT = "data"

    def __init__(
        self,
        path: str | Path,
        *,
        columns: ColumnMap | None = None,
        frequency: Frequency | str = Frequency.DAILY,
        description: str | None = None,
        date_format: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.columns = columns or ColumnMap()
        if date_format is not None:
            # The usual name for ColumnMap.timestamp_format (see docs/data.md).
            self.columns = replace(self.columns, timestamp_format=date_format)
        self._frequency = Frequency(frequency)
        self._description = description or f"{self.FORMAT} file {self.path.name}"

    @property
    def frequency(self) -> Frequency:
        return self._frequency

    @property
    def description(self) -> str:
        return self._description

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, frequency={self._frequency.value!r})"
