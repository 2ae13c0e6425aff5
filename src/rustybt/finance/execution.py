"""zipline's order styles (``zipline.finance.execution``)."""

from rustybt.engine.order_styles import (
    ExecutionStyle,
    LimitOrder,
    MarketOrder,
    StopLimitOrder,
    StopOrder,
)

__all__ = ["ExecutionStyle", "LimitOrder", "MarketOrder", "StopLimitOrder", "StopOrder"]
