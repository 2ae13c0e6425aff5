"""The ``initialize``-time settings of a `TradingContext`, with zipline's keywords.

``set_commission(us_equities=PerShare())``, ``set_slippage(us_equities=...)``,
``schedule_function(f, date_rule, time_rule, half_days=True, calendar=...)``,
``set_cancel_policy``, ``set_benchmark``, plus the environment queries
(``get_environment``, ``sid``, ``set_symbol_lookup_date``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from rustybt.assets import Asset
from rustybt.data.bars import to_utc_timestamp
from rustybt.engine.execution import CommissionModel, SlippageModel
from rustybt.engine.orders import TimeInForce
from rustybt.engine.scheduling import DateRule, ScheduledFunction, TimeRule, date_rules, time_rules
from rustybt.errors import ConfigError, StrategyError, UnknownSymbol

if TYPE_CHECKING:
    from rustybt.engine.blotter import Blotter
    from rustybt.engine.data_portal import AssetLike, BarData
    from rustybt.finance.cancel_policy import CancelPolicy

__all__ = ["ContextConfiguration", "asset_by_sid"]

_ENVIRONMENT_FIELDS = ("arena", "data_frequency", "start", "end", "capital_base", "platform")


def _one_model(kind: str, model: object, us_equities: object, us_futures: object) -> object:
    """zipline passes models by asset class; rustybt has one model for all assets."""
    if us_futures is not None:
        raise ConfigError(
            f"set_{kind}(us_futures=...) is not supported: rustybt has no futures contracts",
            hint=f"use set_{kind}(us_equities=...) or set_{kind}(model)",
        )
    if model is not None and us_equities is not None:
        raise ConfigError(f"pass the {kind} model once: positionally or as us_equities=")
    chosen = model if model is not None else us_equities
    if chosen is None:
        raise ConfigError(f"set_{kind} needs a model", hint=f"e.g. set_{kind}(us_equities=...)")
    return chosen


class ContextConfiguration:
    """Mixed into `TradingContext`; the attributes below are set by its __init__."""

    _initialized: bool
    _blotter: Blotter
    _data: BarData
    _benchmark: AssetLike | pd.Series | None
    _scheduled: list[ScheduledFunction]
    _time_in_force: TimeInForce
    _environment: dict[str, object]

    def _configure(self, what: str) -> None:
        if self._initialized:
            raise StrategyError(
                f"{what} can only be called in initialize()",
                hint="move the call into initialize(context)",
            )

    def set_commission(
        self,
        model: CommissionModel | None = None,
        *,
        us_equities: CommissionModel | None = None,
        us_futures: object = None,
    ) -> None:
        self._configure("set_commission")
        chosen = _one_model("commission", model, us_equities, us_futures)
        if not callable(getattr(chosen, "commission", None)):
            raise ConfigError(
                f"{type(chosen).__name__} is not a commission model",
                hint="use rustybt.finance.commission.PerShare, PerTrade or PerDollar",
            )
        self._blotter.commission = chosen  # type: ignore[assignment]  # checked just above

    def set_slippage(
        self,
        model: SlippageModel | None = None,
        *,
        us_equities: SlippageModel | None = None,
        us_futures: object = None,
    ) -> None:
        """Set the price model; a zipline model (`rustybt.finance.slippage`) also sets
        the share of each bar's volume an order may take (its ``volume_limit``)."""
        self._configure("set_slippage")
        chosen = _one_model("slippage", model, us_equities, us_futures)
        if not callable(getattr(chosen, "fill_price", None)):
            raise ConfigError(
                f"{type(chosen).__name__} is not a slippage model",
                hint="use rustybt.finance.slippage.FixedBasisPointsSlippage or VolumeShareSlippage",
            )
        self._blotter.slippage = chosen  # type: ignore[assignment]  # checked just above
        if hasattr(chosen, "volume_limit"):
            self._blotter.volume_limit = chosen.volume_limit

    def set_volume_limit(self, fraction: float | None) -> None:
        """Share of each bar's volume an order may take (None: no cap)."""
        self._configure("set_volume_limit")
        self._blotter.volume_limit = fraction

    def set_benchmark(self, benchmark: AssetLike | pd.Series) -> None:
        """An asset of the data (its close-to-close returns) or a returns Series."""
        self._configure("set_benchmark")
        self._benchmark = benchmark

    def set_cancel_policy(self, cancel_policy: CancelPolicy) -> None:
        """``EODCancel()``: later orders are day orders; ``NeverCancel()``: good till cancelled."""
        from rustybt.finance.cancel_policy import CancelPolicy

        if not isinstance(cancel_policy, CancelPolicy):
            raise ConfigError(
                f"{type(cancel_policy).__name__} is not a cancel policy",
                hint="use rustybt.api.EODCancel() or NeverCancel()",
            )
        self._time_in_force = cancel_policy.time_in_force

    def schedule_function(
        self,
        func: Callable[..., object],
        date_rule: DateRule | None = None,
        time_rule: TimeRule | None = None,
        half_days: bool = True,
        calendar: object = None,
    ) -> None:
        """Call ``func(context, data)`` on the bars the rules select.

        ``half_days`` and ``calendar`` are accepted for zipline code: sessions come
        from the data, which has no half-day flag, so both change nothing.
        """
        self._configure("schedule_function")
        if not callable(func):
            raise ConfigError(f"schedule_function needs a function, not {type(func).__name__}")
        self._scheduled.append(
            ScheduledFunction(
                func, date_rule or date_rules.every_day(), time_rule or time_rules.market_open()
            )
        )

    # -- environment -----------------------------------------------------------------
    def get_environment(self, field: str = "platform") -> object:
        """zipline's environment fields: arena, data_frequency, start, end,
        capital_base, platform ("rustybt"); ``"*"`` gives them all as a dict."""
        if field == "*":
            return dict(self._environment)
        if field not in _ENVIRONMENT_FIELDS:
            raise ConfigError(
                f"unknown environment field {field!r}",
                hint=f"use one of {', '.join(_ENVIRONMENT_FIELDS)} or '*'",
            )
        return self._environment[field]

    def set_symbol_lookup_date(self, dt: object) -> None:
        """Accepted for zipline code: symbols here name one asset for the whole data,
        so the date only has to be a valid date."""
        self._environment["symbol_lookup_date"] = to_utc_timestamp(dt)

    def sid(self, sid: int | str | Asset) -> Asset:
        """An asset by its position in the data (rustybt has no security ids; an
        asset's sid is its column, in the order of ``context.assets``) or symbol."""
        return asset_by_sid(self._data, sid)


def asset_by_sid(data: BarData, sid: int | str | Asset) -> Asset:
    """`ContextConfiguration.sid` given the data (the portfolio resolves its keys with
    it without holding the context)."""
    if isinstance(sid, Asset | str):
        return data.asset(sid)
    assets = data._panel.assets
    if isinstance(sid, bool) or not isinstance(sid, int) or not 0 <= sid < len(assets):
        raise UnknownSymbol(
            f"no asset with sid {sid!r}",
            context={"sid": sid},
            hint=f"sids are 0..{len(assets) - 1} (columns of the data); or use symbol()",
        )
    return assets[sid]
