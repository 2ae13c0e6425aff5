"""Fuzz: generated corruptions of the real files never give an internal error.

Every input either ingests or fails with a `RustyBTError` (which the CLI turns into a
clear line and a non-internal exit code). The bounded run is here; ``make fuzz``
runs `benchmarks/ingest_fuzz.py` over many more seeds and counts failures.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.data.corruptions import Sample, corrupt, ingest_outcome, load_samples

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> list[Sample]:
    return load_samples(shared_data)


@settings(max_examples=120)
@given(index=st.integers(0, 3), rnd=st.randoms(use_true_random=False))
def test_corrupted_real_files_give_clear_errors(
    samples: list[Sample], index: int, rnd: random.Random
) -> None:
    sample = samples[index]
    data, names = corrupt(sample.text, rnd)
    with tempfile.TemporaryDirectory() as folder:
        defect = ingest_outcome(sample, data, Path(folder))
    assert defect is None, f"{sample.name} after {names}: {defect}"


@pytest.mark.parametrize("index", range(4))
def test_uncorrupted_samples_ingest(samples: list[Sample], index: int, tmp_path: Path) -> None:
    assert ingest_outcome(samples[index], samples[index].text, tmp_path) is None
