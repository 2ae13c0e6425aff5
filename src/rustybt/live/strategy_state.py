"""The strategy's own state across a restart: its attributes and the context's.

The ledger, orders and fills are rebuilt from the state store, but a strategy also
keeps state of its own: a bar counter, a signal's memory, ``context.picks`` set in
``initialize``. Without it a restarted strategy decides differently from one that
never stopped. So after each decided bar the runner pickles the strategy's
attributes and the attributes user code added to the context, and stores them
(one row, replaced) when they changed; a restart sets them back after
``initialize`` ran. A strategy whose state cannot be pickled (an open socket, a
lambda) is reported once and restarts from ``initialize``, as before.

The blob is written and read only by this session's own processes, inside its
state database (the same trust as the database itself).
"""

from __future__ import annotations

import pickle  # nosec B403  # our own session state, never data from elsewhere

from rustybt.engine.runner import _Run
from rustybt.live.events import LiveEvents
from rustybt.live.state import StateStore

__all__ = ["StrategyState"]


class StrategyState:
    """Capture / store / restore the strategy-visible state of ``run``.

    Create it before ``run.begin()``: the context's attributes at that moment are
    the engine's; anything added later is the strategy's."""

    KEY = "strategy"

    def __init__(self, run: _Run, store: StateStore, events: LiveEvents) -> None:
        self.run, self.store, self.events = run, store, events
        self._engine_keys = frozenset(run.context.__dict__)
        self._last: bytes | None = None
        self.broken: str | None = None  # why the state cannot be kept (None: it can)

    def _payload(self) -> tuple[dict[str, object], dict[str, object]]:
        context = self.run.context.__dict__
        user = {
            k: v for k, v in context.items() if k not in self._engine_keys and not k.startswith("_")
        }
        return dict(vars(self.run.strategy)), user

    def save(self, bar: int) -> None:
        """Store the state after ``bar`` when it changed (one fenced row)."""
        if self.broken is not None:
            return
        try:
            blob = pickle.dumps(self._payload(), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            self.broken = f"{type(exc).__name__}: {exc}"
            self.events.emit(
                "warning",
                "strategy.state_not_kept",
                {
                    "error": self.broken,
                    "effect": "a restart runs initialize again and starts this state afresh",
                },
            )
            return
        if blob != self._last:
            self.store.put_snapshot(self.KEY, bar, blob)
            self._last = blob

    def restore(self) -> int | None:
        """Set the stored state back (after ``initialize``); the bar it was saved after."""
        found = self.store.snapshot(self.KEY)
        if found is None:
            return None
        bar, blob = found
        strategy_attrs, context_attrs = pickle.loads(blob)  # nosec B301  # see the module docstring
        vars(self.run.strategy).update(strategy_attrs)
        for name, value in context_attrs.items():
            setattr(self.run.context, name, value)
        self._last = blob
        return bar
