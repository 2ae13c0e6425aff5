"""The Python blocks of docs/attribution.md run as written, in order, in one namespace."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "attribution.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_attribution_page_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    blocks = FENCE.findall(PAGE.read_text())
    assert len(blocks) >= 5
    namespace: dict[str, object] = {}
    for code in blocks:
        exec(compile(code, str(PAGE), "exec"), namespace)
    assert (tmp_path / "brinson.png").stat().st_size > 0
    assert (tmp_path / "factors.png").stat().st_size > 0
    assert os.getcwd() == str(tmp_path)
