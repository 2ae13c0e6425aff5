"""Ready-made sources for common export formats (and the files in ../shared/data).

Each preset returns a configured `CSVSource`; the file itself is read as is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rustybt.data.bars import Frequency
from rustybt.data.sources.csv import CSVSource
from rustybt.data.sources.mapping import ColumnMap
from rustybt.errors import ConfigError
from rustybt.interface import hint_for

__all__ = [
    "ALL_STOCKS_5YR",
    "BINANCE_KLINE_COLUMNS",
    "PRESETS",
    "binance_klines",
    "kaggle_all_stocks",
    "ninjatrader_minute",
    "preset",
    "yahoo_daily",
]

#: Kaggle "S&P 500 stock data": ``date,open,high,low,close,volume,Name``.
ALL_STOCKS_5YR = ColumnMap(
    timestamp="date",
    symbol="Name",
    timestamp_format="%Y-%m-%d",
)

#: The 12 columns of a data.binance.vision kline file.
BINANCE_KLINE_COLUMNS: tuple[str, ...] = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_asset_volume",
    "number_of_trades",
    "taker_buy_base_asset_volume",
    "taker_buy_quote_asset_volume",
    "ignore",
)


def kaggle_all_stocks(path: str | Path) -> CSVSource:
    """Daily bars of many tickers in long format, ticker in the ``Name`` column."""
    return CSVSource(
        path,
        columns=ALL_STOCKS_5YR,
        frequency=Frequency.DAILY,
        description=f"Kaggle S&P 500 daily bars ({Path(path).name})",
    )


def yahoo_daily(path: str | Path, *, symbol: str) -> CSVSource:
    """A Yahoo-Finance-style export ``Date,Open,High,Low,Close,Adj Close,Volume``.

    ``Adj Close`` is not read: the bars keep the traded (unadjusted) prices.
    """
    columns = ColumnMap(
        timestamp="Date",
        open="Open",
        high="High",
        low="Low",
        close="Close",
        volume="Volume",
        symbol=None,
        constant_symbol=symbol,
        timestamp_format="%Y-%m-%d",
    )
    return CSVSource(
        path,
        columns=columns,
        frequency=Frequency.DAILY,
        description=f"Yahoo-style daily bars of {symbol} ({Path(path).name})",
    )


def binance_klines(
    path: str | Path, *, symbol: str = "BTCUSDT", has_header: bool = True
) -> CSVSource:
    """Binance spot klines: ``open_time`` is the bar start in Unix milliseconds (UTC).

    The raw data.binance.vision files have no header; pass ``has_header=False``.
    """
    columns = ColumnMap(
        timestamp="open_time",
        symbol=None,
        constant_symbol=symbol,
        timestamp_unit="ms",
        has_header=has_header,
        column_names=None if has_header else BINANCE_KLINE_COLUMNS,
    )
    return CSVSource(
        path,
        columns=columns,
        frequency=Frequency.MINUTE,
        description=f"Binance spot 1-minute klines of {symbol} ({Path(path).name})",
    )


def ninjatrader_minute(path: str | Path, *, symbol: str = "SPY") -> CSVSource:
    """NinjaTrader minute export: headerless ``YYYYMMDD HHMMSS;open;high;low;close;volume``.

    The timestamps are UTC and label the bar's end, so each is moved back one minute.
    """
    columns = ColumnMap(
        timestamp="timestamp",
        symbol=None,
        constant_symbol=symbol,
        separator=";",
        has_header=False,
        column_names=("timestamp", "open", "high", "low", "close", "volume"),
        timestamp_format="%Y%m%d %H%M%S",
        label="end",
    )
    return CSVSource(
        path,
        columns=columns,
        frequency=Frequency.MINUTE,
        description=f"NinjaTrader 1-minute bars of {symbol} ({Path(path).name})",
    )


def _needs_symbol(
    factory: Callable[..., CSVSource],
) -> Callable[[str | Path, str | None], CSVSource]:
    def build(path: str | Path, symbol: str | None) -> CSVSource:
        if symbol is None:
            raise ConfigError(
                "this preset needs a symbol",
                hint=hint_for(
                    python="pass symbol='GSPC' (or the ticker)",
                    cli="pass --symbol GSPC (or the ticker)",
                ),
            )
        return factory(path, symbol=symbol)

    return build


def _optional_symbol(
    factory: Callable[..., CSVSource],
) -> Callable[[str | Path, str | None], CSVSource]:
    def build(path: str | Path, symbol: str | None) -> CSVSource:
        return factory(path) if symbol is None else factory(path, symbol=symbol)

    return build


def _no_symbol(path: str | Path, symbol: str | None) -> CSVSource:
    if symbol is not None:
        raise ConfigError(
            "the kaggle preset reads tickers from its Name column; drop the symbol",
            hint=hint_for(python="call preset('kaggle', path) without symbol", cli="drop --symbol"),
        )
    return kaggle_all_stocks(path)


#: Preset name -> builder(path, symbol), for the CLI's ``--format`` option.
PRESETS: dict[str, Callable[[str | Path, str | None], CSVSource]] = {
    "kaggle": _no_symbol,
    "yahoo": _needs_symbol(yahoo_daily),
    "binance": _optional_symbol(binance_klines),
    "ninjatrader": _optional_symbol(ninjatrader_minute),
}


def preset(name: str, path: str | Path, *, symbol: str | None = None) -> CSVSource:
    """The source for a named export format (see `PRESETS`)."""
    try:
        builder = PRESETS[name]
    except KeyError:
        raise ConfigError(
            f"unknown data format {name!r}",
            context={"format": name},
            hint=f"use one of: {', '.join(sorted(PRESETS))}",
        ) from None
    return builder(path, symbol)
