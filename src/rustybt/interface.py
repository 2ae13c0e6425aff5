"""Which interface the user is on, so a hint names the option they can actually use.

The same error can be fixed with ``date_format="%m/%d/%Y"`` in Python or with
``--date-format '%m/%d/%Y'`` on the command line; the CLI marks its calls with
`on_cli`, and `hint_for` picks the matching wording.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["hint_for", "on_cli", "using_cli"]

_CLI: ContextVar[bool] = ContextVar("rustybt_cli", default=False)


def using_cli() -> bool:
    """True inside a ``rustybt`` command."""
    return _CLI.get()


@contextmanager
def on_cli() -> Iterator[None]:
    """Mark the code inside as running for the ``rustybt`` command."""
    token = _CLI.set(True)
    try:
        yield
    finally:
        _CLI.reset(token)


def hint_for(*, python: str, cli: str) -> str:
    """The hint for the interface in use: ``cli`` inside a command, else ``python``."""
    return cli if using_cli() else python
