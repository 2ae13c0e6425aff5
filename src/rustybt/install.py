"""How to install this project and its extras, for hints and docs.

The name ``rustybt`` on PyPI belongs to an unrelated project, so this one is
distributed as ``rustybt-quant`` (import name and command stay ``rustybt``), and it
is installed from a checkout or a wheel built from one, never by ``pip install
rustybt``.
"""

from __future__ import annotations

__all__ = ["DISTRIBUTION", "extra_hint"]

#: The distribution name (pyproject ``[project] name``); a wheel is
#: ``rustybt_quant-<version>-py3-none-any.whl``.
DISTRIBUTION = "rustybt-quant"


def extra_hint(extra: str) -> str:
    """What to run to add an optional extra (``plot``, ``interactive``, ``keyring``,
    ``live``, ``optimize``, ``distributed``)."""
    return (
        f"install the {extra!r} extra of this project: pip install -e '.[{extra}]' in the "
        f"rustybt checkout, or pip install '<wheel>[{extra}]' for a wheel built with "
        "uv build (see docs/install.md); not 'pip install rustybt', an unrelated package"
    )
