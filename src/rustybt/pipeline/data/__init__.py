"""zipline's ``zipline.pipeline.data``: the bar columns as pipeline inputs."""

from rustybt.pipeline.data.equity_pricing import (
    BoundColumn,
    DataSet,
    EquityPricing,
    USEquityPricing,
)

__all__ = ["BoundColumn", "DataSet", "EquityPricing", "USEquityPricing"]
