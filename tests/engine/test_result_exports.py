"""to_pandas / to_polars: every table, with Decimal money exact."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from rustybt import BacktestResult, Strategy, run_backtest
from rustybt.assets import Asset
from rustybt.engine.execution import FixedBasisPoints, PerDollar
from rustybt.engine.result import _decimal_scale
from tests.engine.helpers import make_panel


class BuyThenSell(Strategy):
    def handle_data(self, context: object, data: object) -> None:
        bar = data.bar  # type: ignore[attr-defined]
        if bar == 0:
            context.order("BTC", Decimal("0.123456789"))  # type: ignore[attr-defined]
        elif bar == 2:
            context.order_target("BTC", 0)  # type: ignore[attr-defined]


def _result() -> BacktestResult:
    panel = make_panel(
        open=[65432.123456789, 65500.5, 65999.87654321, 66000.0],
        assets=(Asset.crypto("BTC"),),
    )
    return run_backtest(
        BuyThenSell(),
        panel,
        commission=PerDollar(rate=0.00075),
        slippage=FixedBasisPoints(bps=3.3),
        volume_limit=None,
    )


def test_to_pandas_holds_every_table() -> None:
    result = _result()
    tables = result.to_pandas()
    assert set(tables) == {
        "perf",
        "transactions",
        "orders",
        "positions",
        "decisions",
        "universe",
        "trades",
    }
    assert tables["transactions"] is result.transactions


def test_to_polars_keeps_decimals_exact() -> None:
    result = _result()
    frames = result.to_polars()
    fills = frames["transactions"]
    for column in ("quantity", "price", "commission", "slippage"):
        assert isinstance(fills.schema[column], pl.Decimal)
        assert fills[column].to_list() == list(result.transactions[column])
    assert fills["quantity"].to_list() == [Decimal("0.12345678"), Decimal("-0.12345678")]
    trades = frames["trades"]
    assert trades["net_pnl"].to_list() == list(result.trades["net_pnl"])
    assert frames["perf"].columns[0] == "session"
    assert frames["perf"]["portfolio_value"].to_list() == result.perf["portfolio_value"].tolist()


def test_decimal_scale_falls_back_when_38_digits_are_not_enough() -> None:
    assert _decimal_scale([Decimal("1.5"), Decimal("-20.125"), None]) == 3
    assert _decimal_scale([Decimal(1) / Decimal(3)]) == 34  # 34 decimals + 1 integer digit
    # 34 decimals in one value and 6 integer digits in another need 40 digits: strings.
    assert _decimal_scale([Decimal("123456"), Decimal(1) / Decimal(3)]) is None
    assert _decimal_scale([Decimal("NaN")]) is None
