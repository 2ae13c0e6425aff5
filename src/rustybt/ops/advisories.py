"""An offline vulnerability audit of the locked dependencies (``make audit``).

pip-audit asks PyPI for each pinned version (``/pypi/<name>/<version>/json``) or
OSV's API. Where neither answers (a proxy that serves only the project pages, no
route to api.osv.dev), the same advisories can be read from a local copy of an
OSV-format database: the PyPA advisory database
(github.com/pypa/advisory-database, ``vulns/<package>/PYSEC-*.yaml``, the data
behind PyPI's ``vulnerabilities`` field) or an osv.dev export (``*.json``).

Run: ``python -m rustybt.ops.advisories --requirements REQS --db DIR``; exits 1 when
a locked version is affected, 2 when the database is missing or unreadable.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rustybt.errors import ConfigError

if TYPE_CHECKING:
    from packaging.version import Version

__all__ = ["Finding", "audit_requirements", "is_affected", "locked_versions"]

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


@dataclass(frozen=True)
class Finding:
    """A locked package version one advisory applies to."""

    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed: tuple[str, ...]


def normalise(name: str) -> str:
    """PEP 503 name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(requirements: Path) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line (``uv export`` output)."""
    pins: dict[str, str] = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    if not pins:
        raise ConfigError(f"no pinned requirement (name==version) in {requirements}")
    return pins


def _version(text: str) -> Version | None:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_range(events: list[dict[str, str]], version: Version) -> bool:
    """OSV ``ECOSYSTEM`` range: affected from each ``introduced`` until a ``fixed``
    (exclusive) or after a ``last_affected`` (inclusive)."""
    from packaging.version import Version

    def key(event: dict[str, str]) -> tuple[Version, int]:
        # At one version an ``introduced`` comes before the event that ends it, so a
        # range that is fixed where it starts is empty.
        kind, value = next(iter(event.items()))
        parsed = _version(value) if value != "0" else None
        return (parsed if parsed is not None else Version("0"), kind != "introduced")

    affected = False
    for event in sorted(events, key=key):
        (kind, value), *_ = event.items()
        bound = Version("0") if value == "0" else _version(value)
        if bound is None:
            continue
        if kind == "introduced" and version >= bound:
            affected = True
        elif (kind == "fixed" and version >= bound) or (
            kind == "last_affected" and version > bound
        ):
            affected = False
    return affected


def is_affected(advisory: dict[str, object], package: str, version: str) -> bool:
    """Whether ``advisory`` (an OSV record) applies to ``package==version`` on PyPI."""
    if advisory.get("withdrawn"):  # retracted by its publisher: applies to nothing
        return False
    parsed = _version(version)
    for entry in advisory.get("affected") or []:  # type: ignore[attr-defined]  # OSV list
        info = entry.get("package") or {}
        if info.get("ecosystem") != "PyPI" or normalise(str(info.get("name"))) != package:
            continue
        if version in (entry.get("versions") or []):
            return True
        for span in entry.get("ranges") or []:
            ecosystem = span.get("type") == "ECOSYSTEM"
            if ecosystem and parsed is not None and _in_range(span.get("events") or [], parsed):
                return True
    return False


def _records(folder: Path) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for path in sorted(folder.iterdir()):
        if path.suffix in (".yaml", ".yml"):
            import yaml  # type: ignore[import-untyped]  # PyYAML (dev extra) has no stubs here

            records.append(yaml.safe_load(path.read_text(encoding="utf-8")))
        elif path.suffix == ".json":
            records.append(json.loads(path.read_text(encoding="utf-8")))
    return records


def _fixed(advisory: dict[str, object], package: str) -> tuple[str, ...]:
    fixed = []
    for entry in advisory.get("affected") or []:  # type: ignore[attr-defined]  # OSV list
        if normalise(str((entry.get("package") or {}).get("name"))) != package:
            continue
        for span in entry.get("ranges") or []:
            fixed += [e["fixed"] for e in span.get("events") or [] if "fixed" in e]
    return tuple(fixed)


def audit_requirements(requirements: Path, db: Path) -> tuple[int, list[Finding]]:
    """(packages checked, findings) of the pins in ``requirements`` against ``db``."""
    root = db / "vulns" if (db / "vulns").is_dir() else db
    if not root.is_dir() or not any(root.iterdir()):
        raise ConfigError(
            f"no advisory database at {db}",
            hint="git clone --depth 1 https://github.com/pypa/advisory-database <dir>",
        )
    folders = {normalise(p.name): p for p in root.iterdir() if p.is_dir()}
    pins = locked_versions(requirements)
    findings: list[Finding] = []
    for package, version in sorted(pins.items()):
        folder = folders.get(package)
        if folder is None:
            continue
        findings.extend(
            Finding(
                package,
                version,
                str(advisory.get("id")),
                tuple(str(a) for a in advisory.get("aliases") or []),  # type: ignore[attr-defined]
                _fixed(advisory, package),
            )
            for advisory in _records(folder)
            if is_affected(advisory, package, version)
        )
    return len(pins), findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requirements", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        checked, findings = audit_requirements(args.requirements, args.db)
    except ConfigError as error:
        print(f"error: {error.message}" + (f" ({error.hint})" if error.hint else ""))
        return 2
    for f in findings:
        aliases = f" ({', '.join(f.aliases)})" if f.aliases else ""
        fixed = f"fixed in {', '.join(f.fixed)}" if f.fixed else "no fix yet"
        print(f"{f.package} {f.version}: {f.advisory}{aliases}, {fixed}")
    print(
        f"{checked} locked packages checked against {args.db}: "
        f"{len(findings)} known vulnerabilit{'y' if len(findings) == 1 else 'ies'}"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
