"""The PDF writer: valid structure, Unicode text that comes back exactly, whole table rows."""

from __future__ import annotations

import itertools
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.report import ReportGenerator
from rustybt.report.model import Note, Section, Table
from rustybt.report.pdf import PAPER, write_pdf
from rustybt.report.pdfgen.fonts import FALLBACK_FONTS, FontSet

POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdfinfo") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext) not installed")
HAS_CJK_FALLBACK = FALLBACK_FONTS[0].is_file()  # Droid Sans Fallback: kanji


def _returns(n: int = 300) -> pd.Series:
    index = pd.bdate_range("2019-01-01", periods=n, tz="UTC")
    return pd.Series(np.random.default_rng(3).normal(0.0005, 0.01, n), index=index, name="fund")


def _text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, check=True, text=True
    )
    return done.stdout


def _check_structure(data: bytes) -> int:
    """Every xref entry points at its object; returns the page count from /Count."""
    assert data.startswith(b"%PDF-1.4")
    assert data.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\s+(\d+)", data).group(1))  # type: ignore[union-attr]
    assert data[start:].startswith(b"xref")
    count = int(re.match(rb"xref\s+0 (\d+)", data[start:]).group(1))  # type: ignore[union-attr]
    entries = re.findall(rb"(\d{10}) (\d{5}) ([nf]) ", data[start:])
    assert len(entries) == count
    for number, (offset, _, kind) in enumerate(entries):
        if kind == b"n":
            assert data[int(offset) :].startswith(f"{number} 0 obj".encode())
    for match in re.finditer(rb"/Length (\d+)[^>]*>>\nstream\n", data):
        end = match.end() + int(match.group(1))
        assert data[end : end + 10] == b"\nendstream"
    return int(re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", data).group(1))  # type: ignore[union-attr]


def test_structure_and_page_size(tmp_path: Path) -> None:
    report = ReportGenerator(_returns(), sections=["header", "metrics", "equity"])
    data = report.to_pdf(tmp_path / "a4.pdf").read_bytes()
    assert _check_structure(data) == len(re.findall(rb"/Type /Page\b", data)) >= 2
    assert b"/MediaBox [ 0 0 595.28 841.89 ]" in data
    letter = ReportGenerator(_returns(), sections=["header"], paper="letter")
    assert b"/MediaBox [ 0 0 612 792 ]" in letter.to_pdf(tmp_path / "l.pdf").read_bytes()


@needs_poppler
def test_unicode_text_comes_back_exactly(tmp_path: Path) -> None:
    title = "Stratégie Ω 日本 — “quoted” Ünïcödé Привет € 𝔘"  # 𝔘: in no font, still text
    report = ReportGenerator(_returns(), title=title, sections=["header"])
    report.add_section(
        "Ωmega ЖΣ", pd.DataFrame({"név": ["Stratégie Ω 日本", "Ελλάδα"]}, index=["a", "b"])
    )
    path = report.to_pdf(tmp_path / "u.pdf")
    text = _text(path)
    assert title in text
    assert "Ωmega ЖΣ" in text
    assert "Stratégie Ω 日本" in text
    assert "Ελλάδα" in text
    meta = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert f"Title:           {title}\n" in meta.stdout  # the document info too
    info = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    lines = info.stdout.splitlines()[2:]
    assert lines
    for line in lines:  # every font embedded (emb), subset (sub), with a Unicode map (uni)
        assert re.search(r"CID TrueType\s+Identity-H\s+yes yes yes", line), line
    if HAS_CJK_FALLBACK:  # 日本 drawn by the fallback font, not as empty boxes
        assert "DroidSansFallback" in info.stdout


@needs_poppler
def test_long_table_is_split_between_whole_rows(tmp_path: Path) -> None:
    rows = 230
    frame = pd.DataFrame(
        {"value": np.arange(rows) * 1.5, "label": [f"cell-{i:03d}" for i in range(rows)]},
        index=pd.Index([f"row-{i:03d}" for i in range(rows)], name="key"),
    )
    sections = [
        Section("intro", "Intro", (Note("A long table follows. " * 30),)),
        Section("long", "Long", (Table("long", "Long table", frame, {"label": "text"}),)),
    ]
    path = write_pdf(sections, tmp_path / "t.pdf", title="t")
    pages = _check_structure(path.read_bytes())
    assert pages >= 3
    seen: list[int] = []
    for page in range(1, pages + 1):
        text = _text(path, page)
        assert f"page {page} of {pages}" in text
        numbers = [int(n) for n in re.findall(r"row-(\d{3})", text)]
        for n in numbers:  # the row's cells are on its line: never torn from it
            assert re.search(rf"row-{n:03d}\s+{n * 1.5:,.3f}\s+cell-{n:03d}", text), n
        if numbers and numbers[0] != 0:
            assert "Long table (continued)" in text  # the header is repeated
            assert "key" in text
        seen.extend(numbers)
    assert seen == list(range(rows))  # every row exactly once, in order


def test_layout_blocks_never_exceed_the_page() -> None:
    from rustybt.report.pdf import MARGIN_BOTTOM, MARGIN_TOP, _Layout

    fonts = FontSet()
    width, height = PAPER["letter"]
    body = height - MARGIN_TOP - MARGIN_BOTTOM
    layout = _Layout(fonts, width - 80, body)
    frame = pd.DataFrame({"x": np.arange(120.0)}, index=[f"r{i}" for i in range(120)])
    layout.section(Section("s", "S", (Note("word " * 400), Table("t", "T", frame))))
    for page in layout.pages:
        assert sum(block.height for block in page) <= body + 1e-9
    chunks = [b.rows for page in layout.pages for b in page if b.kind == "table"]
    assert chunks[0][0] == 0
    assert chunks[-1][1] == 120
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))


def test_font_subset_keeps_only_used_glyphs() -> None:
    fonts = FontSet()
    regular = fonts.regular[0]
    regular.encode("Aé")
    font = regular.font
    data = font.subset([font.glyph("A"), font.glyph("é")])
    tables = {}
    for i in range(struct.unpack_from(">H", data, 4)[0]):
        tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag] = data[offset : offset + length]
    assert set(tables) >= {b"head", b"hhea", b"maxp", b"hmtx", b"loca", b"glyf"}
    loca = struct.unpack(f">{len(tables[b'loca']) // 4}I", tables[b"loca"])
    drawn = {g for g in range(len(loca) - 1) if loca[g + 1] > loca[g]}
    # A and é (a composite: e plus its accent) and their components, .notdef, nothing else
    # DejaVu's é is a composite of e (72) and the acute accent (118)
    assert drawn == {0, font.glyph("A"), font.glyph("é"), font.glyph("e"), 118}
    assert font.glyph("Z") not in drawn
    assert len(data) < len(font.data) / 5


def test_text_width_uses_the_font_metrics() -> None:
    fonts = FontSet()
    font = fonts.regular[0].font
    assert font.units == 2048
    assert fonts.width("", 10) == 0.0
    assert fonts.width("MM", 10) == pytest.approx(2 * 10 * font.advances[font.glyph("M")] / 2048)
    assert fonts.width("MM", 10, bold=True) > fonts.width("MM", 10)


def test_content_streams_inflate(tmp_path: Path) -> None:
    path = ReportGenerator(_returns(), sections=["header"]).to_pdf(tmp_path / "z.pdf")
    data = path.read_bytes()
    for match in re.finditer(rb"/Length (\d+) /Filter /FlateDecode >>\nstream\n", data):
        zlib.decompress(data[match.end() : match.end() + int(match.group(1))])


def test_tearsheet_svg_holds_the_report_charts(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from rustybt.report.tearsheet import LAYOUT

    report = ReportGenerator(_returns(600))
    path = report.to_tearsheet(tmp_path / "t.svg")
    root = ET.fromstring(path.read_text())
    charts = root.findall("{http://www.w3.org/2000/svg}svg")
    built = {c.key for s in report.build()[0] for c in s.charts}
    wanted = [key for row in LAYOUT for key in row if key in built]
    assert len(charts) == len(wanted) >= 5
    assert "total return" in path.read_text()


_ALPHABET = "".join(
    chr(c)
    for c in [*range(0x21, 0x7F), *range(0xC0, 0x180), *range(0x391, 0x3CA), *range(0x410, 0x450)]
    if chr(c).isalnum() or chr(c) in "%.,-+()/:€"
)


@needs_poppler
@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.lists(st.text(alphabet=_ALPHABET, min_size=1, max_size=12), min_size=1, max_size=6))
def test_any_text_round_trips(words: list[str]) -> None:
    import tempfile

    from rustybt.report.pdfgen.document import Document

    line = " ".join(words)
    document = Document(PAPER["a4"])
    page = document.page()
    page.text(40, 100, line, size=9)
    page.text(40, 130, line, size=9, bold=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = document.save(Path(tmp) / "t.pdf", title=line)
        lines = [x.strip() for x in _text(path).splitlines() if x.strip()]
    if all(len(word) == 1 for word in words):
        # pdftotext infers word gaps from glyph spacing and joins runs of single
        # characters ("a b" comes back "ab"): compare the characters only.
        assert [x.replace(" ", "") for x in lines] == [line.replace(" ", "")] * 2
    else:
        assert lines == [line, line]
