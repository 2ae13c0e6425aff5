"""A small vector PDF writer: pages of text, lines, filled paths and images.

Coordinates are points (1/72 inch) from the page's top-left corner, y down, as
on screen; the writer flips them to PDF's bottom-up space. Text is drawn with
the embedded fonts of `FontSet` (subset TrueType, Unicode text layer). Content
streams and fonts are deflated. The file is PDF 1.4 with a classic
cross-reference table.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from rustybt.report.pdfgen.fonts import FontSet, PdfFont

__all__ = ["Document", "Page", "rgb"]

Anchor = Literal["start", "middle", "end"]
_KAPPA = 0.5523  # Bezier control distance of a quarter circle, per radius


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def rgb(color: str, opacity: float = 1.0) -> tuple[float, float, float]:
    """``#rgb`` / ``#rrggbb`` as 0-1 floats, blended onto white by ``opacity``."""
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    red, green, blue = (int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    return tuple(1.0 - opacity * (1.0 - c) for c in (red, green, blue))  # type: ignore[return-value]  # three floats


def _color(color: str, opacity: float, stroke: bool) -> str:
    red, green, blue = rgb(color, opacity)
    return f"{_n(red)} {_n(green)} {_n(blue)} {'RG' if stroke else 'rg'}"


def _pdf_text(text: str) -> str:
    """A PDF text string for the document info: UTF-16BE with its byte-order mark, in hex."""
    return "<FEFF" + text.encode("utf-16-be", "surrogatepass").hex().upper() + ">"


@dataclass
class _Image:
    name: str
    width: int
    height: int
    rgb: bytes


@dataclass
class Page:
    """One page's drawing operations. Obtain from `Document.page`."""

    fonts: FontSet
    width: float
    height: float
    ops: list[str] = field(default_factory=list)
    used_fonts: dict[str, PdfFont] = field(default_factory=dict)
    images: list[_Image] = field(default_factory=list)

    def _y(self, y: float) -> float:
        return self.height - y

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float = 8.0,
        color: str = "#333333",
        bold: bool = False,
        anchor: Anchor = "start",
    ) -> float:
        """Draw one line of text with its baseline at ``y``; returns its width."""
        if not text:
            return 0.0
        runs = self.fonts.runs(text, bold)
        width = sum(face.font.width(piece, size) for face, piece in runs)
        if anchor == "middle":
            x -= width / 2.0
        elif anchor == "end":
            x -= width
        parts = [f"BT {_color(color, 1.0, False)} {_n(x)} {_n(self._y(y))} Td"]
        for face, piece in runs:
            self.used_fonts[face.resource] = face
            parts.append(f"/{face.resource} {_n(size)} Tf {face.encode(piece)} Tj")
        parts.append("ET")
        self.ops.append(" ".join(parts))
        return width

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        color: str = "#999999",
        width: float = 0.5,
        dash: Sequence[float] = (),
    ) -> None:
        pattern = f"[{' '.join(_n(d) for d in dash)}] 0 d " if dash else ""
        self.ops.append(
            f"q {_color(color, 1.0, True)} {_n(width)} w {pattern}"
            f"{_n(x1)} {_n(self._y(y1))} m {_n(x2)} {_n(self._y(y2))} l S Q"
        )

    def path(
        self,
        subpaths: Sequence[tuple[Sequence[tuple[float, float]], bool]],
        *,
        fill: str | None = None,
        fill_opacity: float = 1.0,
        stroke: str | None = None,
        width: float = 1.0,
        dash: Sequence[float] = (),
    ) -> None:
        """Fill and/or stroke ``subpaths``: each (points, closed)."""
        if not subpaths or (fill is None and stroke is None):
            return
        body = []
        for points, closed in subpaths:
            if not points:
                continue
            (x0, y0), rest = points[0], points[1:]
            segments = [f"{_n(x0)} {_n(self._y(y0))} m"]
            segments.extend(f"{_n(x)} {_n(self._y(y))} l" for x, y in rest)
            if closed:
                segments.append("h")
            body.append(" ".join(segments))
        paint = "B" if fill and stroke else "f" if fill else "S"
        style = []
        if fill:
            style.append(_color(fill, fill_opacity, False))
        if stroke:
            style.append(f"{_color(stroke, 1.0, True)} {_n(width)} w 1 j")
            if dash:
                style.append(f"[{' '.join(_n(d) for d in dash)}] 0 d")
        self.ops.append(f"q {' '.join(style)} {' '.join(body)} {paint} Q")

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: str | None = None,
        fill_opacity: float = 1.0,
        stroke: str | None = None,
        width: float = 0.5,
    ) -> None:
        corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        self.path(
            [(corners, True)], fill=fill, fill_opacity=fill_opacity, stroke=stroke, width=width
        )

    def circle(
        self, cx: float, cy: float, r: float, *, fill: str, fill_opacity: float = 1.0
    ) -> None:
        k, y = r * _KAPPA, self._y(cy)
        curve = (
            f"{_n(cx + r)} {_n(y)} m "
            f"{_n(cx + r)} {_n(y + k)} {_n(cx + k)} {_n(y + r)} {_n(cx)} {_n(y + r)} c "
            f"{_n(cx - k)} {_n(y + r)} {_n(cx - r)} {_n(y + k)} {_n(cx - r)} {_n(y)} c "
            f"{_n(cx - r)} {_n(y - k)} {_n(cx - k)} {_n(y - r)} {_n(cx)} {_n(y - r)} c "
            f"{_n(cx + k)} {_n(y - r)} {_n(cx + r)} {_n(y - k)} {_n(cx + r)} {_n(y)} c"
        )
        self.ops.append(f"q {_color(fill, fill_opacity, False)} {curve} f Q")

    def image(
        self, x: float, y: float, w: float, h: float, pixels: bytes, px_width: int, px_height: int
    ) -> None:
        """Place an RGB image (``px_width * px_height * 3`` bytes, rows top-down)."""
        image = _Image(f"Im{len(self.images) + 1}", px_width, px_height, pixels)
        self.images.append(image)
        self.ops.append(f"q {_n(w)} 0 0 {_n(h)} {_n(x)} {_n(self._y(y + h))} cm /{image.name} Do Q")


class Document:
    """Pages and fonts, written out by `save`."""

    def __init__(self, page_size: tuple[float, float]) -> None:
        self.fonts = FontSet()
        self.size = page_size
        self.pages: list[Page] = []

    def page(self) -> Page:
        page = Page(self.fonts, *self.size)
        self.pages.append(page)
        return page

    def save(self, path: Path, *, title: str, creator: str = "rustybt") -> Path:
        writer = _Writer()
        catalog, pages_ref = writer.reserve(), writer.reserve()
        font_refs = {font.resource: writer.reserve() for font in self.fonts.used()}
        kids = []
        for page in self.pages:
            content = writer.stream("\n".join(page.ops).encode("latin-1"), compress=True)
            images = {
                image.name: writer.stream(
                    image.rgb,
                    compress=True,
                    extra=f"/Type /XObject /Subtype /Image /Width {image.width} "
                    f"/Height {image.height} /ColorSpace /DeviceRGB /BitsPerComponent 8",
                )
                for image in page.images
            }
            fonts = " ".join(f"/{name} {font_refs[name]} 0 R" for name in sorted(page.used_fonts))
            xobjects = " ".join(f"/{name} {ref} 0 R" for name, ref in images.items())
            resources = f"/Font << {fonts} >>" + (f" /XObject << {xobjects} >>" if images else "")
            kids.append(
                writer.add(
                    f"<< /Type /Page /Parent {pages_ref} 0 R /MediaBox [ 0 0 {_n(page.width)} "
                    f"{_n(page.height)} ] /Resources << {resources} >> /Contents {content} 0 R >>"
                )
            )
        for font in self.fonts.used():
            _write_font(writer, font, font_refs[font.resource])
        writer.put(
            pages_ref,
            f"<< /Type /Pages /Kids [ {' '.join(f'{k} 0 R' for k in kids)} ] /Count {len(kids)} >>",
        )
        writer.put(catalog, f"<< /Type /Catalog /Pages {pages_ref} 0 R >>")
        stamp = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")
        info = writer.add(
            f"<< /Title {_pdf_text(title)} /Creator {_pdf_text(creator)} "
            f"/Producer (rustybt) /CreationDate ({stamp}) >>"
        )
        path.write_bytes(writer.finish(catalog, info))
        return path


class _Writer:
    """Numbered objects, then the cross-reference table and trailer."""

    def __init__(self) -> None:
        self.objects: dict[int, bytes] = {}
        self.next = 1

    def reserve(self) -> int:
        number = self.next
        self.next += 1
        return number

    def put(self, number: int, body: str | bytes) -> None:
        data = body.encode("latin-1") if isinstance(body, str) else body
        self.objects[number] = data

    def add(self, body: str | bytes) -> int:
        number = self.reserve()
        self.put(number, body)
        return number

    def stream(self, data: bytes, *, compress: bool, extra: str = "") -> int:
        if compress:
            data = zlib.compress(data, 6)
        head = f"<< {extra} /Length {len(data)}{' /Filter /FlateDecode' if compress else ''} >>"
        return self.add(head.encode("latin-1") + b"\nstream\n" + data + b"\nendstream")

    def finish(self, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = {}
        for number in range(1, self.next):
            offsets[number] = len(out)
            out += f"{number} 0 obj\n".encode() + self.objects[number] + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {self.next}\n0000000000 65535 f \n".encode()
        for number in range(1, self.next):
            out += f"{offsets[number]:010d} 00000 n \n".encode()
        out += (
            f"trailer\n<< /Size {self.next} /Root {root} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n"
        ).encode()
        return bytes(out)


def _write_font(writer: _Writer, pdf_font: PdfFont, ref: int) -> None:
    """Type 0 font -> CIDFontType2 -> descriptor -> subset font file; CID and Unicode maps."""
    font = pdf_font.font
    chars = sorted(pdf_font.codes, key=pdf_font.codes.__getitem__)  # in code order 1..n
    glyphs = [font.glyph(c) for c in chars]
    digest = zlib.crc32("".join(chars).encode("utf-8", "surrogatepass") + font.name.encode())
    tag = "".join(chr(65 + (digest >> (5 * i)) % 26) for i in range(6))  # subset tag: 6 letters
    name = f"{tag}+{font.name}"
    file_ref = writer.stream(font.subset(glyphs), compress=True)
    scale = 1000.0 / font.units
    x0, y0, x1, y1 = (round(v * scale) for v in font.bbox)
    descriptor = writer.add(
        f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [ {x0} {y0} {x1} {y1} ] "
        f"/ItalicAngle 0 /Ascent {round(font.ascent * scale)} /Descent {round(font.descent * scale)} "
        f"/CapHeight {round(font.ascent * scale)} /StemV 80 /FontFile2 {file_ref} 0 R >>"
    )
    gid_map = b"\0\0" + b"".join(g.to_bytes(2, "big") for g in glyphs)
    cid_to_gid = writer.stream(gid_map, compress=True)
    widths = " ".join(str(round(font.advance(g))) for g in glyphs)
    descendant = writer.add(
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [ 1 [ {widths} ] ] "
        f"/CIDToGIDMap {cid_to_gid} 0 R >>"
    )
    to_unicode = writer.stream(_cmap(chars).encode("ascii"), compress=True)
    writer.put(
        ref,
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
        f"/DescendantFonts [ {descendant} 0 R ] /ToUnicode {to_unicode} 0 R >>",
    )


def _utf16(char: str) -> str:
    return char.encode("utf-16-be").hex().upper()


def _cmap(chars: list[str]) -> str:
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(chars), 100):  # at most 100 entries per block
        block = chars[start : start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines.extend(f"<{start + i + 1:04X}> <{_utf16(c)}>" for i, c in enumerate(block))
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CIDInit /ProcSet findresource pop end end")
    return "\n".join(lines)
