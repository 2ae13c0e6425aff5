"""Fonts of a PDF: DejaVu Sans (regular, bold) embedded as subsets, plus fallbacks.

Every character is drawn with the first font that has a glyph for it: DejaVu
Sans (shipped with rustybt: Latin, Greek, Cyrillic, Armenian, Georgian,
Hebrew, Arabic letters, many symbols), then any fallback font found on the
machine (`FALLBACK_FONTS`: Chinese, Japanese, Korean). A character
no font covers is drawn as the empty box, but the text layer still holds it:
copying or ``pdftotext`` gives back exactly the text that was written.

Each font is a PDF Type 0 font with its own two-byte codes (CIDs) numbered in
order of first use, a ``CIDToGIDMap`` from code to glyph and a ``ToUnicode``
map from code to the original character.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rustybt.report.pdfgen.truetype import TrueTypeFont, load_font

__all__ = ["FALLBACK_FONTS", "FontSet", "PdfFont"]

#: Fallback fonts used when present, tried in order after DejaVu Sans (TrueType
#: outlines only: CFF-based .otf and .ttc collections such as Noto CJK are not read).
#: Droid Sans Fallback (Debian fonts-droid-fallback): Chinese and Japanese;
#: Nanum Gothic (fonts-nanum): Korean Hangul.
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
)


def _bundled(name: str) -> Path:
    return Path(str(resources.files("rustybt.report").joinpath("fonts", name)))


@dataclass
class PdfFont:
    """One embedded font and the codes given to the characters drawn with it."""

    font: TrueTypeFont
    resource: str  # the page resource name, "F1"
    codes: dict[str, int] = field(default_factory=dict)

    def encode(self, text: str) -> str:
        """``text`` as a PDF hex string of two-byte codes (new characters get new codes)."""
        out = []
        for char in text:
            code = self.codes.get(char)
            if code is None:
                code = self.codes[char] = len(self.codes) + 1  # code 0 stays .notdef
            out.append(f"{code:04X}")
        return "<" + "".join(out) + ">"


class FontSet:
    """The regular and bold faces with their fallbacks; splits text into runs per font."""

    def __init__(self) -> None:
        self.fonts: list[PdfFont] = []
        self.regular = [self._add(load_font(_bundled("DejaVuSans.ttf")))]
        self.bold = [self._add(load_font(_bundled("DejaVuSans-Bold.ttf")))]
        self._fallbacks_loaded = False

    def _load_fallbacks(self) -> None:
        """Add every fallback font found (shared by both weights); once, when first needed.

        A fallback that draws nothing is not written into the file.
        """
        self._fallbacks_loaded = True
        for path in FALLBACK_FONTS:
            if path.is_file():
                shared = self._add(load_font(path))
                self.regular.append(shared)
                self.bold.append(shared)

    def _add(self, font: TrueTypeFont) -> PdfFont:
        pdf_font = PdfFont(font, f"F{len(self.fonts) + 1}")
        self.fonts.append(pdf_font)
        return pdf_font

    def runs(self, text: str, bold: bool = False) -> list[tuple[PdfFont, str]]:
        """``text`` cut into (font, piece) runs, each piece drawn by one font."""
        faces = self.bold if bold else self.regular
        runs: list[tuple[PdfFont, str]] = []
        for char in text:
            if not self._fallbacks_loaded and not faces[0].font.covers(char):
                self._load_fallbacks()
            face = next((f for f in faces if f.font.covers(char)), faces[0])
            if runs and runs[-1][0] is face:
                runs[-1] = (face, runs[-1][1] + char)
            else:
                runs.append((face, char))
        return runs

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """Width of ``text`` in points at ``size``."""
        return sum(face.font.width(piece, size) for face, piece in self.runs(text, bold))

    def used(self) -> list[PdfFont]:
        return [font for font in self.fonts if font.codes]
