"""The trading sessions just before a backtest's first one, for zipline's start rules.

``date_rules.month_start()`` must know whether the first month began before the
backtest did. The bars before the start answer that when the data has them;
otherwise the exchange calendar of the first asset's class does.
"""

from __future__ import annotations

import pandas as pd

from rustybt.data.bars import BarPanel
from rustybt.data.calendars import calendar_for
from rustybt.errors import ConfigError

__all__ = ["earlier_sessions"]

_REACH = pd.Timedelta(days=40)  # longer than any week or month


def earlier_sessions(panel: BarPanel, lookback: BarPanel | None) -> pd.DatetimeIndex | None:
    """Sessions (UTC midnight) in the ~40 days before the panel's first session."""
    first = panel.index[0].normalize()
    if lookback is not None and len(lookback):
        days = pd.DatetimeIndex(lookback.index.normalize().unique())
        return days[days >= first - _REACH]
    if not panel.assets:
        return None
    try:
        calendar = calendar_for(panel.assets[0].asset_class)
        return calendar.sessions(first - _REACH, first - pd.Timedelta(days=1))
    except ConfigError:
        # A calendar that cannot cover these dates (exchange-calendars has limits):
        # without it the first period counts as complete, as before.
        return None
