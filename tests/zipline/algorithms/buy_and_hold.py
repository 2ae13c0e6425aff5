"""zipline's buy_and_hold example: 100 shares each of AAPL and MSFT, once, with the
costs zipline's example sets explicitly."""

from rustybt.api import order, symbol
from rustybt.finance import commission, slippage

stocks = ["AAPL", "MSFT"]


def initialize(context):
    context.has_ordered = False
    context.stocks = stocks
    context.set_commission(commission.PerShare(cost=0.0075, min_trade_cost=1.0))
    context.set_slippage(slippage.VolumeShareSlippage())


def handle_data(context, data):
    if not context.has_ordered:
        for stock in context.stocks:
            order(symbol(stock), 100)
        context.has_ordered = True
