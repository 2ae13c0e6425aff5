"""Run limits: a wall-clock time limit and a bar count, so an endless strategy ends.

The bar count and the clock are checked before each bar (no cost per bar when no
limit is set). A ``handle_data`` that never returns is stopped by a timer signal
(SIGALRM, on POSIX in the main thread): the handler raises only when the code it
interrupted is the user's own (the nearest frame that is not a library's); when
it lands in rustybt's own work it marks the deadline as passed and tries again a
moment later, so the ledger is never left half-updated.
"""

from __future__ import annotations

import math
import signal
import sysconfig
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType

from rustybt.errors import ConfigError, StrategyError

__all__ = ["BacktestCancelled", "LimitReached", "RunLimits", "TimeUp"]


_RETRY_SECONDS = 0.02
_RUSTYBT = str(Path(__file__).resolve().parents[1])


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple(
        {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    )


_LIBRARIES = _library_roots()


def _in_user_code(frame: FrameType | None) -> bool:
    """Whether the nearest frame outside the standard library and installed packages
    (which run on behalf of whoever called them) is user code, not rustybt."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_RUSTYBT):
            return False
        if not name.startswith(_LIBRARIES) and not name.startswith("<frozen"):
            return True
        frame = frame.f_back
    return False


class TimeUp(BaseException):  # a signal, like KeyboardInterrupt
    """Raised inside user code when the time limit passes.

    A BaseException, so a strategy's own ``except Exception`` cannot swallow it.
    """


class LimitReached(StrategyError):
    """The run passed its ``time_limit`` or ``max_bars``."""


class BacktestCancelled(LimitReached):
    """The run was cancelled (``handle.cancel()``) before this bar; ``result`` holds
    what ran."""


class RunLimits:
    """The limits of one run; use as a context manager around the bar loop.

    ``watch`` is called with each bar's number before the bar runs (progress bars,
    background handles): it may raise a `LimitReached` (e.g. `BacktestCancelled`) to
    stop the run there, and the partial result is kept as for any limit.
    """

    def __init__(
        self,
        time_limit: float | None,
        max_bars: int | None,
        watch: Callable[[int], None] | None = None,
    ) -> None:
        if time_limit is not None and not (
            isinstance(time_limit, int | float) and math.isfinite(time_limit) and time_limit > 0
        ):
            raise ConfigError(
                f"time_limit must be a positive number of seconds, not {time_limit!r}",
                context={"time_limit": repr(time_limit)},
            )
        if max_bars is not None and not (
            isinstance(max_bars, int) and not isinstance(max_bars, bool) and max_bars > 0
        ):
            raise ConfigError(
                f"max_bars must be a positive whole number, not {max_bars!r}",
                context={"max_bars": repr(max_bars)},
            )
        self.time_limit = time_limit
        self.max_bars = max_bars
        self.watch = watch
        self.expired = False
        self._deadline = math.inf
        self._previous: object = None
        self._armed = False

    @property
    def active(self) -> bool:
        return self.time_limit is not None or self.max_bars is not None or self.watch is not None

    def __enter__(self) -> RunLimits:
        if self.time_limit is None:
            return self
        self._deadline = time.monotonic() + self.time_limit
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.time_limit)
            self._armed = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)  # type: ignore[arg-type]  # what signal.signal returned
            self._armed = False

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        self.expired = True
        if _in_user_code(frame):
            raise TimeUp
        # In the engine: the loop's next check stops the run; if it never gets back
        # there (an endless user loop calling the API), try again shortly.
        signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)

    def check(self, bar: int, when: object) -> None:
        """LimitReached when ``bar`` (0-based, about to run) is past a limit."""
        if self.watch is not None:
            self.watch(bar)
        if self.max_bars is not None and bar >= self.max_bars:
            raise self.reached(f"the run reached its bar limit ({self.max_bars:,} bars)", when)
        if self.expired or time.monotonic() > self._deadline:
            self.expired = True
            raise self.reached(f"the run passed its time limit ({self.time_limit:g} s)", when)

    def reached(self, what: str, when: object, hook: str | None = None) -> LimitReached:
        where = f" in {hook}" if hook else ""
        return LimitReached(
            f"{what}{where} at {when}; stopped",
            context={"time_limit": self.time_limit, "max_bars": self.max_bars, "bar": str(when)},
            hint="a strategy that loops forever or works too slowly per bar; raise the limit "
            "(--time-limit / --max-bars) if the run is just long",
        )
