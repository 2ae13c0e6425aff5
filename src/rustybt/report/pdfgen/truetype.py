"""Read a TrueType font (character map, advance widths) and cut a subset of its glyphs.

Only what a PDF writer needs: the glyph of each character, its advance width,
the font's bounding box and vertical metrics, and a smaller font file holding
just the glyphs used (glyph ids unchanged, unused glyphs emptied), so a report
embeds tens of kilobytes instead of the whole 750 kB file. TrueType outlines
(``glyf``) only; CFF-flavoured OpenType fonts are not supported.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rustybt.errors import ConfigError

__all__ = ["TrueTypeFont", "load_font"]

# Tables a PDF viewer needs to draw glyphs of an embedded TrueType font (PDF 32000, 9.9).
_KEPT_TABLES = (b"head", b"hhea", b"maxp", b"hmtx", b"loca", b"glyf", b"cvt ", b"fpgm", b"prep")
# Composite glyph flags (OpenType spec, 'glyf' table).
_ARGS_ARE_WORDS, _HAVE_SCALE, _MORE, _XY_SCALE, _TWO_BY_TWO = 0x1, 0x8, 0x20, 0x40, 0x80


def _u16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "big")


def _i16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "big", signed=True)


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _cmap_format4(data: bytes, at: int) -> dict[int, int]:
    segments = _u16(data, at + 6) // 2
    ends, starts = at + 14, at + 16 + 2 * segments
    deltas, ranges = starts + 2 * segments, starts + 4 * segments
    mapping: dict[int, int] = {}
    for s in range(segments):
        start, end = _u16(data, starts + 2 * s), _u16(data, ends + 2 * s)
        delta, offset = _u16(data, deltas + 2 * s), _u16(data, ranges + 2 * s)
        if start == 0xFFFF:
            continue
        for code in range(start, end + 1):
            if offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                where = ranges + 2 * s + offset + 2 * (code - start)
                glyph = _u16(data, where)
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                mapping[code] = glyph
    return mapping


def _cmap_format12(data: bytes, at: int) -> dict[int, int]:
    mapping: dict[int, int] = {}
    for g in range(_u32(data, at + 12)):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
        for code in range(start, end + 1):
            mapping[code] = glyph + code - start
    return mapping


def _character_map(cmap: bytes) -> dict[int, int]:
    """Unicode code point -> glyph id, from the best Unicode subtable."""
    found: dict[int, int] = {}
    for i in range(_u16(cmap, 2)):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * i)
        unicode = platform == 0 or (platform == 3 and encoding in (1, 10))
        if not unicode:
            continue
        kind = _u16(cmap, offset)
        if kind == 12:
            return _cmap_format12(cmap, offset)  # full Unicode range: the best there is
        if kind == 4 and not found:
            found = _cmap_format4(cmap, offset)
    return found


@dataclass(frozen=True)
class TrueTypeFont:
    """One font file's metrics and glyphs. Build with `load_font`.

    Attributes:
        name: PostScript-style name for the PDF (``DejaVuSans``).
        units: design units per em.
        ascent, descent, bbox: in design units.
        glyphs: code point -> glyph id (characters the font covers).
        advances: glyph id -> advance width, in design units.
    """

    name: str
    data: bytes = field(repr=False)
    tables: dict[bytes, tuple[int, int]] = field(repr=False)
    units: int
    ascent: int
    descent: int
    bbox: tuple[int, int, int, int]
    glyphs: dict[int, int] = field(repr=False)
    advances: tuple[int, ...] = field(repr=False)

    def covers(self, char: str) -> bool:
        return ord(char) in self.glyphs

    def glyph(self, char: str) -> int:
        """The glyph id of ``char`` (0, the missing-glyph box, when not covered)."""
        return self.glyphs.get(ord(char), 0)

    def advance(self, glyph: int) -> float:
        """Advance width of a glyph in thousandths of the font size (PDF text space)."""
        width = self.advances[min(glyph, len(self.advances) - 1)]
        return width * 1000.0 / self.units

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` at ``size`` points, in points."""
        return sum(self.advance(self.glyph(c)) for c in text) * size / 1000.0

    def table(self, tag: bytes) -> bytes:
        offset, length = self.tables[tag]
        return self.data[offset : offset + length]

    def subset(self, used: Iterable[int]) -> bytes:
        """A valid font file keeping only ``used`` glyphs (and their components) drawn."""
        glyf, loca = self.table(b"glyf"), self.table(b"loca")
        long_offsets = _i16(self.table(b"head"), 50) == 1
        count = _u16(self.table(b"maxp"), 4)

        def bounds(glyph: int) -> tuple[int, int]:
            if long_offsets:
                return _u32(loca, 4 * glyph), _u32(loca, 4 * glyph + 4)
            return 2 * _u16(loca, 2 * glyph), 2 * _u16(loca, 2 * glyph + 2)

        keep = {0}
        pending = [g for g in used if 0 <= g < count]
        while pending:
            glyph = pending.pop()
            if glyph in keep and glyph != 0:
                continue
            keep.add(glyph)
            start, end = bounds(glyph)
            if end - start > 10 and _i16(glyf, start) < 0:  # a composite glyph
                pending.extend(_components(glyf, start) - keep)
        pieces, offsets, at = [], [0], 0
        for glyph in range(count):
            if glyph in keep:
                start, end = bounds(glyph)
                piece = glyf[start:end] + b"\0" * (-(end - start) % 4)
                pieces.append(piece)
                at += len(piece)
            offsets.append(at)
        head = bytearray(self.table(b"head"))
        head[8:12] = b"\0\0\0\0"  # checkSumAdjustment: not checked by PDF viewers
        head[50:52] = (1).to_bytes(2, "big")  # loca in long offsets
        tables = {tag: self.table(tag) for tag in _KEPT_TABLES if tag in self.tables}
        tables[b"head"] = bytes(head)
        tables[b"glyf"] = b"".join(pieces)
        tables[b"loca"] = struct.pack(f">{len(offsets)}I", *offsets)
        return _sfnt(tables)


def _components(glyf: bytes, start: int) -> set[int]:
    found, at = set(), start + 10
    while True:
        flags, glyph = _u16(glyf, at), _u16(glyf, at + 2)
        found.add(glyph)
        at += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
        at += (
            2
            if flags & _HAVE_SCALE
            else 4
            if flags & _XY_SCALE
            else 8
            if flags & _TWO_BY_TWO
            else 0
        )
        if not flags & _MORE:
            return found


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    n = len(tags)
    power = 1 << (n.bit_length() - 1)
    header = struct.pack(
        ">IHHHH", 0x00010000, n, power * 16, power.bit_length() - 1, (n - power) * 16
    )
    records, body, offset = [], [], 12 + 16 * n
    for tag in tags:
        data = tables[tag]
        records.append(struct.pack(">4sIII", tag, _checksum(data), offset, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    return header + b"".join(records) + b"".join(body)


@cache
def load_font(path: Path) -> TrueTypeFont:
    """Parse a ``.ttf`` file (cached per path)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the font file {path}", context={"path": str(path)}) from exc
    if data[:4] not in (b"\0\1\0\0", b"true"):
        raise ConfigError(
            f"{path.name} is not a TrueType font (glyf outlines)",
            context={"path": str(path)},
            hint="use a .ttf font such as DejaVu Sans",
        )
    tables = {}
    for i in range(_u16(data, 4)):
        tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag] = (offset, length)
    missing = [
        t.decode()
        for t in (b"head", b"hhea", b"maxp", b"hmtx", b"cmap", b"glyf", b"loca")
        if t not in tables
    ]
    if missing:
        raise ConfigError(
            f"{path.name} lacks the font table(s) {', '.join(missing)}", context={"path": str(path)}
        )

    def table(tag: bytes) -> bytes:
        offset, length = tables[tag]
        return data[offset : offset + length]

    head, hhea, hmtx = table(b"head"), table(b"hhea"), table(b"hmtx")
    metrics = _u16(hhea, 34)
    count = _u16(table(b"maxp"), 4)
    widths = [_u16(hmtx, 4 * i) for i in range(metrics)]
    widths += [widths[-1]] * (count - metrics)  # the last advance repeats (monospaced tail)
    return TrueTypeFont(
        name=path.stem.replace(" ", "").replace("-", ""),
        data=data,
        tables=tables,
        units=_u16(head, 18),
        ascent=_i16(hhea, 4),
        descent=_i16(hhea, 6),
        bbox=(_i16(head, 36), _i16(head, 38), _i16(head, 40), _i16(head, 42)),
        glyphs=_character_map(table(b"cmap")),
        advances=tuple(widths),
    )
