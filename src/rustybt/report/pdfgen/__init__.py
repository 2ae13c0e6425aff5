"""A small PDF writer for the report: pages, vector drawing, embedded Unicode fonts.

`truetype` reads and subsets TrueType fonts, `fonts` picks a font per
character (DejaVu Sans, then a CJK fallback) and numbers the glyphs used,
`document` writes pages, fonts and images as PDF 1.4, and `svgdraw` draws the
report's own SVG charts onto a page. Only the standard library is needed.
"""
