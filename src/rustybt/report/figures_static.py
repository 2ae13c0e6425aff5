"""A user's matplotlib figure as inline SVG for the HTML report (custom sections).

The report's own charts are drawn without matplotlib (`rustybt.report.svg`, and
the same SVG in the PDF); only figures the user adds go through matplotlib.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_svg"]


def figure_svg(figure: Figure) -> str:
    """The figure as an inline ``<svg>`` element (text kept as text: small and searchable)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "rustybt"}):
        figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]
