"""Where a restart resumes (`resume_bar`): after the last bar begun, or at it when the
process that began it died before deciding it and kept nothing of it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rustybt.live.restore import resume_bar
from rustybt.live.state import INTENT, OrderRecord, StateStore


def _store(tmp_path: Path, *, begun: int | None, decided: int | None) -> StateStore:
    store = StateStore(tmp_path)
    if begun is not None:
        store.set("last_bar", str(begun))
    if decided is not None:
        store.set("decided_bar", str(decided))
    return store


def _intent(bar: int) -> OrderRecord:
    return OrderRecord(
        f"rb-s-{bar}",
        bar + 1,
        str(bar + 1),
        "SOAKA",
        Decimal(3),
        "market",
        None,
        None,
        "gtc",
        "2024-01-01T00:00:00+00:00",
        bar,
        1.0,
        INTENT,
        "open",
    )


def test_a_first_start_begins_at_the_start_bar(tmp_path: Path) -> None:
    assert resume_bar(_store(tmp_path, begun=None, decided=None), 2) == 2


def test_a_decided_bar_is_never_decided_again(tmp_path: Path) -> None:
    assert resume_bar(_store(tmp_path, begun=5, decided=5), 0) == 6


def test_a_bar_begun_and_not_decided_with_nothing_kept_is_decided_now(tmp_path: Path) -> None:
    assert resume_bar(_store(tmp_path, begun=5, decided=4), 0) == 5


def test_a_bar_whose_intent_was_persisted_is_not_decided_again(tmp_path: Path) -> None:
    store = _store(tmp_path, begun=5, decided=4)
    store.add_order(_intent(5))  # the dead leader may have sent it
    assert resume_bar(store, 0) == 6


def test_an_older_intent_does_not_count(tmp_path: Path) -> None:
    store = _store(tmp_path, begun=5, decided=4)
    store.add_order(_intent(3))
    assert resume_bar(store, 0) == 5


@pytest.mark.parametrize(("saved_after", "resume"), [(5, 6), (4, 5)])
def test_the_strategy_state_saved_after_the_bar_counts_as_deciding_it(
    tmp_path: Path, saved_after: int, resume: int
) -> None:
    store = _store(tmp_path, begun=5, decided=4)
    store.put_snapshot("strategy", saved_after, b"state")
    assert resume_bar(store, 0) == resume


def test_a_sessions_row_and_its_decided_mark_are_kept_together(tmp_path: Path) -> None:
    """A session's last bar is marked decided in the transaction that keeps its row."""
    store = _store(tmp_path, begun=9, decided=8)
    with store.batch():
        store.add_session(0, {"returns": 0.0})
        store.set("decided_bar", "9")
    assert resume_bar(store, 0) == 10
    assert store.sessions() == {0: {"returns": 0.0}}


def test_a_store_without_the_decided_mark_resumes_after_the_begun_bar(tmp_path: Path) -> None:
    """A state file written before the mark existed: the old, safe rule."""
    assert resume_bar(_store(tmp_path, begun=5, decided=None), 0) == 6
