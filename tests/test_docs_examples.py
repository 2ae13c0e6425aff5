"""The Python blocks of the user guide run as written.

Each page's ```python blocks run in order in one namespace (as a reader pasting
them into one session would), with the working directory set to a temporary
folder that holds a link to the repository's ``examples/``. A python block
followed directly by a ```text block must print exactly that text, so shown
output cannot drift from what the code does.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    "docs/index.md",
    "docs/quickstart.md",
    "docs/strategy.md",
    "docs/orders.md",
    "docs/result.md",
    "docs/demo-data.md",
    "docs/metrics.md",
    "docs/trades.md",
    "docs/figures.md",
    "docs/risk.md",
    "docs/reports.md",
    "docs/optimize.md",
    "docs/errors.md",
    "docs/logging.md",
    "docs/security.md",
    "docs/typing.md",
    "docs/live.md",
    "docs/risk-controls.md",
    "docs/zipline.md",
    "docs/pipeline.md",
    "docs/performance.md",
    "docs/live-adapters.md",
    "docs/notebooks.md",
    "docs/soak.md",
    "docs/deployment.md",
    "docs/uptime.md",
    "examples/README.md",
    "README.md",
)
# Pages whose examples read the real files as ``../shared/data`` (as in a checkout).
REAL_DATA_PAGES = ("docs/data.md", "docs/validation.md")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n?", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    code: str
    shown_output: str | None  # the ```text block right after it, if any


def python_blocks(text: str) -> list[Block]:
    fences = list(FENCE.finditer(text))
    blocks = []
    for position, fence in enumerate(fences):
        if fence.group(1) != "python":
            continue
        output = None
        if position + 1 < len(fences):
            following = fences[position + 1]
            between = text[fence.end() : following.start()]
            if following.group(1) == "text" and not between.strip():
                output = following.group(2)
        blocks.append(Block(fence.group(2), output))
    return blocks


def test_blocks_are_fenced_python_with_their_shown_output() -> None:
    text = "x\n```python\na = 1\n```\n\n```text\n1\n```\n```bash\nls\n```\n```python\nb\n```\n"
    assert python_blocks(text) == [Block("a = 1\n", "1\n"), Block("b\n", None)]


@pytest.mark.parametrize("name", PAGES + REAL_DATA_PAGES)
def test_page_python_blocks_run(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    blocks = python_blocks((ROOT / name).read_text(encoding="utf-8"))
    assert blocks, f"{name} has no python blocks"
    workdir = tmp_path / "project"
    workdir.mkdir()
    (workdir / "examples").symlink_to(ROOT / "examples")
    if name in REAL_DATA_PAGES:
        shared_data: Path = request.getfixturevalue("shared_data")
        (tmp_path / "shared").symlink_to(shared_data.parent)
    monkeypatch.chdir(workdir)
    namespace: dict[str, object] = {"__name__": "docs_" + name.replace("/", "_")[:-3]}
    for number, block in enumerate(blocks, start=1):
        code = compile(block.code, f"{name} block {number}", "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)  # the docs' own code, run as a reader would
        if block.shown_output is not None:
            assert printed.getvalue() == block.shown_output, f"{name} block {number} output"
