"""The offline dependency audit (``make audit`` where PyPI's per-version JSON and OSV
are out of reach): OSV ranges and version lists, known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt.errors import ConfigError
from rustybt.ops.advisories import audit_requirements, is_affected, locked_versions, main


def _advisory(events: list[dict[str, str]], versions: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        "id": "PYSEC-0000-1",
        "aliases": ["CVE-0000-1"],
        "affected": [
            {
                "package": {"name": "Some_Package", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": list(versions),
            }
        ],
    }


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.9", False),
        ("1.0", True),
        ("1.4.2", True),
        ("1.5", False),
        ("2.0", True),
        ("2.1", True),
        ("2.2", False),
    ],
)
def test_ranges_introduced_fixed_and_last_affected(version: str, expected: bool) -> None:
    events = [
        {"introduced": "1.0"},
        {"fixed": "1.5"},
        {"introduced": "2.0"},
        {"last_affected": "2.1"},
    ]
    assert is_affected(_advisory(events), "some-package", version) is expected


def test_explicit_versions_other_ecosystems_and_withdrawn() -> None:
    listed = _advisory([], versions=("3.0.1",))
    assert is_affected(listed, "some-package", "3.0.1")
    assert not is_affected(listed, "some-package", "3.0.2")
    assert not is_affected(listed, "other-package", "3.0.1")
    npm = _advisory([{"introduced": "0"}])
    npm["affected"][0]["package"]["ecosystem"] = "npm"  # type: ignore[index]
    assert not is_affected(npm, "some-package", "1.0")
    withdrawn = {**_advisory([{"introduced": "0"}]), "withdrawn": "2023-11-08T00:00:00Z"}
    assert not is_affected(withdrawn, "some-package", "1.0")


def test_audit_of_an_exported_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# uv export\nsome-package==1.4.2 \\\n    --hash=sha256:00\nsafe==2.0 \\\n"
        "    --hash=sha256:11\n    # via some-package\n"
    )
    assert locked_versions(requirements) == {"some-package": "1.4.2", "safe": "2.0"}
    db = tmp_path / "db" / "vulns" / "Some_Package"
    db.mkdir(parents=True)
    (db / "PYSEC-0000-1.json").write_text(
        json.dumps(_advisory([{"introduced": "0"}, {"fixed": "1.5"}]))
    )
    checked, findings = audit_requirements(requirements, tmp_path / "db")
    assert checked == 2
    assert [(f.package, f.version, f.advisory, f.fixed) for f in findings] == [
        ("some-package", "1.4.2", "PYSEC-0000-1", ("1.5",))
    ]
    assert main(["--requirements", str(requirements), "--db", str(tmp_path / "db")]) == 1
    out = capsys.readouterr().out
    assert "some-package 1.4.2: PYSEC-0000-1 (CVE-0000-1), fixed in 1.5" in out
    assert "2 locked packages checked" in out
    with pytest.raises(ConfigError, match="no advisory database"):
        audit_requirements(requirements, tmp_path / "nowhere")
    assert main(["--requirements", str(requirements), "--db", str(tmp_path / "nowhere")]) == 2


@given(
    st.lists(st.integers(0, 30), min_size=3, max_size=3),
    st.integers(0, 30),
)
def test_one_introduced_fixed_range_is_a_half_open_interval(bounds: list[int], probe: int) -> None:
    """Known answer for any single range: introduced <= v < fixed."""
    low, high = sorted(bounds)[0], sorted(bounds)[2]
    advisory = _advisory([{"fixed": f"{high}.0"}, {"introduced": f"{low}.0"}])  # any order
    assert is_affected(advisory, "some-package", f"{probe}.0") is (low <= probe < high)
