"""`crash_point` kills only at the named point, and only when asked."""

from __future__ import annotations

import pytest

from rustybt.crashpoint import CRASH_ENV, crash_point
from tests.crash.harness import run_child


def test_unset_or_another_name_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CRASH_ENV, raising=False)
    crash_point("result.save.switched")
    monkeypatch.setenv(CRASH_ENV, "catalog.ingest.committed")
    crash_point("result.save.switched")  # still alive


def test_the_named_point_kills_the_process() -> None:
    assert run_child(crash_point, ("x.y",), crash_at="x.y").killed
    assert run_child(crash_point, ("x.y",), crash_at="x.z").completed
