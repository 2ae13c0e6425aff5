"""zipline's ``zipline.pipeline.filters``."""

from rustybt.pipeline.custom import CustomFilter
from rustybt.pipeline.filters.static import AssetExists, StaticAssets, StaticSids
from rustybt.pipeline.kinds import Filter
from rustybt.pipeline.rowwise import PercentileFilter

__all__ = [
    "AssetExists",
    "CustomFilter",
    "Filter",
    "PercentileFilter",
    "StaticAssets",
    "StaticSids",
]
