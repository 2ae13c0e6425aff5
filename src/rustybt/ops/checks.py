"""The production checklist's items that read files and the machine: secrets, state
directory, backup, risk limits, disk space. Each returns a `Check` whose ``detail``
names what to fix when it fails."""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from dataclasses import dataclass, fields
from pathlib import Path

from rustybt.errors import RustyBTError
from rustybt.live.config import LiveConfig
from rustybt.ops.backup import LAST_BACKUP_KEY, STATE_DB, backup_age_s, verify_backup

__all__ = [
    "Check",
    "check_backup",
    "check_disk",
    "check_risk_limits",
    "check_secrets",
    "check_state_dir",
]

_OTHERS = stat.S_IRWXO  # permission bits of "everyone else"
_GROUP_OR_OTHERS = stat.S_IRWXG | stat.S_IRWXO


@dataclass(frozen=True)
class Check:
    """One checklist item: passed or not, and why (a failure says what to fix)."""

    name: str
    ok: bool
    detail: str


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_secrets(config: LiveConfig) -> Check:
    """The named API keys decrypt from the store; store and key file are private."""
    from rustybt.cli.secrets import resolve_paths
    from rustybt.live.adapters_loader import read_keys
    from rustybt.security import KEY_ENV

    names = [n for n in (config.api_key, config.api_secret) if n]
    if not names:
        return Check("secrets", True, f"no API keys named ({config.broker} needs none)")
    paths = resolve_paths()
    private = [paths.store] + ([] if os.environ.get(KEY_ENV) else [paths.key_file])
    for path in private:
        if path.is_file() and _mode(path) & _GROUP_OR_OTHERS:
            return Check(
                "secrets",
                False,
                f"{path} is readable by others (mode {_mode(path):04o}): chmod 600 {path}",
            )
    try:
        values = read_keys(config)
    except RustyBTError as error:
        hint = f" ({error.hint})" if error.hint else ""
        return Check("secrets", False, f"{error.message}{hint}")
    empty = [k for k, v in values.items() if not v]
    if empty:
        return Check("secrets", False, f"empty secret(s) {', '.join(empty)}: rustybt secrets set")
    return Check("secrets", True, f"{', '.join(names)} decrypt from {paths.store} (private)")


def check_state_dir(config: LiveConfig) -> Check:
    """The state directory exists (or can be made), takes a durable write, is private."""
    state = config.state
    if state.exists() and not state.is_dir():
        return Check("state", False, f"{state} is a file, not a directory: fix [session] state")
    where = state if state.exists() else _existing_parent(state)
    if state.exists() and _mode(state) & _OTHERS:
        return Check(
            "state",
            False,
            f"{state} is open to other users (mode {_mode(state):04o}): chmod 700 {state}",
        )
    probe = where / f".preflight-{uuid.uuid4().hex}"
    try:
        with probe.open("wb") as handle:  # a write that reaches the disk, as the store's
            handle.write(b"preflight")
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as exc:
        return Check("state", False, f"cannot write in {where}: {exc.strerror}: fix its owner")
    if not state.exists():
        return Check("state", True, f"{state} will be created (in writable {where})")
    return Check("state", True, f"{state} is writable and private ({_mode(state):04o})")


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists():
        path = path.parent
    return path


def check_backup(config: LiveConfig, *, max_age_h: float) -> Check:
    """The session's last backup is recent and intact (a new session has none yet)."""
    import sqlite3

    db = config.state / STATE_DB
    if not db.is_file():
        return Check("backup", True, "new session: nothing to back up yet")
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = connection.execute(
            "SELECT value FROM meta WHERE key = ?", (LAST_BACKUP_KEY,)
        ).fetchone()
    finally:
        connection.close()
    schedule = f"rustybt backup --state {config.state} --to <new dir> (and schedule it)"
    if row is None:
        return Check("backup", False, f"the session has never been backed up: {schedule}")
    import json

    record = json.loads(row[0])
    age = backup_age_s(record)
    if age is None or age > max_age_h * 3600:
        hours = "?" if age is None else f"{age / 3600:.1f}"
        return Check(
            "backup", False, f"last backup is {hours} h old (limit {max_age_h:g} h): {schedule}"
        )
    try:
        verify_backup(record["path"])
    except RustyBTError as error:
        return Check("backup", False, f"last backup {record['path']}: {error.message}")
    return Check("backup", True, f"{record['path']} is {age / 3600:.1f} h old and intact")


def check_risk_limits(config: LiveConfig) -> Check:
    """At least one per-order size limit and one account loss limit are set."""
    risk = config.risk
    per_order = ("max_order_quantity", "max_order_notional")
    account = ("max_daily_loss", "max_drawdown")
    missing = [
        " or ".join(group)
        for group in (per_order, account)
        if all(getattr(risk, name) is None for name in group)
    ]
    if missing:
        return Check("risk", False, f"set {' and '.join(missing)} in [risk] of the live config")
    set_ = [f.name for f in fields(risk) if getattr(risk, f.name) not in (None, False, ())]
    return Check("risk", True, f"limits set: {', '.join(set_)}")


def check_disk(config: LiveConfig, *, min_free_gb: float) -> Check:
    """Free space on the state directory's file system."""
    where = config.state if config.state.exists() else _existing_parent(config.state)
    free_gb = shutil.disk_usage(where).free / 1e9
    if free_gb < min_free_gb:
        return Check(
            "disk",
            False,
            f"{free_gb:.2f} GB free under {where} (need {min_free_gb:g} GB): free space or "
            "move [session] state",
        )
    return Check("disk", True, f"{free_gb:.1f} GB free under {where}")
