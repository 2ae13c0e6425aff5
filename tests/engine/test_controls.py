"""Risk controls in backtests, with zipline's semantics: each rule trips on its known
input; ``on_error="fail"`` stops the run with `TradingControlViolation`, ``"log"``
lets the order through."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from rustybt import run_backtest
from rustybt.assets import Asset
from rustybt.engine.controls import AccountState, Controls, OrderCheck, RiskLimits
from rustybt.errors import ConfigError, StrategyError, TradingControlViolation
from tests.engine.helpers import Scripted, flat_panel, make_panel, order_at

WHEN = pd.Timestamp("2024-01-02", tz="UTC")
A = Asset("A")


def _check(quantity: float, *, held: float = 0, price: float = 100.0, **kw: object) -> OrderCheck:
    return OrderCheck(
        A,
        Decimal(str(quantity)),
        price,
        Decimal(str(held)),
        kw.pop("when", WHEN),
        **kw,  # type: ignore[arg-type]
    )


def _rules(controls: Controls, check: OrderCheck) -> list[str]:
    return [v.rule for v in controls._order_violations(check)]


@pytest.mark.parametrize(
    ("limits", "check", "rule"),
    [
        (RiskLimits(max_order_quantity=10), _check(11), "max_order_size"),
        (RiskLimits(max_order_notional=1_000), _check(-10.01), "max_order_size"),
        (RiskLimits(max_position_quantity=50), _check(11, held=40), "max_position_size"),
        (RiskLimits(max_position_notional=5_000), _check(-51, held=0), "max_position_size"),
        (RiskLimits(long_only=True), _check(-11, held=10), "long_only"),
        (RiskLimits(restricted=("A",)), _check(1), "restricted_list"),
        (
            RiskLimits(price_band=0.05),
            _check(1, limit_price=Decimal("106")),
            "price_band",
        ),
    ],
    ids=["qty", "notional", "position-qty", "position-notional", "long-only", "restricted", "band"],
)
def test_each_order_rule_trips_on_its_known_input(
    limits: RiskLimits, check: OrderCheck, rule: str
) -> None:
    controls = Controls()
    controls.extend(limits)
    assert _rules(controls, check) == [rule]


@pytest.mark.parametrize(
    ("limits", "check"),
    [
        (RiskLimits(max_order_quantity=10), _check(10)),
        (RiskLimits(max_order_notional=1_000), _check(-10)),
        (RiskLimits(max_position_quantity=50), _check(-10, held=40)),
        (RiskLimits(long_only=True), _check(-10, held=10)),
        (RiskLimits(restricted=("B",)), _check(1)),
        (RiskLimits(price_band=0.05), _check(1, limit_price=Decimal("105"))),
    ],
)
def test_orders_at_the_limit_pass(limits: RiskLimits, check: OrderCheck) -> None:
    controls = Controls()
    controls.extend(limits)
    assert _rules(controls, check) == []


def test_orders_per_minute_counts_a_rolling_minute() -> None:
    controls = Controls()
    controls.extend(RiskLimits(max_orders_per_minute=2))
    times = [WHEN, WHEN + pd.Timedelta(seconds=20), WHEN + pd.Timedelta(seconds=40)]
    assert [_rules(controls, _check(1, when=t)) for t in times] == [
        [],
        [],
        ["max_orders_per_minute"],
    ]
    later = WHEN + pd.Timedelta(seconds=81)  # the first two left the window
    assert _rules(controls, _check(1, when=later)) == []


@pytest.mark.parametrize(
    ("limits", "state", "rule"),
    [
        (
            RiskLimits(max_gross_leverage=2.0),
            AccountState(WHEN, 100.0, 201.0, 100.0, 100.0),
            "max_leverage",
        ),
        (
            RiskLimits(max_daily_loss=0.05),
            AccountState(WHEN, 95.0, 0.0, 100.0, 100.0),
            "max_daily_loss",
        ),
        (RiskLimits(max_drawdown=0.2), AccountState(WHEN, 80.0, 0.0, 80.0, 100.0), "max_drawdown"),
    ],
)
def test_each_account_rule_trips_on_its_known_input(
    limits: RiskLimits, state: AccountState, rule: str
) -> None:
    controls = Controls()
    controls.extend(limits)
    assert [v.rule for v in controls._account_violations(state)] == [rule]
    calm = AccountState(WHEN, 100.0, 100.0, 100.0, 100.0)
    assert list(controls._account_violations(calm)) == []


def test_bad_limits_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="max_daily_loss must be positive"):
        RiskLimits(max_daily_loss=0)
    with pytest.raises(ConfigError, match="needs max_shares or max_notional"):
        Controls().add_size("max_order_size", None, None, None, "fail", position=False)


# -- in a backtest, through the zipline names --------------------------------------------
def test_set_max_order_size_fails_the_backtest_like_zipline() -> None:
    script = Scripted(
        [order_at(1, "A", 5), order_at(2, "A", 20)],
        initialize=lambda c: c.set_max_order_size(max_shares=10),
    )
    with pytest.raises(StrategyError, match="exceeds the 10 unit limit"):
        run_backtest(script.strategy, flat_panel([10.0] * 5))


def test_on_error_log_lets_the_order_through() -> None:
    script = Scripted(
        [order_at(1, "A", 20)],
        initialize=lambda c: c.set_max_order_size(max_shares=10, on_error="log"),
    )
    result = run_backtest(script.strategy, flat_panel([10.0] * 5))
    assert list(result.transactions["quantity"]) == [Decimal(20)]


def test_long_only_restricted_and_order_count_in_a_backtest() -> None:
    def setup(context: object) -> None:
        context.set_long_only()  # type: ignore[attr-defined]
        context.set_max_order_count(2)  # type: ignore[attr-defined]

    short = Scripted([order_at(1, "A", -1)], initialize=setup)
    with pytest.raises(StrategyError, match="short position"):
        run_backtest(short.strategy, flat_panel([10.0] * 5))
    many = Scripted(
        [order_at(1, "A", 1), order_at(1, "A", 1), order_at(1, "A", 1)], initialize=setup
    )
    with pytest.raises(StrategyError, match="more than 2 orders"):
        run_backtest(many.strategy, flat_panel([10.0] * 5))
    banned = Scripted([order_at(1, "A", 1)], initialize=lambda c: c.set_do_not_order_list(["A"]))
    with pytest.raises(StrategyError, match="do-not-order list"):
        run_backtest(banned.strategy, flat_panel([10.0] * 5))


def test_set_max_leverage_stops_the_backtest_when_exceeded() -> None:
    # 1 000 cash; buying 150 units at 10 is 1.5x gross leverage from bar 2 on.
    script = Scripted([order_at(1, "A", 150)], initialize=lambda c: c.set_max_leverage(1.2))
    with pytest.raises(TradingControlViolation, match=r"gross leverage 1\.500 exceeds 1\.2"):
        run_backtest(script.strategy, flat_panel([10.0] * 5), capital=1_000)


def test_controls_only_in_initialize() -> None:
    script = Scripted([(1, "set_long_only", (), {})])
    with pytest.raises(StrategyError, match="only be called in initialize"):
        run_backtest(script.strategy, make_panel(open=[10.0] * 3))
