"""`ColumnMap`: how the columns of a file map onto the canonical bar schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rustybt.errors import ConfigError

__all__ = ["ColumnMap", "EpochUnit", "Label"]

EpochUnit = Literal["s", "ms", "us", "ns"]
Label = Literal["start", "end"]


@dataclass(frozen=True)
class ColumnMap:
    """Which file column holds each bar field, and how to read the timestamps.

    Attributes:
        timestamp, open, high, low, close: names of the columns in the file.
        symbol: name of the ticker column; None when the file holds one instrument,
            then ``constant_symbol`` names it.
        constant_symbol: the symbol of every row when ``symbol`` is None.
        volume: name of the volume column; None when the file has no volume
            (volume is then 0.0 on every row).
        separator: field separator (``","``, ``";"``, ``"\\t"``).
        has_header: whether the first line holds column names.
        column_names: names to give the columns of a headerless file, in file order.
        timestamp_format: strptime format of a text timestamp (``"%Y-%m-%d"``,
            ``"%Y%m%d %H%M%S"``); None lets the parser infer ISO-8601.
        timestamp_unit: set when the timestamp is a Unix epoch number in this unit
            (``"ms"`` for Binance klines); epochs are UTC by definition.
        timezone: IANA zone of naive text timestamps (``"UTC"``, ``"America/New_York"``).
        label: ``"start"`` when a timestamp marks the bar's start, ``"end"`` when it
            marks its end (then it is shifted back by one bar to the start).
        skip_rows: lines to skip before the header (or the first data line).
    """

    timestamp: str = "timestamp"
    open: str = "open"
    high: str = "high"
    low: str = "low"
    close: str = "close"
    volume: str | None = "volume"
    symbol: str | None = "symbol"
    constant_symbol: str | None = None
    separator: str = ","
    has_header: bool = True
    column_names: tuple[str, ...] | None = None
    timestamp_format: str | None = None
    timestamp_unit: EpochUnit | None = None
    timezone: str = "UTC"
    label: Label = "start"
    skip_rows: int = 0

    def __post_init__(self) -> None:
        if self.symbol is None and not self.constant_symbol:
            raise ConfigError(
                "ColumnMap needs a symbol column or a constant_symbol",
                hint="pass symbol='Ticker' or constant_symbol='SPY'",
            )
        if self.symbol is not None and self.constant_symbol:
            raise ConfigError(
                "ColumnMap takes either a symbol column or a constant_symbol, not both",
                context={"symbol": self.symbol, "constant_symbol": self.constant_symbol},
            )
        if len(self.separator) != 1:
            raise ConfigError(
                "separator must be a single character", context={"separator": self.separator}
            )
        if not self.has_header and not self.column_names:
            raise ConfigError(
                "a headerless file needs column_names",
                hint="pass column_names=('timestamp', 'open', ...) in file order",
            )
        if self.timestamp_format is not None and self.timestamp_unit is not None:
            raise ConfigError("set timestamp_format or timestamp_unit, not both")
        if self.timestamp_unit not in (None, "s", "ms", "us", "ns"):
            raise ConfigError(
                "timestamp_unit must be one of s, ms, us, ns",
                context={"timestamp_unit": self.timestamp_unit},
            )
        if self.label not in ("start", "end"):
            raise ConfigError("label must be 'start' or 'end'", context={"label": self.label})
        if self.skip_rows < 0:
            raise ConfigError("skip_rows must be >= 0", context={"skip_rows": self.skip_rows})
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"unknown time zone {self.timezone!r}",
                context={"timezone": self.timezone},
                hint="use an IANA name such as 'UTC' or 'America/New_York'",
            ) from exc
        names = self.required_columns()
        if len(set(names)) != len(names):
            raise ConfigError(
                "ColumnMap maps two bar fields to the same file column",
                context={"columns": names},
            )
        if self.column_names is not None:
            absent = [name for name in names if name not in self.column_names]
            if absent:
                raise ConfigError(
                    f"column_names lacks mapped column(s): {', '.join(absent)}",
                    context={"column_names": self.column_names},
                )

    def field_columns(self) -> dict[str, str]:
        """Bar field -> file column, for the fields that come from the file."""
        mapping = {
            "timestamp": self.timestamp,
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
        }
        if self.volume is not None:
            mapping["volume"] = self.volume
        if self.symbol is not None:
            mapping["symbol"] = self.symbol
        return mapping

    def required_columns(self) -> list[str]:
        """The file columns this mapping reads."""
        return list(self.field_columns().values())
