"""The soak harness (issue 9): a faulty broker process, a supervisor that kills and
restarts the real `LiveRunner`, a compressed clock, and a checker that measures
decision availability, MTTR, lost and duplicate orders against the broker's books.

Entry point: `run_soak` (``rustybt soak``). Modules, one idea each:

- `market`: the deterministic price path both processes share (bars, bad bars);
- `venue_book`: the broker's ground truth (its own SQLite): orders, fills, cash;
- `venue_server`: the faulty broker process (HTTP/JSON on 127.0.0.1);
- `client`: the `Broker` adapter for it (three-outcome rule; ``naive`` breaks it);
- `feed`: the compressed-clock feed (late bars after downtime, bad bars injected);
- `trader`: the trading process (the real `LiveRunner`);
- `supervisor`: starts, SIGKILLs, SIGTERMs and restarts the processes;
- `checker`: the assertions and the report.
"""

from __future__ import annotations

__all__: list[str] = []
