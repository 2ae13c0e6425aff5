"""`rustybt live --broker alpaca --config live.toml` end to end against the fake Alpaca venue.

Keys come from the encrypted secrets store (``rustybt secrets set``); the feed
replays four closed minute bars from ``[feed] start`` (``bars = 4``), so the run
places orders, books their fills and stops by itself when the feed ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rustybt.cli.app import app
from rustybt.live.state import StateStore
from rustybt.security import KEY_ENV
from tests.live.test_alpaca_feed import _bar
from tests.live.venues import alpaca

STRATEGY = """
from rustybt import Strategy


class BuyThenSell(Strategy):
    def initialize(self, context):
        context.bars = 0

    def handle_data(self, context, data):
        context.bars += 1
        asset = context.assets[0]
        if context.bars == 1:
            context.order(asset, 5)
        elif context.bars == 2:
            context.order(asset, -2)
"""

runner = CliRunner()


@pytest.fixture
def venue() -> Iterator[alpaca.AlpacaVenue]:
    venue = alpaca.AlpacaVenue()
    venue.bars = {"AAPL": [_bar(m, 190.0 + m) for m in range(4)]}
    venue.server.start()
    yield venue
    venue.server.stop()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in (KEY_ENV, "RUSTYBT_CONFIG", "RUSTYBT_SECRETS__STORE", "RUSTYBT_SECRETS__KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RUSTYBT_SECRETS__USE_KEYRING", "false")
    return tmp_path


def _invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_rustybt_live_alpaca_trades_and_stops_by_itself(
    venue: alpaca.AlpacaVenue, home: Path
) -> None:
    assert _invoke("secrets", "init")[0] == 0
    assert _invoke("secrets", "set", "ALPACA_API_KEY", stdin=alpaca.API_KEY)[0] == 0
    assert _invoke("secrets", "set", "ALPACA_API_SECRET", stdin=alpaca.SECRET)[0] == 0
    strategy = home / "buy_then_sell.py"
    strategy.write_text(STRATEGY)
    state = home / "alpaca-state"
    config = home / "live.toml"
    config.write_text(
        f"""
[broker]
name = "alpaca"
api_key = "ALPACA_API_KEY"
api_secret = "ALPACA_API_SECRET"
options = {{ url_override = "{venue.server.url}", data_url = "{venue.server.url}", timeout = 5 }}

[feed]
symbols = ["AAPL"]
timeframe = "1m"
start = "2024-01-02T14:30:00Z"
bars = 4

[session]
state = "{state}"
capital = 100000
cash_currency = "USD"
"""
    )
    code, out, err = _invoke("live", str(strategy), "--broker", "alpaca", "--config", str(config))
    assert code == 0, out + err

    # the venue saw each order once and holds what the strategy bought and sold back
    assert sorted(venue.book.submissions.values()) == [1, 1]
    assert venue.book.balances["AAPL"] == Decimal(3)
    # market orders fill at the venue's mark (190.50): 5 bought, 2 sold
    assert venue.book.balances["USD"] == Decimal("100000") - Decimal("3") * Decimal("190.50")

    store = StateStore(state)
    try:
        fills = sorted((f.quantity, f.price) for f in store.fills())
        assert fills == [(Decimal(-2), Decimal("190.50")), (Decimal(5), Decimal("190.50"))]
        assert store.get("last_bar_time") == "2024-01-02T14:33:00+00:00"
    finally:
        store.close()
    records = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    assert [r["event"] for r in records].count("order.filled") == 2
    stopped = [r for r in records if r["event"] == "live.stopped"]
    assert stopped[-1]["reason"] == "feed finished"
    assert alpaca.SECRET not in out + err + (state / "audit.jsonl").read_text()

    code, out, _ = _invoke("status", "--state", str(state))
    assert code == 0
    assert "positions       AAPL 3" in out
    assert "orders          2 total, 0 open" in out

    # Started again without [feed] start: the session keeps the clock of its first
    # start (bar numbers in the state count from it), finds every bar decided and
    # sends nothing more.
    config.write_text(config.read_text().replace('start = "2024-01-02T14:30:00Z"\n', ""))
    code, out, err = _invoke("live", str(strategy), "--broker", "alpaca", "--config", str(config))
    assert code == 0, out + err
    assert sorted(venue.book.submissions.values()) == [1, 1]
    # A different start for the same session is refused with what to do.
    config.write_text(config.read_text().replace("[feed]", '[feed]\nstart = "2024-01-03"'))
    code, _, err = _invoke("live", str(strategy), "--broker", "alpaca", "--config", str(config))
    assert code == 2
    assert "started its bars at 2024-01-02T14:30:00+00:00" in err
