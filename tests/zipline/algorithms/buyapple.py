"""zipline's buyapple example: buy 10 AAPL every session and record its price."""

from rustybt.api import order, record, symbol


def initialize(context):
    context.asset = symbol("AAPL")


def handle_data(context, data):
    order(context.asset, 10)
    record(AAPL=data.current(context.asset, "price"))
