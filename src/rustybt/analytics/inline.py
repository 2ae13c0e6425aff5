"""Figures that show themselves in a notebook, with no ``%matplotlib inline``.

The analytics build matplotlib figures with ``Figure()``, never through pyplot, so
IPython's inline backend (which hooks pyplot) never learns about them and a
returned figure prints as ``<Figure size 1000x400 with 1 Axes>``. Registering a
PNG formatter for `matplotlib.figure.Figure` on the running IPython shell makes
the figure display itself as an image (and only when it is a cell's value or is
passed to ``display``: nothing is shown behind the user's back).

plotly figures pick a renderer from their environment; in a Jupyter kernel we
choose ``plotly_mimetype+notebook``: JupyterLab, VS Code and nteract draw the
plotly MIME bundle natively, and the ``notebook`` half embeds plotly.js once
(offline, no CDN) into an HTML output, which is what ``nbconvert --to html``
keeps. (plotly's notebook renderer also adds a MathJax <script> from a CDN for
LaTeX labels; offline it fails to load and the figures, which have no LaTeX,
draw all the same.) Colab keeps its own ``colab`` renderer. A renderer the user set stays.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["NOTEBOOK_PLOTLY_RENDERER", "ipython_shell", "prepare_matplotlib", "prepare_plotly"]

NOTEBOOK_PLOTLY_RENDERER = "plotly_mimetype+notebook"

_state = {"matplotlib": False, "plotly": False}


def ipython_shell() -> Any:  # Any: IPython's InteractiveShell (IPython is optional)
    """The running IPython shell, or None outside IPython (never imports IPython)."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def _in_kernel(shell: Any) -> bool:  # Any: see ipython_shell
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _figure_png(figure: Any) -> bytes:  # Any: a matplotlib Figure
    from io import BytesIO

    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def prepare_matplotlib() -> None:
    """Let matplotlib ``Figure`` objects display as PNG in the running IPython shell."""
    if _state["matplotlib"]:
        return
    shell = ipython_shell()
    if shell is None:
        return
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    if Figure not in formatter.type_printers:  # `%matplotlib inline` registered its own
        formatter.for_type(Figure, _figure_png)
    _state["matplotlib"] = True


def prepare_plotly() -> None:
    """In a Jupyter kernel, choose the offline-capable plotly renderer (see module doc)."""
    if _state["plotly"]:
        return
    shell = ipython_shell()
    if not _in_kernel(shell):
        return
    import plotly.io as pio

    _state["plotly"] = True
    if "google.colab" in sys.modules:
        return
    chosen = str(pio.renderers.default or "")
    if chosen in (
        "",
        "plotly_mimetype",
        "plotly_mimetype+notebook_connected",
        "notebook_connected",
    ):
        pio.renderers.default = NOTEBOOK_PLOTLY_RENDERER
