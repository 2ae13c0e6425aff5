"""zipline's dual moving average example: hold 100 AAPL while the 100-day average
of the price is above the 300-day average."""

from rustybt.api import order_target, record, symbol
from rustybt.finance import commission, slippage


def initialize(context):
    context.sym = symbol("AAPL")
    context.i = 0
    context.set_commission(commission.PerShare(cost=0.0075, min_trade_cost=1.0))
    context.set_slippage(slippage.VolumeShareSlippage())


def handle_data(context, data):
    context.i += 1
    if context.i < 300:
        return
    short_mavg = data.history(context.sym, "price", 100, "1d").mean()
    long_mavg = data.history(context.sym, "price", 300, "1d").mean()
    if short_mavg > long_mavg:
        order_target(context.sym, 100)
    elif short_mavg < long_mavg:
        order_target(context.sym, 0)
    record(AAPL=data.current(context.sym, "price"), short_mavg=short_mavg, long_mavg=long_mavg)


def analyze(context=None, results=None):
    # What the example's analyze reads from the perf frame (without plotting).
    trans = results[[t != [] for t in results.transactions]]
    context.buys = trans[[t[0]["amount"] > 0 for t in trans.transactions]]
    context.sells = trans[[t[0]["amount"] < 0 for t in trans.transactions]]
    context.final_value = results.portfolio_value.iloc[-1]
