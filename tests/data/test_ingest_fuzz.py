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


@pytest.fixture(scope="module")
def parquet_sample(samples: list[Sample], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from rustybt.data.sources import preset

    folder = tmp_path_factory.mktemp("parquet_sample")
    csv = folder / "sample.csv"
    csv.write_bytes(samples[0].text)
    frame = preset("kaggle", csv).read()
    frame.to_parquet(folder / "sample.parquet", index=False)
    return (folder / "sample.parquet").read_bytes()


@settings(max_examples=60)
@given(rnd=st.randoms(use_true_random=False))
def test_damaged_parquet_files_give_clear_errors(parquet_sample: bytes, rnd: random.Random) -> None:
    from rustybt.data.catalog import ingest
    from rustybt.data.sources import ParquetSource
    from rustybt.errors import RustyBTError

    data = bytearray(parquet_sample)
    if rnd.random() < 0.5:
        data = data[: rnd.randrange(len(data))]
    else:
        for _ in range(rnd.randint(1, 10)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bars.parquet"
        path.write_bytes(bytes(data))
        outcome: object
        try:
            outcome = ingest(ParquetSource(path), Path(folder) / "catalog", name="fuzz").rows_clean
        except RustyBTError as error:
            outcome = error.message
    # A damaged file is a clear (short) error; an intact one ingests its rows.
    assert (isinstance(outcome, int) and outcome > 0) or len(str(outcome)) < 2_000


@settings(max_examples=25)
@given(index=st.integers(0, 3), rnd=st.randoms(use_true_random=False))
def test_the_ingest_command_never_exits_70_on_corrupted_files(
    samples: list[Sample], index: int, rnd: random.Random
) -> None:
    from typer.testing import CliRunner

    from rustybt.cli import app
    from rustybt.cli.errors import INTERNAL_ERROR_EXIT

    sample = samples[index]
    data, names = corrupt(sample.text, rnd)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sample.csv"
        path.write_bytes(data)
        args = ["ingest", str(path), "--name", "fuzz", "--format", sample.preset]
        args += ["--catalog", str(Path(folder) / "catalog"), "--frequency", sample.frequency]
        if sample.symbol:
            args += ["--symbol", sample.symbol]
        result = CliRunner().invoke(app, args)
    assert result.exit_code != INTERNAL_ERROR_EXIT, f"{names}: {result.stderr[-500:]}"
    assert len(result.stderr) < 5_000, names


_HEADER = b"timestamp,open,high,low,close,volume,symbol\n"
_cells = st.one_of(
    st.text(max_size=12),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["2013-02-08", "0001-01-01", "9999-12-31 10:00:00", "nan", "-1", "AAPL", ""]),
)
_rows = st.lists(_cells, max_size=9).map(lambda cells: ",".join(cells).replace("\n", " "))


@settings(max_examples=80)
@given(
    rows=st.lists(_rows, max_size=6),
    frequency=st.sampled_from(["daily", "minute"]),
    unit=st.sampled_from([None, "s", "ms", "ns"]),
)
def test_generated_csv_rows_give_clear_errors(
    rows: list[str], frequency: str, unit: str | None
) -> None:
    from rustybt.data.catalog import ingest
    from rustybt.data.sources import ColumnMap, CSVSource
    from rustybt.errors import RustyBTError

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bars.csv"
        path.write_bytes(_HEADER + "\n".join(rows).encode("utf-8", "surrogatepass") + b"\n")
        source = CSVSource(path, columns=ColumnMap(timestamp_unit=unit), frequency=frequency)  # type: ignore[arg-type]  # unit drawn from the valid ones
        outcome: object
        try:
            outcome = ingest(source, Path(folder) / "catalog", name="fuzz").rows_clean
        except RustyBTError as error:
            outcome = error.message
    assert (isinstance(outcome, int) and outcome > 0) or len(str(outcome)) < 2_000
