"""Cross-sectional momentum rotation, written zipline-style with module functions.

On the first session of each month, rank every asset by its return from
``lookback`` bars ago to ``skip`` bars ago (the classic "12-1" momentum: twelve
months back, skipping the most recent month, which tends to reverse), hold the
``top_k`` best equally weighted and sell the rest. Orders placed at the month's
first session fill at the next session's open.

Parameters live in ``PARAMS``; override them from the command line or in Python::

    rustybt run examples/momentum_rotation.py --param top_k=3

    from rustybt import load_strategy_file, run_backtest
    from rustybt.data.synthetic import demo_panel

    strategy = load_strategy_file("examples/momentum_rotation.py", top_k=3)
    result = run_backtest(strategy, demo_panel())
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rustybt.api import date_rules, order_target_percent, record, schedule_function, time_rules
from rustybt.engine.data_portal import BarData
from rustybt.errors import ConfigError

#: 252 sessions is about twelve months of daily bars, 21 about one month.
PARAMS: dict[str, int] = {"lookback": 252, "skip": 21, "top_k": 5}

# Zipline-style scripts keep their own attributes on the context (context.held
# below), which a static type cannot describe: hence Any for the context.


def initialize(context: Any) -> None:
    lookback = int(context.params["lookback"])
    skip = int(context.params["skip"])
    top_k = int(context.params["top_k"])
    if not 0 <= skip < lookback:
        raise ConfigError("need 0 <= skip < lookback", context={"lookback": lookback, "skip": skip})
    if not 0 < top_k <= len(context.assets):
        raise ConfigError(
            f"top_k must be between 1 and the number of assets ({len(context.assets)})",
            context={"top_k": top_k},
        )
    context.lookback, context.skip, context.top_k = lookback, skip, top_k
    context.held = set()
    schedule_function(rebalance, date_rules.month_start(), time_rules.market_open())


def momentum_scores(closes: np.ndarray, skip: int) -> np.ndarray:
    """Return from the window's first close to the close ``skip`` bars before its last.

    ``closes`` is (lookback + 1) x assets; a NaN anywhere in the two closes gives NaN.
    """
    scores: np.ndarray = closes[-1 - skip] / closes[0] - 1.0
    return scores


def rebalance(context: Any, data: BarData) -> None:
    assets = context.assets
    window = data.history(assets, "close", context.lookback + 1)
    assert isinstance(window, pd.DataFrame)  # several assets: always a DataFrame
    scores = momentum_scores(window.to_numpy(), context.skip)
    ranked = [
        column for column in np.argsort(-scores, kind="stable") if np.isfinite(scores[column])
    ]
    if len(ranked) < context.top_k:
        return  # still warming up: not enough history to rank
    winners = {assets[column] for column in ranked[: context.top_k]}
    for asset in sorted(context.held - winners):
        order_target_percent(asset, 0.0)
        context.log_decision("exit", reason="left the top ranks", symbol=asset.symbol)
    weight = 1.0 / context.top_k
    for rank, column in enumerate(ranked[: context.top_k], start=1):
        asset = assets[column]
        order_target_percent(asset, weight)
        if asset not in context.held:
            context.log_decision(
                "enter",
                reason=f"momentum rank {rank} of {len(ranked)}",
                symbol=asset.symbol,
                momentum=float(scores[column]),
            )
    context.held = winners
    record(
        top_momentum=float(scores[ranked[0]]),
        cutoff_momentum=float(scores[ranked[context.top_k - 1]]),
    )
