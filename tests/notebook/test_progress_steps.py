"""The step bar of an ingest, and the one rule every rustybt bar follows."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from rustybt import progress
from rustybt.data.catalog import ingest
from rustybt.data.synthetic import demo_panel
from rustybt.errors import CatalogError, ValidationError
from rustybt.progress import StepProgress


class Recorder:
    """Stands in for tqdm: records what a bar was told."""

    made: ClassVar[list[Recorder]] = []

    def __init__(self, **options: Any) -> None:  # Any: tqdm's keyword options
        self.options = options
        self.n = 0
        self.postfixes: list[str] = []
        self.closed = False
        Recorder.made.append(self)

    def update(self, count: int) -> None:
        self.n += count

    def set_postfix_str(self, text: str) -> None:
        self.postfixes.append(text)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def recorder(monkeypatch):  # type: ignore[no-untyped-def]
    Recorder.made = []
    monkeypatch.setattr(progress, "tqdm_class", lambda required: Recorder)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    return Recorder


def test_a_step_bar_names_each_step_and_counts_the_finished_ones(recorder) -> None:  # type: ignore[no-untyped-def]
    steps = StepProgress(True, ["a", "b", "c"], desc="job")
    for name in "abc":
        steps.step(name)
    steps.close(finished=True)
    (bar,) = recorder.made
    assert (bar.options["total"], bar.options["unit"], bar.n) == (3, "step", 3)
    assert bar.postfixes == ["a", "b", "c", "done"]
    assert bar.closed

    failed = StepProgress(True, ["a", "b", "c"], desc="job")
    failed.step("a")
    failed.step("b")
    failed.close(finished=False)  # b failed: only a is done
    assert recorder.made[-1].n == 1


def test_ingest_shows_its_steps_when_asked(recorder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frame = demo_panel().select(end="2015-03-31").to_frame()
    ingest(frame, tmp_path / "cat", name="demo", frequency="daily", progress=True)
    (bar,) = recorder.made
    assert bar.options["desc"] == "ingest demo"
    assert bar.postfixes == ["read", "validate", "write", "checksum", "commit", "done"]
    assert (bar.n, bar.options["total"]) == (5, 5)

    # Off when not asked and stderr is no terminal (CI logs, pipes), and with False.
    ingest(frame, tmp_path / "cat", name="again", frequency="daily")
    ingest(frame, tmp_path / "cat", name="third", frequency="daily", progress=False)
    assert len(recorder.made) == 1

    # A failing ingest closes its bar without counting the failed step.
    with pytest.raises(CatalogError):
        ingest(frame, tmp_path / "cat", name="demo", frequency="daily", progress=True)
    assert len(recorder.made) == 1  # the early name check fails before any bar


def test_a_failed_validation_leaves_the_bar_at_the_step_that_failed(
    recorder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    frame = demo_panel().select(end="2015-01-31").to_frame()
    frame["close"] = -1.0  # every row breaks a rule: nothing clean to store
    with pytest.raises(ValidationError, match="no clean rows"):
        ingest(frame, tmp_path / "cat", name="bad", frequency="daily", progress=True)
    (bar,) = recorder.made
    assert bar.postfixes == ["read", "validate"]
    assert (bar.n, bar.closed) == (1, True)
