"""The kill harness, bounded: every named crash point once, plus a few random kills.

``make crash-soak KILLS=500`` runs many more (tests/crash/soak.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crash.scenarios import SCENARIOS
from tests.crash.soak import soak

RANDOM_KILLS = 5


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_kill_leaves_the_old_or_the_new_state(name: str, tmp_path: Path) -> None:
    tally = soak(name, RANDOM_KILLS, tmp_path, seed=len(name))
    assert tally.bad == 0, "\n".join(tally.problems)
    # Each named point really killed the child (a renamed point would pass silently).
    assert tally.killed >= len(SCENARIOS[name].points)
    assert tally.runs == len(SCENARIOS[name].points) + RANDOM_KILLS
