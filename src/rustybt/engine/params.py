"""Strategy parameters given by name (``--param fast=10``): known names only, each
converted to the type of the value it replaces.

A zipline-style file declares its parameters in a module-level ``PARAMS`` dict; a
`Strategy` subclass declares them as keyword arguments of ``__init__``. A name the
strategy does not declare is a typo far more often than intent, so it is refused
with the closest declared name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from rustybt.errors import ConfigError

__all__ = ["check_params", "coerce_param"]

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _reject(name: str, value: object, kind: str) -> ConfigError:
    return ConfigError(
        f"parameter {name!r} takes {kind}, not {value!r}",
        context={"parameter": name, "value": repr(value), "expected": kind},
        hint=f"give {name} {kind}",
    )


def coerce_param(name: str, value: object, default: object) -> object:
    """``value`` converted to the type of ``default`` (None or an unknown type: as is).

    Raises:
        ConfigError: the value cannot be that type without losing meaning
            (``1.5`` for an int, ``"maybe"`` for a bool).
    """
    if default is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise _reject(name, value, "true or false")
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value.strip())
        raise _reject(name, value, "a whole number")
    if isinstance(default, float | Decimal):
        if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool):
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation as exc:
                raise _reject(name, value, "a number") from exc
            if number.is_finite():
                return number if isinstance(default, Decimal) else float(number)
        raise _reject(name, value, "a number")
    if isinstance(default, str):
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        raise _reject(name, value, "text")
    if not isinstance(value, type(default)):
        raise _reject(name, value, f"a {type(default).__name__}")
    return value


def check_params(
    declared: Mapping[str, object], given: Mapping[str, object], *, owner: str, where: str
) -> dict[str, object]:
    """``given`` checked against the ``declared`` names and converted to their types.

    Args:
        declared: parameter name -> default value.
        owner: the strategy's name, for the message.
        where: where parameters are declared, for the hint (``"its PARAMS dict"``).
    """
    checked: dict[str, object] = {}
    for name, value in given.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            known = ", ".join(sorted(declared)) or "none"
            raise ConfigError(
                f"{owner} has no parameter {name!r}"
                + (f"; did you mean {close[0]!r}?" if close else ""),
                context={"strategy": owner, "parameter": name, "declared": sorted(declared)},
                hint=f"declared parameters: {known} (declare new ones in {where})",
            )
        checked[name] = coerce_param(name, value, declared[name])
    return checked
