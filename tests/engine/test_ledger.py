"""Known answers for the Decimal ledger: cash, cost, realized PnL and the identity."""

from __future__ import annotations

from decimal import Decimal as D

from rustybt.assets import Asset
from rustybt.engine.ledger import Ledger

A = Asset("A")
B = Asset("B")


def test_buy_then_sell_in_two_parts_realizes_exact_pnl() -> None:
    ledger = Ledger(D("10000"))
    # Buy 100 @ 10, commission 1: cash 10000 - 1000 - 1 = 8999.
    assert ledger.apply_fill(A, D(100), D("10"), D("1")) == 0
    assert ledger.cash == D("8999")
    assert ledger.positions[A].quantity == 100
    assert ledger.positions[A].cost == D("1000")
    # Sell 40 @ 12: realized 40*12 - 1000*40/100 = 480 - 400 = 80; cash 8999 + 480 - 1.
    assert ledger.apply_fill(A, D(-40), D("12"), D("1")) == D("80")
    assert ledger.cash == D("9478")
    assert ledger.positions[A].quantity == 60
    assert ledger.positions[A].cost == D("600")
    assert ledger.positions[A].average_cost == D("10")
    # Sell 60 @ 9: realized 540 - 600 = -60; flat, the position is removed.
    assert ledger.apply_fill(A, D(-60), D("9"), D("1")) == D("-60")
    assert ledger.cash == D("10017")
    assert A not in ledger.positions
    assert ledger.realized_pnl == D("20")
    assert ledger.commissions == D("3")
    # 10017 = 10000 + 20 realized - 3 commissions.
    assert ledger.equity({}) == D("10017")
    assert ledger.identity_gap({}) == 0


def test_short_then_cover_at_profit_and_at_loss() -> None:
    ledger = Ledger(D("10000"))
    ledger.apply_fill(A, D(-50), D("20"), D("0"))
    assert ledger.cash == D("11000")
    assert ledger.positions[A].cost == D("-1000")
    # Unrealized at 22: -50*22 - (-1000) = -100.
    assert ledger.unrealized_pnl({A: D("22")}) == D("-100")
    assert ledger.equity({A: D("22")}) == D("9900")
    # Cover 30 @ 18: realized -30*18 - (-1000 * -30 / -50) = -540 + 600 = 60.
    assert ledger.apply_fill(A, D(30), D("18"), D("0")) == D("60")
    # Cover the last 20 @ 21: -20*21 - (-400) = -20.
    assert ledger.apply_fill(A, D(20), D("21"), D("0")) == D("-20")
    assert ledger.realized_pnl == D("40")
    assert ledger.cash == D("10040")  # 11000 - 540 - 420
    assert ledger.positions == {}


def test_reversal_long_to_short_in_one_fill() -> None:
    ledger = Ledger(D("10000"))
    ledger.apply_fill(A, D(100), D("10"), D("0"))
    # Sell 150 @ 12: closes 100 (realized 1200 - 1000 = 200), opens -50 at cost -600.
    assert ledger.apply_fill(A, D(-150), D("12"), D("0")) == D("200")
    position = ledger.positions[A]
    assert position.quantity == -50
    assert position.cost == D("-600")
    assert ledger.cash == D("10800")  # 10000 - 1000 + 1800
    marks = {A: D("11")}
    # Unrealized -50*11 + 600 = 50; equity 10800 - 550 = 10250 = 10000 + 200 + 50.
    assert ledger.unrealized_pnl(marks) == D("50")
    assert ledger.equity(marks) == D("10250")
    assert ledger.identity_gap(marks) == 0


def test_partial_close_with_an_inexact_average_keeps_cost_conserved() -> None:
    ledger = Ledger(D("1000"))
    ledger.apply_fill(A, D(1), D("10"), D("0.01"))
    ledger.apply_fill(A, D(2), D("10.01"), D("0.01"))
    # Average 30.02 / 3 = 10.00666...; what leaves plus what stays is still 30.02.
    realized = ledger.apply_fill(A, D(-1), D("11"), D("0.01"))
    remaining = ledger.positions[A].cost
    # The released third is rounded to 1e-16 (10.0066666666666667); the rest stays.
    assert remaining == D("20.0133333333333333")
    assert realized == D("11") - D("10.0066666666666667")
    assert (D("11") - realized) + remaining == D("30.02")
    for mark in (D("9.99"), D("10.00666"), D("123.456789")):
        assert ledger.identity_gap({A: mark}) == 0
    # cash = 1000 - 10 - 20.02 + 11 - 0.03
    assert ledger.cash == D("980.95")


def test_fractional_quantities_and_two_assets() -> None:
    ledger = Ledger(D("50000"))
    ledger.apply_fill(A, D("0.12345678"), D("43210.5"), D("5.3342"), slippage=D("0.5"))
    ledger.apply_fill(B, D(-3), D("99.99"), D("0"))
    ledger.apply_fill(A, D("-0.02345678"), D("44000"), D("1.03"))
    # cash = 50000 - 0.12345678*43210.5 - 5.3342 + 299.97 + 0.02345678*44000 - 1.03
    expected_cash = (
        D("50000")
        - D("0.12345678") * D("43210.5")
        - D("5.3342")
        + D("299.97")
        + D("0.02345678") * D("44000")
        - D("1.03")
    )
    assert ledger.cash == expected_cash
    assert ledger.quantity(A) == D("0.1")
    assert ledger.quantity(B) == -3
    assert ledger.slippage == D("0.5")
    assert ledger.commissions == D("6.3642")
    marks = {A: D("45000.01"), B: D("100.5")}
    assert ledger.positions_value(marks) == D("4500.001") - D("301.5")
    assert ledger.identity_gap(marks) == 0


def test_position_realized_pnl_accumulates_per_asset() -> None:
    ledger = Ledger(D("100"))
    ledger.apply_fill(A, D(2), D("5"), D("0"))
    ledger.apply_fill(A, D(-1), D("7"), D("0"))  # +2
    assert ledger.positions[A].realized_pnl == D("2")
    assert ledger.quantity(B) == 0


def test_a_repeating_share_of_cost_does_not_break_the_identity() -> None:
    # Found by the property test: closing 1 of 3 units whose cost is 5e-12 released
    # 1.666...e-12 to 34 digits, and adding that to cash-sized totals rounded.
    ledger = Ledger(D("1000000"))
    ledger.apply_fill(A, D("1e-8"), D("1e-4"), D("0"))
    ledger.apply_fill(A, D("-2e-8"), D("1e-4"), D("0"))
    ledger.apply_fill(A, D("-2e-8"), D("2e-4"), D("0"))
    ledger.apply_fill(A, D("1e-8"), D("1e-4"), D("0"))
    assert ledger.positions[A].cost == D("-3.3333e-12")
    assert ledger.identity_gap({A: D("1e-4")}) == 0
