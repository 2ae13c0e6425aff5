"""Colours shared by the SVG, matplotlib and plotly drawings of a chart."""

from __future__ import annotations

__all__ = ["LOSS", "PALETTE", "WIN"]

PALETTE = (
    "#1f4e79",
    "#9a9a9a",
    "#d1383d",
    "#2e8b57",
    "#e08a00",
    "#7b4fa0",
    "#17becf",
    "#8c564b",
    "#bcbd22",
    "#e377c2",
    "#555555",
)
WIN, LOSS = "#2e8b57", "#d1383d"
