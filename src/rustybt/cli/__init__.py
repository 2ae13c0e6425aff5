"""The ``rustybt`` command: ``ingest``, ``run``, ``demo``, ``catalog``.

User mistakes print one clear line (and a hint) and exit with the error family's
code; ``--debug`` shows the full traceback and context.
"""

from __future__ import annotations

from rustybt.cli.app import app, main

__all__ = ["app", "main"]
