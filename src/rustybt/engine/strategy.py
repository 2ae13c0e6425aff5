"""The two equivalent ways to write a strategy.

1. A `Strategy` subclass overriding the hooks it needs::

       class Crossover(Strategy):
           def initialize(self, context): ...
           def handle_data(self, context, data): ...

2. Module-level functions, as in zipline: ``initialize(context)``,
   ``handle_data(context, data)``, ``before_trading_start(context, data)``,
   ``analyze(context, perf)``, wrapped by `FunctionStrategy` (or loaded from a
   file by `load_strategy_file`, or run by `rustybt.run_algorithm`). Loaded
   from a module or run by ``run_algorithm`` they get zipline's semantics
   (``Strategy.zipline_api``); ``FunctionStrategy(...)`` built directly does
   not unless ``zipline_api=True``.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from rustybt.engine.params import check_params
from rustybt.engine.user_code import find_user_frame
from rustybt.errors import ConfigError, DataNotFound, StrategyError
from rustybt.summary import summary_html, summary_text

if TYPE_CHECKING:
    from rustybt.engine.algorithm import TradingContext
    from rustybt.engine.data_portal import BarData
    from rustybt.engine.result import BacktestResult

__all__ = ["FunctionStrategy", "Strategy", "load_strategy_file"]

HOOKS = ("initialize", "before_trading_start", "handle_data", "analyze")


class Strategy:
    """Base class: override any of the hooks. Keyword arguments become ``self.params``
    and are recorded in the result's metadata."""

    #: zipline's semantics (see docs/zipline.md): ``data.history`` of one asset and
    #: field is a Series, ``handle_data`` runs before scheduled functions,
    #: ``before_trading_start`` also runs before the first session, ``can_trade``
    #: follows zipline's rule, and ``analyze`` receives zipline's perf DataFrame.
    #: False for `Strategy` subclasses (fast numpy history, the `BacktestResult`).
    zipline_api: bool = False

    def __init__(self, **params: object) -> None:
        self.params: dict[str, object] = dict(params)

    @property
    def name(self) -> str:
        return type(self).__name__

    def initialize(self, context: TradingContext) -> None:
        """Called once before the first bar: pick assets, set models, schedule."""

    def before_trading_start(self, context: TradingContext, data: BarData) -> None:
        """Called before each session's first bar; ``data`` shows the previous bar."""

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        """Called on every bar, after the bar closed."""

    def analyze(self, context: TradingContext, result: BacktestResult) -> None:
        """Called once with the finished result."""

    def overrides(self, hook: str) -> bool:
        """True when the hook does something (lets the engine skip empty ones)."""
        return getattr(type(self), hook) is not getattr(Strategy, hook)

    def _summary(self) -> dict[str, str]:
        hooks = [hook for hook in _HOOKS if self.overrides(hook)]
        params = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return {
            "name": self.name,
            "parameters": params or "-",
            "hooks": ", ".join(hooks) or "-",
            "style": "zipline functions" if self.zipline_api else "Strategy class",
        }

    def __repr__(self) -> str:
        return summary_text("Strategy", self._summary())

    def _repr_html_(self) -> str:
        return summary_html("Strategy", self._summary())


_HOOKS = ("initialize", "before_trading_start", "handle_data", "analyze")


class FunctionStrategy(Strategy):
    """A strategy made of zipline-style module functions."""

    # Hook signatures vary (context[, data|result]); Callable[..., object] keeps them open.
    def __init__(
        self,
        *,
        initialize: Callable[..., object] | None = None,
        handle_data: Callable[..., object] | None = None,
        before_trading_start: Callable[..., object] | None = None,
        analyze: Callable[..., object] | None = None,
        name: str = "strategy",
        zipline_api: bool = False,
        **params: object,
    ) -> None:
        super().__init__(**params)
        self._name = name
        self.zipline_api = zipline_api
        self._hooks: dict[str, Callable[..., object]] = {}
        for hook, func in (
            ("initialize", initialize),
            ("before_trading_start", before_trading_start),
            ("handle_data", handle_data),
            ("analyze", analyze),
        ):
            if func is not None:
                if not callable(func):
                    raise StrategyError(f"{hook} must be a function", context={"hook": hook})
                self._hooks[hook] = func

    @property
    def name(self) -> str:
        return self._name

    def overrides(self, hook: str) -> bool:
        return hook in self._hooks

    def initialize(self, context: TradingContext) -> None:
        if "initialize" in self._hooks:
            self._hooks["initialize"](context)

    def before_trading_start(self, context: TradingContext, data: BarData) -> None:
        if "before_trading_start" in self._hooks:
            self._hooks["before_trading_start"](context, data)

    def handle_data(self, context: TradingContext, data: BarData) -> None:
        if "handle_data" in self._hooks:
            self._hooks["handle_data"](context, data)

    def analyze(self, context: TradingContext, result: BacktestResult) -> None:
        if "analyze" in self._hooks:
            self._hooks["analyze"](context, result.to_zipline() if self.zipline_api else result)

    def bound_hook(self, hook: str) -> Callable[..., object] | None:
        """The user's function itself (the engine calls it directly, skipping a frame)."""
        return self._hooks.get(hook)

    @classmethod
    def from_module(cls, module: ModuleType, **params: object) -> FunctionStrategy:
        hooks: dict[str, Any] = {  # Any: values are the module's own objects, checked below
            hook: getattr(module, hook) for hook in HOOKS if hasattr(module, hook)
        }
        if "handle_data" not in hooks and "initialize" not in hooks:
            raise StrategyError(
                f"{module.__name__} defines neither initialize nor handle_data",
                hint="define handle_data(context, data), or a Strategy subclass",
            )
        declared = getattr(module, "PARAMS", {})
        if not isinstance(declared, dict):
            raise StrategyError(
                f"{module.__name__}.PARAMS must be a dict of name -> default value",
                context={"type": type(declared).__name__},
            )
        given = check_params(
            declared, params, owner=module.__name__, where="the module's PARAMS dict"
        )
        # A module of zipline-style functions is zipline code: it gets zipline's semantics.
        return cls(name=module.__name__, zipline_api=True, **hooks, **{**declared, **given})


def _declared_init_params(cls: type[Strategy]) -> dict[str, object] | None:
    """Keyword parameters of ``cls.__init__`` and their defaults (None for a required
    one); None when it takes ``**kwargs``, so any name may be meant."""
    declared: dict[str, object] = {}
    for name, parameter in inspect.signature(cls).parameters.items():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return None
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        ):
            empty = parameter.default is inspect.Parameter.empty
            declared[name] = None if empty else parameter.default
    return declared


def load_strategy_file(path: str | Path, **params: object) -> Strategy:
    """Import a strategy file. This EXECUTES the file's code: only load files you trust.

    The file may define a `Strategy` subclass (the last one defined is used, with
    ``params``), or zipline-style module functions (with an optional ``PARAMS`` dict).
    """
    file = Path(path)
    if not file.is_file():
        raise DataNotFound(f"strategy file not found: {file}", context={"path": str(file)})
    if file.suffix != ".py":
        raise ConfigError(f"strategy file must be a .py file: {file}", context={"path": str(file)})
    spec = importlib.util.spec_from_file_location(f"rustybt_user_{file.stem}", file)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot import strategy file {file}", context={"path": str(file)})
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # user code: any failure is reported as the user's error
        found = find_user_frame(exc)
        where = f"; at {found.describe()}" if found else ""
        raise StrategyError(
            f"strategy file {file.name} failed to import: {type(exc).__name__}: {exc}{where}",
            context={"path": str(file)},
            hint="fix the strategy file at the line shown" if found else None,
        ) from exc
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Strategy)
        and value not in (Strategy, FunctionStrategy)
        and value.__module__ == module.__name__
    ]
    if classes:
        chosen = classes[-1]
        declared = _declared_init_params(chosen)
        if declared is not None:
            params = check_params(
                declared, params, owner=chosen.__name__, where="its __init__ arguments"
            )
        try:
            return chosen(**params)
        except TypeError as exc:
            accepted = [
                name
                for name, parameter in inspect.signature(chosen).parameters.items()
                if parameter.kind is not inspect.Parameter.VAR_KEYWORD
            ]
            raise ConfigError(
                f"{chosen.__name__} does not accept parameters {sorted(params)}: {exc}",
                context={"strategy": chosen.__name__, "params": sorted(params)},
                hint=f"accepted: {', '.join(accepted) or 'none'}",
            ) from exc
    strategy = FunctionStrategy.from_module(module, **params)
    strategy._name = file.stem
    return strategy
