"""The example notebooks run top to bottom in a real kernel, and are kept without outputs."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
# Notebooks that read ../shared/data (skipped with the reason when it is absent).
REAL_DATA = {"02_data_ingestion_and_validation.ipynb"}
SHARED_DATA = Path(
    os.environ.get("RUSTYBT_SHARED_DATA", NOTEBOOKS.parents[1] / "shared" / "data")
).resolve()


def execute(path: Path) -> object:
    book = nbformat.read(path, as_version=4)
    env_dir = NOTEBOOKS
    client = nbclient.NotebookClient(
        book,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(env_dir)}},
    )
    os.environ["RUSTYBT_SHARED_DATA"] = str(SHARED_DATA)  # the kernel inherits it
    client.execute()
    return book


def test_there_are_notebooks() -> None:
    assert len(ALL) >= 12


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs (strip them)"
            assert cell.execution_count is None, f"{path.name}: execution counts left in"


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebook_runs_top_to_bottom(path: Path) -> None:
    if path.name in REAL_DATA and not SHARED_DATA.is_dir():
        pytest.skip(f"needs the real data folder, not found at {SHARED_DATA}")
    book = execute(path)
    for cell in book.cells:  # type: ignore[attr-defined]
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            assert output.get("output_type") != "error"
            assert "Warning" not in text, f"{path.name}: warning printed: {text[:300]}"
    # Figures show as images, not as "<Figure size ...>" text.
    shown = [o for c in book.cells for o in c.get("outputs", [])]  # type: ignore[attr-defined]
    assert not any(
        "<Figure size" in str(o.get("data", {}).get("text/plain", ""))
        and "image/png" not in o.get("data", {})
        for o in shown
    ), f"{path.name}: a figure printed as text"


def test_a_figure_displays_inline_in_a_fresh_kernel(tmp_path: Path) -> None:
    """No %matplotlib inline: the returned Figure still comes back as a PNG."""
    from nbformat.v4 import new_code_cell, new_notebook

    book = new_notebook()
    book.cells = [
        new_code_cell(
            "import pandas as pd\n"
            "from rustybt.analytics.plots import plot_equity_curve\n"
            "plot_equity_curve(pd.Series([0.01, -0.02, 0.015],"
            " index=pd.bdate_range('2024-01-01', periods=3)))"
        ),
        new_code_cell(
            "from rustybt.analytics.plots import interactive\n"
            "import plotly.io as pio\n"
            "interactive.plot_equity_curve(pd.Series([0.01, -0.02, 0.015],"
            " index=pd.bdate_range('2024-01-01', periods=3)))\n"
        ),
        new_code_cell("print(pio.renderers.default)"),
    ]
    nbclient.NotebookClient(book, timeout=60, kernel_name="python3").execute()
    figure_output = book.cells[0].outputs[0]
    assert "image/png" in figure_output["data"]
    assert figure_output["data"]["image/png"]  # base64 PNG, not empty
    plotly_data = book.cells[1].outputs[-1]["data"]
    # The MIME bundle for JupyterLab/VS Code and HTML that nbconvert keeps.
    assert "application/vnd.plotly.v1+json" in plotly_data
    assert "text/html" in plotly_data
    html = "".join(o["data"].get("text/html", "") for o in book.cells[1].outputs if "data" in o)
    # Offline: the only script from a CDN is plotly's MathJax (for LaTeX labels).
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert all("mathjax" in source for source in sources), sources
    assert len(html) > 1_000_000  # plotly.js itself is embedded (once per notebook)
    assert book.cells[2].outputs[0]["text"].strip() == "plotly_mimetype+notebook"


if __name__ == "__main__":  # python tests/notebook/test_notebooks.py NAME: run one by hand
    for name in sys.argv[1:]:
        execute(NOTEBOOKS / name)
