"""Warm standby: one leader per state directory, fenced.

Two trader processes may share a state directory: the leader trades, the standby
has already imported the stack and built the engine, and waits for the leader's
lock. The lock is ``flock(LOCK_EX)`` on ``leader.lock`` in the state directory:
the kernel releases it the moment the leader dies (SIGKILL, crash, power cut of
the process), so the standby takes over within a poll interval, restores from the
state store and trades on.

The lock alone is not the guarantee that two leaders never trade at once (a lock
file deleted and recreated, or a state directory on a filesystem whose locks are
advisory across hosts, would give two holders). So every leadership also takes a
*fencing epoch*: ``leader_epoch`` in the state store, incremented in one SQLite
transaction when the lock is acquired. The store refuses to persist an order
intent or begin a bar for any epoch but the newest (`StateStore.fence`), and the
blotter checks the epoch again right before each send: a stale leader that lost
its lock stops with `Fenced` before it sends anything.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from pathlib import Path

from rustybt.errors import ConfigError, RustyBTError
from rustybt.live.state import StateStore

__all__ = ["LeaderLock", "StoodBy"]


class StoodBy(RustyBTError):
    """A standby was stopped before it led the session: it traded nothing."""

    exit_code = 0


class LeaderLock:
    """The leader lock of a state directory (see the module docstring).

    ``acquire`` blocks (polling every ``poll`` seconds, so a stop request is seen)
    until this process leads, then takes the next fencing epoch in ``store``.
    """

    FILE = "leader.lock"
    STANDBY_FILE = "standby.lock"  # warm standbys hold it shared while they wait

    def __init__(self, directory: str | Path, *, poll: float = 0.001) -> None:
        directory = Path(directory)
        if directory.suffix == ".db":
            directory = directory.parent
        self.path = directory / self.FILE
        self.poll = poll
        self.epoch: int | None = None
        self._fd: int | None = None
        self._standby_fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    @staticmethod
    def leader_pid(directory: str | Path) -> int | None:
        """The pid written by the current leader (None: none has led yet)."""
        try:
            text = (Path(directory) / LeaderLock.FILE).read_text()
            return int(text.split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def try_acquire(self) -> bool:
        """Take the lock if it is free (never blocks)."""
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(
                f"cannot open the leader lock {self.path}: {exc}",
                hint="the state directory must be writable by the trader",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise ConfigError(f"cannot lock {self.path}: {exc}") from exc
        self._fd = fd
        return True

    def acquire(self, store: StateStore, stop: threading.Event | None = None) -> bool:
        """Wait until this process leads (False: ``stop`` was set first); fence ``store``."""
        while not self.try_acquire():
            if stop is not None and stop.is_set():
                return False
            time.sleep(self.poll)
        self.lead(store)
        return True

    def lead(self, store: StateStore) -> int:
        """With the lock held: take the next fencing epoch, fence ``store`` with it, and
        write this process's pid into the lock file (who leads, for operators)."""
        assert self._fd is not None, "lead() needs the lock (try_acquire first)"
        self.epoch = store.take_leadership()
        store.fence(self.epoch)
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()} {self.epoch}\n".encode(), 0)
        return self.epoch

    # -- warm standbys announce themselves, so a stopping leader knows one takes over ----
    def _open_standby_file(self) -> int:
        return os.open(self.path.with_name(self.STANDBY_FILE), os.O_RDWR | os.O_CREAT, 0o600)

    def announce_standby(self) -> bool:
        """A warm standby: hold ``standby.lock`` shared while waiting (the kernel drops it
        with the process). False if the leader was probing at that instant: call again."""
        if self._standby_fd is not None:
            return True
        fd = self._open_standby_file()
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._standby_fd = fd
        return True

    def withdraw_standby(self) -> None:
        if self._standby_fd is not None:
            os.close(self._standby_fd)
            self._standby_fd = None

    def standby_waiting(self) -> bool:
        """Whether a warm standby waits for this lock (it holds ``standby.lock`` shared)."""
        fd = self._open_standby_file()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return True
            raise ConfigError(f"cannot probe {self.STANDBY_FILE}: {exc}") from exc
        finally:
            os.close(fd)  # also drops the probe's own lock
        return False

    def release(self) -> None:
        self.withdraw_standby()
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
