"""Operating a live deployment: online backup and restore of a session's state, and
the production checklist as code (`rustybt preflight`).

Built on the live layer (`rustybt.live`); imported only by the CLI and user code.
"""

from __future__ import annotations

from rustybt.ops.backup import BackupManifest, backup_state, restore_backup, verify_backup

__all__ = ["BackupManifest", "backup_state", "restore_backup", "verify_backup"]
