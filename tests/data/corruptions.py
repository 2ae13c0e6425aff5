"""Generated corruptions of small samples of the real data files, for the ingest fuzz test.

Each sample is the first lines of one file in ../shared/data with the preset that
reads it. `corrupt` applies one to three damages chosen by a `random.Random`
(hypothesis drives it through ``st.randoms()``; the counting script through plain
seeds), so the test and `benchmarks/ingest_fuzz.py` share one generator.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["CORRUPTIONS", "Sample", "corrupt", "load_samples"]


@dataclass(frozen=True)
class Sample:
    """The first lines of a real file and how to read it."""

    name: str
    preset: str
    symbol: str | None
    frequency: str
    text: bytes


_FILES = (
    ("all_stocks_5yr.csv.gz", "kaggle", None, "daily"),
    ("GSPC_daily_1927_2023.csv", "yahoo", "GSPC", "daily"),
    ("BTCUSDT_1m_binance_spot_2020-02-01_2020-04-30.csv.gz", "binance", None, "minute"),
    ("nt-spy-minute-2011-01.csv", "ninjatrader", None, "minute"),
)


def _head(path: Path, lines: int) -> bytes:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return b"".join(handle.readline() for _ in range(lines))


def load_samples(data_dir: Path, lines: int = 25) -> list[Sample]:
    return [
        Sample(name, preset, symbol, frequency, _head(data_dir / name, lines))
        for name, preset, symbol, frequency in _FILES
    ]


def _lines(text: bytes) -> list[bytes]:
    return text.split(b"\n")


def _truncate(text: bytes, rnd: random.Random) -> bytes:
    return text[: rnd.randrange(len(text) + 1)]


def _flip_bytes(text: bytes, rnd: random.Random) -> bytes:
    data = bytearray(text)
    for _ in range(rnd.randint(1, 8)):
        if data:
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    return bytes(data)


def _drop_column(text: bytes, rnd: random.Random) -> bytes:
    sep = b";" if text.count(b";") > text.count(b",") else b","
    lines = _lines(text)
    width = max(len(line.split(sep)) for line in lines)
    column = rnd.randrange(width)
    return b"\n".join(
        sep.join(cell for i, cell in enumerate(line.split(sep)) if i != column) for line in lines
    )


def _swap_separator(text: bytes, rnd: random.Random) -> bytes:
    new = rnd.choice([b";", b"\t", b"|", b" ", b","])
    old = b";" if text.count(b";") > text.count(b",") else b","
    return text.replace(old, new)


_GARBAGE = (
    b"",
    b"   ",
    b",,,,,,",
    b"\x00\x00\x00",
    b"\xff\xfe\xfd",
    b"garbage line",
    b"1,2,3",
    b"NaN,NaN,NaN,NaN,NaN,NaN,NaN",
    b"date,open,high,low,close,volume,Name",
    "é,ü,ß,€".encode(),
    b"9" * 400,
    b"$(id),1,2,3,4,5,../../etc/passwd",
)


def _insert_garbage(text: bytes, rnd: random.Random) -> bytes:
    lines = _lines(text)
    for _ in range(rnd.randint(1, 4)):
        lines.insert(rnd.randrange(len(lines) + 1), rnd.choice(_GARBAGE))
    return b"\n".join(lines)


_EXTREME_DATES = (
    b"0001-01-01",
    b"1600-01-01",
    b"1677-09-21",
    b"2262-04-12",
    b"9999-12-31",
    b"99999999 235900",
    b"00010101 000000",
    b"-62135596800000",
    b"253402300799000",
    b"99999999999999999",
    b"1e30",
    b"2013-02-30",
)


def _extreme_date(text: bytes, rnd: random.Random) -> bytes:
    lines = _lines(text)
    row = rnd.randrange(1, len(lines)) if len(lines) > 1 else 0
    line = lines[row]
    sep = b";" if line.count(b";") > line.count(b",") else b","
    cells = line.split(sep)
    cells[0] = rnd.choice(_EXTREME_DATES)
    lines[row] = sep.join(cells)
    return b"\n".join(lines)


def _hostile_symbol(text: bytes, rnd: random.Random) -> bytes:
    lines = _lines(text)
    row = rnd.randrange(1, len(lines)) if len(lines) > 1 else 0
    cells = lines[row].split(b",")
    cells[-1] = rnd.choice([b"../../etc/passwd", b"A" * 5000, b"AB\x00C", b"$(id)", b"`ls`"])
    lines[row] = b",".join(cells)
    return b"\n".join(lines)


def _blank_lines(text: bytes, rnd: random.Random) -> bytes:
    lines = _lines(text)
    for _ in range(rnd.randint(1, 3)):
        lines.insert(rnd.randrange(len(lines) + 1), b"")
    return b"\n".join(lines)


def _empty(text: bytes, rnd: random.Random) -> bytes:
    return rnd.choice([b"", b"\n", b"\n\n\n", _lines(text)[0] + b"\n"])


def _duplicate_cell(text: bytes, rnd: random.Random) -> bytes:
    """A huge cell, to check that error messages cap what they echo."""
    lines = _lines(text)
    row = rnd.randrange(1, len(lines)) if len(lines) > 1 else 0
    cells = lines[row].split(b",")
    cells[rnd.randrange(len(cells))] = b"x" * 100_000
    lines[row] = b",".join(cells)
    return b"\n".join(lines)


CORRUPTIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": _truncate,
    "flip_bytes": _flip_bytes,
    "drop_column": _drop_column,
    "swap_separator": _swap_separator,
    "insert_garbage": _insert_garbage,
    "extreme_date": _extreme_date,
    "hostile_symbol": _hostile_symbol,
    "blank_lines": _blank_lines,
    "empty": _empty,
    "huge_cell": _duplicate_cell,
}


def corrupt(text: bytes, rnd: random.Random) -> tuple[bytes, list[str]]:
    """``text`` damaged by one to three corruptions, and their names."""
    names = [rnd.choice(sorted(CORRUPTIONS)) for _ in range(rnd.randint(1, 3))]
    for name in names:
        text = CORRUPTIONS[name](text, rnd)
    return text, names


#: Longest error message accepted: echoed values must be capped.
MAX_MESSAGE = 4_000


def _stamp_text(preset: str, stamp: pd.Timestamp) -> bytes:
    """How ``stamp`` (a stored bar label) was written in a file of ``preset``."""
    if preset == "binance":
        return str(stamp.value // 1_000_000).encode()
    if preset == "ninjatrader":  # the file labels the bar's end
        return (stamp + pd.Timedelta(minutes=1)).strftime("%Y%m%d %H%M").encode()
    return stamp.strftime("%Y-%m-%d").encode()


def ingest_outcome(sample: Sample, data: bytes, folder: Path) -> str | None:
    """Ingest ``data`` read as ``sample``; None when it went well or failed with a clear
    `RustyBTError`, else a signature of the defect (internal error, uncapped echo,
    hostile symbol stored)."""
    from rustybt.data.catalog import ingest
    from rustybt.data.sources import preset
    from rustybt.errors import RustyBTError
    from rustybt.security import check_symbol

    path = folder / "sample.csv"
    path.write_bytes(data)
    try:
        report = ingest(
            preset(sample.preset, path, symbol=sample.symbol),
            folder / "catalog",
            name="fuzz",
            overwrite=True,
        )
    except RustyBTError as error:
        text = str(error) + (error.hint or "")
        if len(text) > MAX_MESSAGE:
            return f"uncapped message ({len(text)} chars) from {type(error).__name__}"
        return None
    except Exception as error:  # noqa: BLE001  # the defect this harness looks for
        return f"internal {type(error).__name__}: {str(error)[:80]}"
    clean = report.structural.clean
    for stamp in clean["timestamp"]:
        if _stamp_text(sample.preset, stamp) not in data:
            return f"stored timestamp {stamp} is not in the input (wrapped around?)"
    for symbol in set(clean["symbol"]):
        try:
            check_symbol(symbol)
        except RustyBTError:
            return "hostile symbol stored"
    return None
