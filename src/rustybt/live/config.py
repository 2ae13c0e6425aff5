"""``live.toml``: the broker, feed, session and risk settings of `rustybt live`.

API keys are never in the file: it names entries of the encrypted secrets store
(``rustybt secrets set NAME``), which are read when the session starts::

    [broker]
    name = "ccxt:binance"          # or "alpaca"
    api_key = "BINANCE_API_KEY"    # secret NAMES, not values
    api_secret = "BINANCE_API_SECRET"
    options = { sandbox = true }   # passed to the adapter as keyword arguments

    [feed]
    symbols = ["BTC/USDT"]
    timeframe = "1m"
    # start = "2024-01-02T14:30:00Z"  # first bar's open time (default: the bar forming now)
    # bars = 390                      # stop after this many bars (default: run until stopped)

    [session]
    state = "live-state"           # state directory (state.db, audit.jsonl)
    capital = 10000
    cash_currency = "USDT"
    cancel_on_stop = true
    stale_after = 90               # seconds; a later bar is not traded on
    reconcile_wait = 5             # seconds a restart waits for its reconciliation (--async-broker)
    health_port = 8787             # 127.0.0.1 only; 0 turns it off

    [risk]                         # every key of RiskLimits
    max_order_notional = 1000
    max_daily_loss = 0.05
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from rustybt.engine.controls import RiskLimits
from rustybt.errors import ConfigError

__all__ = ["LiveConfig", "load_live_config"]

BROKERS = ("ccxt:", "alpaca", "paper")


@dataclass(frozen=True)
class LiveConfig:
    broker: str
    api_key: str | None = None
    api_secret: str | None = None
    broker_options: dict[str, object] = field(default_factory=dict)
    symbols: tuple[str, ...] = ()
    timeframe: str = "1m"
    feed_start: str | None = None
    feed_bars: int | None = None
    state: Path = Path("live-state")
    capital: float = 100_000.0
    cash_currency: str | None = "USD"
    cancel_on_stop: bool = True
    stale_after: float | None = None
    reconcile_wait: float = 5.0
    health_port: int = 0
    risk: RiskLimits = field(default_factory=RiskLimits)


def _table(raw: dict[str, object], name: str, path: Path) -> dict[str, object]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] in {path} must be a table", context={"file": str(path)})
    return table


def _unknown(table: dict[str, object], allowed: set[str], name: str, path: Path) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise ConfigError(
            f"unknown key(s) {', '.join(extra)} in [{name}] of {path}",
            context={"file": str(path)},
            hint=f"allowed: {', '.join(sorted(allowed))}",
        )


def _check_start(value: object, path: Path) -> None:
    from rustybt.data.bars import to_utc_timestamp

    problem = ConfigError(
        f'[feed] start must be a quoted time, e.g. "2024-01-02T14:30:00Z", not {value!r}',
        context={"file": str(path)},
    )
    if not isinstance(value, str):
        raise problem
    try:
        to_utc_timestamp(value)
    except ValueError as exc:
        raise problem from exc


def load_live_config(path: str | Path, *, broker: str | None = None) -> LiveConfig:
    """Read and check ``live.toml``; ``broker`` (the ``--broker`` option) overrides [broker].name."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"live config {path} not found", hint="pass --config live.toml") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"live config {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(raw) - {"broker", "feed", "session", "risk"})
    if unknown:
        raise ConfigError(f"unknown table(s) {', '.join(unknown)} in {path}")
    b, f, s, r = (_table(raw, n, path) for n in ("broker", "feed", "session", "risk"))
    _unknown(b, {"name", "api_key", "api_secret", "options"}, "broker", path)
    _unknown(f, {"symbols", "timeframe", "start", "bars"}, "feed", path)
    session_keys = {f.name for f in fields(LiveConfig)} - {"broker", "risk", "symbols"}
    not_session = {
        "api_key",
        "api_secret",
        "broker_options",
        "timeframe",
        "feed_start",
        "feed_bars",
    }
    _unknown(s, session_keys - not_session, "session", path)
    _unknown(r, {f.name for f in fields(RiskLimits)}, "risk", path)
    name = broker or b.get("name")
    if not isinstance(name, str) or not name.startswith(BROKERS):
        raise ConfigError(
            f"broker must be 'ccxt:<exchange>' or 'alpaca', not {name!r}",
            context={"file": str(path)},
        )
    options = b.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError("[broker] options must be a table", context={"file": str(path)})
    for key in ("api_key", "api_secret"):
        value = b.get(key)
        if value is not None and (not isinstance(value, str) or not value.isupper()):
            raise ConfigError(
                f'[broker] {key} must NAME a secret (e.g. "BINANCE_API_KEY"), not hold its value',
                hint="store the value with `rustybt secrets set NAME`",
            )
    symbols = f.get("symbols", [])
    if not isinstance(symbols, list) or not all(isinstance(x, str) for x in symbols):
        raise ConfigError("[feed] symbols must be a list of strings", context={"file": str(path)})
    feed_start, feed_bars = f.get("start"), f.get("bars")
    if feed_start is not None:
        _check_start(feed_start, path)
    if feed_bars is not None and (
        isinstance(feed_bars, bool) or not isinstance(feed_bars, int) or feed_bars < 1
    ):
        raise ConfigError(
            f"[feed] bars must be a whole number of bars >= 1, not {feed_bars!r}",
            context={"file": str(path)},
        )
    risk = dict(r)
    if "restricted" in risk:
        risk["restricted"] = tuple(risk["restricted"])  # type: ignore[arg-type]  # a TOML list
    try:
        limits = RiskLimits(**risk)  # type: ignore[arg-type]  # keys checked above
        return LiveConfig(
            broker=name,
            api_key=b.get("api_key"),  # type: ignore[arg-type]  # checked above
            api_secret=b.get("api_secret"),  # type: ignore[arg-type]
            broker_options=dict(options),
            symbols=tuple(symbols),
            timeframe=str(f.get("timeframe", "1m")),
            feed_start=None if feed_start is None else str(feed_start),
            feed_bars=feed_bars,
            state=Path(str(s.get("state", "live-state"))).expanduser(),
            capital=float(s.get("capital", 100_000.0)),  # type: ignore[arg-type]  # TOML number
            cash_currency=s.get("cash_currency", "USD"),  # type: ignore[arg-type]
            cancel_on_stop=bool(s.get("cancel_on_stop", True)),
            stale_after=s.get("stale_after"),  # type: ignore[arg-type]
            reconcile_wait=float(s.get("reconcile_wait", 5.0)),  # type: ignore[arg-type]  # TOML number
            health_port=int(s.get("health_port", 0)),  # type: ignore[call-overload]
            risk=limits,
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad value in {path}: {exc}", context={"file": str(path)}) from exc
