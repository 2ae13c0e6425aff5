"""Making one strategy per trial, and checking parameter names against the strategy.

A trial needs a fresh strategy built with its parameters, in this process or a
worker. What travels to workers is a `StrategySpec`: a `Strategy` subclass
(pickled by reference, so it must be importable), a strategy file path (each
worker imports it once), or, for in-process executors only, a `Strategy`
instance whose class is rebuilt with merged parameters.
"""

from __future__ import annotations

import difflib
import inspect
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rustybt.engine.strategy import FunctionStrategy, Strategy, load_strategy_file
from rustybt.errors import ConfigError

__all__ = ["StrategySpec", "check_param_names", "declared_params"]


@dataclass(frozen=True)
class StrategySpec:
    """How to build the strategy of a trial (see the module docstring)."""

    target: type[Strategy] | Strategy | Path

    @classmethod
    def of(cls, strategy: type[Strategy] | Strategy | str | Path) -> StrategySpec:
        if isinstance(strategy, str | Path):
            return cls(Path(strategy))
        if isinstance(strategy, Strategy) or (
            isinstance(strategy, type) and issubclass(strategy, Strategy)
        ):
            return cls(strategy)
        raise ConfigError(
            f"optimize needs a Strategy class, instance or strategy file, not {type(strategy).__name__}"
        )

    def build(self, params: dict[str, object]) -> Strategy:
        target = self.target
        if isinstance(target, Path):
            return load_strategy_file(target, **params)
        if isinstance(target, type):
            return target(**params)
        merged = {**target.params, **params}
        if isinstance(target, FunctionStrategy):
            built = FunctionStrategy(
                name=target.name,
                initialize=target.bound_hook("initialize"),
                handle_data=target.bound_hook("handle_data"),
                before_trading_start=target.bound_hook("before_trading_start"),
                analyze=target.bound_hook("analyze"),
            )
            built.params.update(merged)
            return built
        return type(target)(**merged)

    def probe(self) -> Strategy:
        """The strategy with its defaults (to read its declared parameters)."""
        if isinstance(self.target, Path):
            return _load_default(self.target)
        if isinstance(self.target, type):
            return self.target()
        return self.target


@lru_cache(maxsize=8)
def _load_default(path: Path) -> Strategy:
    return load_strategy_file(path)


def declared_params(spec: StrategySpec) -> set[str] | None:
    """Names the strategy declares, or None when it accepts any keyword.

    A class declares its ``__init__`` keyword parameters; a zipline-style file its
    ``PARAMS`` dict; an instance the parameters it was made with.
    """
    probe = spec.probe()
    if isinstance(probe, FunctionStrategy):
        return set(probe.params)
    names = set(probe.params)
    open_ended = False
    for name, parameter in inspect.signature(type(probe).__init__).parameters.items():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            open_ended = True
        elif name != "self" and parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            names.add(name)
    # A class taking only **params (the base Strategy's signature) declares nothing.
    return None if open_ended and not names else names


def check_param_names(spec: StrategySpec, names: list[str]) -> None:
    """Raise ConfigError for a parameter the strategy does not declare (a typo)."""
    declared = declared_params(spec)
    if declared is None:
        return
    for name in names:
        if name not in declared:
            close = difflib.get_close_matches(name, sorted(declared), n=1)
            raise ConfigError(
                f"the strategy has no parameter {name!r}"
                + (f" (did you mean {close[0]!r}?)" if close else ""),
                context={"parameter": name},
                hint=f"declared parameters: {', '.join(sorted(declared)) or 'none'}",
            )
