"""When to draw a tqdm progress bar, and which one: shared by every bar in rustybt.

A backtest's bars (`rustybt.engine.progress`), an optimisation's trials
(`rustybt.optimize.loop`) and an ingestion's steps (`StepProgress`, used by
`rustybt.data.catalog.ingest`) follow one rule: ``progress=None`` shows a bar when
someone is watching (stderr is a terminal, or a Jupyter kernel with ipywidgets,
where ``tqdm.auto`` draws a widget); CI logs, pipes and kernels without
ipywidgets get nothing. ``True`` forces a bar, ``False`` turns it off. tqdm is
optional (the ``notebook`` extra) and imported only when a bar is shown.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from typing import Any

from rustybt.errors import ConfigError
from rustybt.install import extra_hint

__all__ = ["StepProgress", "tqdm_class", "wants_progress"]

SHOW_AFTER = 0.5  # seconds: work shorter than this shows no bar at all


def _in_kernel() -> bool:
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    return type(get_ipython()).__name__ == "ZMQInteractiveShell"


def wants_progress(setting: bool | None) -> bool:
    """Whether to show a bar: ``setting`` if given, else only when someone watches."""
    if setting is not None:
        return bool(setting)
    stream = sys.stderr
    is_tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
    return is_tty or (_in_kernel() and _widgets())


def _widgets() -> bool:
    return importlib.util.find_spec("ipywidgets") is not None


def tqdm_class(required: bool) -> Any:  # Any: tqdm's class (tqdm is optional, untyped here)
    """tqdm's widget bar in a kernel with ipywidgets, else its text bar; None when
    tqdm is missing and not ``required`` (then a `ConfigError` names the extra)."""
    try:
        if _in_kernel() and _widgets():
            from tqdm.auto import tqdm
        else:
            from tqdm.std import tqdm
    except ImportError as exc:
        if not required:
            return None
        raise ConfigError(
            "progress bars need tqdm, which is not installed",
            context={"module": "tqdm"},
            hint=extra_hint("notebook") + ", or pass progress=False",
        ) from exc
    return tqdm


class StepProgress:
    """A bar over the named steps of one job (``step(name)`` as each begins).

    It moves one step at a time and names the step running: it says where a long
    job is, not how far inside a step it got. Shown by the `wants_progress` rule,
    after `SHOW_AFTER` seconds; a no-op when not shown.
    """

    def __init__(self, setting: bool | None, steps: Sequence[str], desc: str) -> None:
        self._bar: Any = None  # Any: a tqdm bar (tqdm is optional, untyped here)
        self._started = 0
        if wants_progress(setting):
            chosen = tqdm_class(required=setting is True)
            if chosen is not None:
                self._bar = chosen(
                    total=len(steps), desc=desc, unit="step", delay=SHOW_AFTER, leave=True
                )

    def step(self, name: str) -> None:
        """Mark the previous step done and show ``name`` as the one running."""
        if self._bar is None:
            return
        if self._started:
            self._bar.update(1)
        self._started += 1
        self._bar.set_postfix_str(name)

    def close(self, finished: bool) -> None:
        """Count the last step as done when the job ``finished``, and close."""
        if self._bar is None:
            return
        if finished and self._started:
            self._bar.update(1)
            self._bar.set_postfix_str("done")
        self._bar.close()
