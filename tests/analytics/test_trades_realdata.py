"""Round trips on real S&P 500 bars: a moving-average strategy's fills, end to end."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rustybt.analytics.trades import pnl_identity_gap, round_trips, trade_summary
from rustybt.data.bars import BarPanel
from rustybt.money import to_decimal

DOCS = Path(__file__).resolve().parents[2] / "docs" / "trades.md"


def test_docs_example_runs() -> None:
    text = DOCS.read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, str(DOCS), "exec"), {})


@pytest.mark.realdata
def test_ma_crossover_fills_on_gspc(shared_data: Path) -> None:
    raw = pd.read_csv(shared_data / "GSPC_daily_1927_2023.csv", parse_dates=["Date"])
    raw = raw[(raw["Date"] >= "2005-01-01") & (raw["Date"] < "2012-01-01")]
    frame = pd.DataFrame(
        {
            "timestamp": raw["Date"],
            "symbol": "GSPC",
            "open": raw["Open"],
            "high": raw["High"],
            "low": raw["Low"],
            "close": raw["Close"],
            "volume": raw["Volume"].astype(float),
        }
    )
    panel = BarPanel.from_frame(frame)
    close = panel.close[:, 0]
    fast = pd.Series(close).rolling(10).mean().to_numpy()
    slow = pd.Series(close).rolling(40).mean().to_numpy()
    target = np.where(np.isnan(slow), 0, np.where(fast > slow, 1, -1))
    rows = []
    held = 0
    for bar in range(1, len(panel)):
        wanted = int(target[bar - 1]) * 3  # decided on the previous close, filled at this open
        if wanted != held:
            rows.append(
                {
                    "timestamp": panel.index[bar],
                    "symbol": "GSPC",
                    "quantity": Decimal(wanted - held),
                    "price": to_decimal(float(panel.open[bar, 0])),
                    "commission": Decimal("0.50"),
                    "bar": bar,
                }
            )
            held = wanted
    fills = pd.DataFrame(rows)
    trades = round_trips(fills, panel)
    assert pnl_identity_gap(fills, trades) == 0
    # Every signal change after the first reverses: one trade per fill, the last one open.
    assert len(trades) == len(fills)
    assert int(trades["is_open"].sum()) == 1
    assert (trades["max_quantity"] == Decimal(3)).all()
    assert (trades["mae"] >= 0).all()
    assert (trades["mfe"] >= 0).all()
    assert trades["mae"].notna().all()
    summary = trade_summary(trades)
    assert summary.loc["trades", "all"] == len(fills) - 1
