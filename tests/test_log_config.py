"""configure_logging: stream output, text lines, level filtering; the catalogue is documented."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from rustybt import run_backtest
from rustybt.log import EVENTS, configure_logging, current_audit_log, get_logger, reset_logging
from tests.engine.test_audit_events import _panel, _script

DOCS = Path(__file__).resolve().parents[1] / "docs" / "logging.md"


def test_stream_output_json_with_utc_timestamp() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    try:
        get_logger(strategy_id="s1").info("custom.event", value=3)
    finally:
        reset_logging()
    record = json.loads(stream.getvalue())
    assert list(record)[:3] == ["timestamp", "level", "event"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", record["timestamp"])
    assert (record["event"], record["strategy_id"], record["value"]) == ("custom.event", "s1", 3)


def test_level_filter_drops_info_audit_events_but_keeps_warnings() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream, level="WARNING")
    try:
        run_backtest(_script().strategy, _panel(), capital=10_000, check_cash=True)
    finally:
        reset_logging()
    events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
    assert events == ["order.rejected", "order.rejected"]


def test_text_lines_and_audit_off() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream, json=False, audit=False)
    try:
        assert current_audit_log() is None
        run_backtest(_script().strategy, _panel(), capital=10_000)
        get_logger().info("plain.event", api_key="abc", n=1)
    finally:
        reset_logging()
    (line,) = stream.getvalue().splitlines()
    assert re.fullmatch(r'\S+Z info plain\.event api_key="\*\*\*" n=1', line)


def test_every_catalogued_event_and_field_is_documented() -> None:
    text = DOCS.read_text()
    for name, spec in EVENTS.items():
        assert f"`{name}`" in text, name
        for field in spec.fields:
            assert f"`{field}`" in text, (name, field)
