"""What `rustybt preflight / backup / restore` do, free of option parsing."""

from __future__ import annotations

from pathlib import Path

from rustybt.live.broker import Broker
from rustybt.live.config import LiveConfig
from rustybt.ops.preflight import PreflightOptions

__all__ = ["backup_command", "open_config_broker", "restore_command", "run_preflight_command"]


def open_config_broker(config: LiveConfig) -> Broker:
    """The venue client the session would use (an adapter of the [live] extra)."""
    from rustybt.live.adapters_loader import open_broker_and_feed

    broker, feed = open_broker_and_feed(config)
    close = getattr(feed, "close", None)
    if close is not None:
        close()  # only the broker is checked
    return broker


def run_preflight_command(
    config_path: Path, broker_name: str | None, options: PreflightOptions
) -> bool:
    """Print one PASS/FAIL line per item; True when every item passed."""
    from dataclasses import replace

    from rustybt.cli.commands import examples_dir
    from rustybt.cli.live_commands import session_clock
    from rustybt.live.config import load_live_config
    from rustybt.ops.preflight import format_checks, run_preflight

    config = session_clock(load_live_config(config_path, broker=broker_name))
    if options.strategy is None:  # the machine's speed, with the bundled example's work
        options = replace(options, strategy=examples_dir() / "dual_moving_average.py")
    checks = run_preflight(config, options, open_broker=lambda: open_config_broker(config))
    for line in format_checks(checks):
        print(line)
    return all(c.ok for c in checks)


def backup_command(state: Path, to: Path) -> None:
    from rustybt.ops.backup import backup_state

    manifest = backup_state(state, to)
    total = sum(size for _, size in manifest.files.values())
    print(f"backed up {state} -> {to.resolve()} ({len(manifest.files)} files, {total:,} bytes)")
    print(f"session {manifest.session_id}, last bar {manifest.last_bar_time}")


def restore_command(backup: Path, to: Path) -> None:
    from rustybt.ops.backup import restore_backup

    manifest = restore_backup(backup, to)
    print(f"restored {backup} -> {to.resolve()} (every file matched its sha256)")
    print(f"session {manifest.session_id}, last bar {manifest.last_bar_time}")
    print(f"resume with [session] state = {str(to)!r} (or --state {to}); check first with:")
    print("  rustybt preflight --config live.toml")
