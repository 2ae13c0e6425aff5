"""What `rustybt paper / live / status / stop / reset-breaker` do, free of option parsing."""

from __future__ import annotations

import getpass
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pandas as pd

from rustybt.cli.live_process import PID_FILE, StatusLine, claim_leadership, drive
from rustybt.engine.result import BacktestResult
from rustybt.errors import ConfigError
from rustybt.live.config import LiveConfig
from rustybt.live.leader import LeaderLock
from rustybt.live.runner import LiveRunner

__all__ = [
    "PaperRequest",
    "reset_breaker_command",
    "run_live",
    "run_paper",
    "show_status",
    "stop_session",
]

FEED_START = "feed_start"  # state key: the live feed's first bar (kept across restarts)
AUDIT_FILE = "audit.jsonl"


@dataclass(frozen=True)
class PaperRequest:
    strategy_file: Path
    data: str
    start: str | None
    speed: str
    capital: float
    symbols: str | None
    commission_bps: float
    slippage_bps: float
    params: list[str]
    catalog: Path
    output: Path
    state: Path | None
    cancel_on_stop: bool
    health_port: int | None
    quiet: bool
    feed: str | None = None
    timeframe: str = "1m"
    end: str | None = None
    standby: bool = False
    async_broker: bool = False


def run_paper(request: PaperRequest) -> BacktestResult | None:
    """Paper trade a replayed dataset through the live code path (None: a standby that
    was stopped before it led)."""
    from rustybt.cli.commands import RunRequest, _load_data, _parse_date, _parse_params
    from rustybt.engine.execution import FixedBasisPoints, NoSlippage, PerDollar
    from rustybt.engine.strategy import load_strategy_file
    from rustybt.live.feeds import Feed, ReplayFeed
    from rustybt.live.paper import PaperBroker

    strategy = load_strategy_file(request.strategy_file, **_parse_params(request.params))
    close_feed: Callable[[], None] = lambda: None  # noqa: E731
    feed: Feed
    if request.feed is not None:
        from rustybt.live.adapters_loader import open_public_feed

        symbols = tuple(s.strip() for s in (request.symbols or "").split(",") if s.strip())
        feed, close_feed = open_public_feed(request.feed, symbols, request.timeframe)
        source = f"{request.feed} {request.timeframe} bars"
    else:
        panel, _, source = _load_data(
            RunRequest(
                strategy_file=request.strategy_file,
                data=request.data,
                start=None,
                end=None,
                capital=request.capital,
                symbols=request.symbols,
                benchmark=None,
                fill_at="next_open",
                commission_bps=request.commission_bps,
                slippage_bps=request.slippage_bps,
                params=request.params,
                catalog=request.catalog,
                output=request.output,
            )
        )
        end = _parse_date(request.end, "to")
        if end is not None:
            panel = panel.select(end=end)
        feed = ReplayFeed(panel, speed=request.speed, start=request.start)
    state = request.state or request.output / f"{request.strategy_file.stem}-live"
    state.mkdir(parents=True, exist_ok=True)
    leader = claim_leadership(state, request.standby)
    commission = PerDollar(rate=request.commission_bps / 10_000) if request.commission_bps else None
    slippage = FixedBasisPoints(request.slippage_bps) if request.slippage_bps else NoSlippage()
    broker = PaperBroker(
        capital=request.capital,
        path=state / "paper.db",
        commission=commission,
        slippage=slippage,
    )
    runner = LiveRunner(
        strategy,
        broker=broker,
        feed=feed,
        state=state,
        capital=request.capital,
        commission=commission,
        slippage=slippage,
        audit_log=state / AUDIT_FILE,
        cancel_on_stop=request.cancel_on_stop,
        data_source=f"paper replay of {source}",
        on_status=StatusLine(request.quiet),
        health_port=request.health_port,
        leader=leader,
        async_broker=request.async_broker,
    )
    where = request.feed or f"{request.data} (speed {request.speed})"
    print(f"rustybt paper: {request.strategy_file.name} on {where}")
    try:
        if leader.held:
            leader.lead(runner.store)
        result = drive(runner, state, request.quiet)
    finally:
        broker.close()
        close_feed()
        runner.store.close()
        leader.release()
    if result is None:
        return None
    # A paper session resumes from its state folder, so its result replaces the earlier
    # save of the same session rather than starting a numbered folder.
    save_session_result(result, request.output, request.strategy_file.stem)
    print(f"live state      {state.resolve()} (state.db, paper.db, {AUDIT_FILE})")
    return result


def run_live(
    strategy_file: Path,
    broker_name: str,
    config_path: Path,
    params: list[str],
    output: Path = Path("rustybt_output"),
    *,
    standby: bool = False,
    async_broker: bool = False,
    health_port: int | None = None,
) -> BacktestResult | None:
    """Trade a real account: adapters come from ``rustybt.live.adapters`` (the [live] extra).

    ``standby``: lead if nobody leads the state directory, else wait as its warm standby
    (which needs the session started: its leader fixed the feed's first bar).
    ``health_port`` overrides live.toml's (a standby beside its leader needs its own)."""
    from rustybt.cli.commands import _parse_params
    from rustybt.engine.strategy import load_strategy_file
    from rustybt.live.adapters_loader import open_broker_and_feed
    from rustybt.live.config import load_live_config

    config = session_clock(load_live_config(config_path, broker=broker_name))
    if health_port is not None:
        config = replace(config, health_port=health_port)
    strategy = load_strategy_file(strategy_file, **_parse_params(params))
    config.state.mkdir(parents=True, exist_ok=True)
    leader = claim_leadership(config.state, standby)
    if not leader.held and config.feed_start is None:
        raise ConfigError(
            f"the session in {config.state} is led, but has not fixed its first bar yet",
            hint="start the standby again in a moment (systemd does: Restart=always)",
        )
    try:
        broker, feed = open_broker_and_feed(config)
    except BaseException:
        leader.release()
        raise
    runner = LiveRunner(
        strategy,
        broker=broker,
        feed=feed,
        state=config.state,
        capital=config.capital,
        audit_log=config.state / AUDIT_FILE,
        limits=config.risk,
        stale_after=config.stale_after,
        cancel_on_stop=config.cancel_on_stop,
        cash_currency=config.cash_currency,
        data_source=f"live {config.broker}",
        on_status=StatusLine(False),
        health_port=config.health_port or None,
        leader=leader,
        async_broker=async_broker,
        reconcile_wait=config.reconcile_wait,
    )
    try:
        if leader.held:
            leader.lead(runner.store)
            if runner.store.get(FEED_START) is None:
                runner.store.set(FEED_START, feed.index[0].isoformat())
        result = drive(runner, config.state, False)
    finally:
        broker.close()
        feed.close()
        runner.store.close()
        leader.release()
    if result is None:
        return None
    save_session_result(result, output, strategy_file.stem)
    return result


def save_session_result(result: BacktestResult, output: Path, name: str) -> Path:
    """Write the stopped session's result folder (as `rustybt run`: the saved result,
    tearsheet and report) and say where. A restarted session replaces its earlier save."""
    from rustybt.cli.commands import _print_result, _save
    from rustybt.live.health import notify_systemd

    # Under systemd the trading is over: the watchdog must not kill the report writing.
    notify_systemd("STOPPING=1")
    saved = _save(result, output, name, overwrite=True)
    _print_result(result, saved)
    return saved


def session_clock(config: LiveConfig) -> LiveConfig:
    """A restarted session keeps its feed's clock: bar numbers in the state database
    count from the first start's first bar, so the feed must start there again (the
    bars missed while down come back late, and are not traded on after
    ``stale_after``). A first start uses ``[feed] start`` or the bar forming now."""
    from rustybt.live.state import StateStore

    if not (config.state / StateStore.FILE).is_file():
        return config
    store = StateStore(config.state)
    try:
        started = store.get(FEED_START)
    finally:
        store.close()
    if started is None:
        return config
    if config.feed_start is not None and pd.Timestamp(config.feed_start) != pd.Timestamp(started):
        raise ConfigError(
            f"the session in {config.state} started its bars at {started}, "
            f"but [feed] start says {config.feed_start}",
            hint="keep [feed] start as it was, or use a new [session] state directory",
        )
    return replace(config, feed_start=started)


def show_status(state: Path) -> None:
    """Print orders, positions, cash, the risk state and the last reconciliation."""
    from rustybt.live.state import StateStore

    if not (state / "state.db").is_file():
        raise ConfigError(f"no live state in {state}", hint="pass the --state DIR of a session")
    store = StateStore(state)
    try:
        pid = state / PID_FILE
        print(
            f"session         {store.get('session_id')}  ({'running, pid ' + pid.read_text() if pid.is_file() else 'not running'})"
        )
        led = LeaderLock(state)
        if led.try_acquire():  # free: nobody leads (released at once, this only looks)
            led.release()
            print("leader          none")
        else:
            print(
                f"leader          pid {LeaderLock.leader_pid(state)}, "
                f"epoch {store.get('leader_epoch')}"
            )
        print(f"last bar        {store.get('last_bar_time') or store.get('last_bar')}")
        capital = Decimal(store.get("capital") or "0")
        cash, positions = capital, dict[str, Decimal]()
        for fill in store.fills():
            cash -= fill.quantity * fill.price + fill.commission
            positions[fill.symbol] = positions.get(fill.symbol, Decimal(0)) + fill.quantity
        print(f"cash            {cash:,.2f}")
        held = {s: q for s, q in positions.items() if q}
        print(
            "positions       " + (", ".join(f"{s} {q}" for s, q in sorted(held.items())) or "none")
        )
        orders = store.orders()
        open_orders = [
            o for o in orders if o.state in ("intent", "sent", "unknown") and o.closed is None
        ]
        print(f"orders          {len(orders)} total, {len(open_orders)} open")
        for o in open_orders[:20]:
            print(f"  {o.client_order_id}  {o.symbol} {o.quantity} {o.order_type}  {o.state}")
        breaker = store.get_json("breaker")
        if isinstance(breaker, dict) and breaker.get("state") == "halted":
            print(f"risk            HALTED by {breaker.get('rule')}: {breaker.get('reason')}")
            print("                reset with: rustybt reset-breaker --state " + str(state))
        else:
            print("risk            ok (breaker not tripped)")
        rec = store.get_json("last_reconciliation")
        if isinstance(rec, dict):
            verdict = "complete" if rec.get("complete") else "INCOMPLETE (new orders refused)"
            print(f"reconciliation  {rec.get('at')}: {verdict}")
            for line in list(rec.get("mismatches") or [])[:10]:
                print(f"  mismatch: {line}")
    finally:
        store.close()


def stop_session(state: Path, *, timeout: float = 30.0) -> None:
    """SIGTERM the session running on ``state`` and wait (bounded) for it to exit."""
    pid_file = state / PID_FILE
    if not pid_file.is_file():
        raise ConfigError(f"no running session in {state}", hint="check the --state directory")
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        raise ConfigError(f"session pid {pid} is not running (stale pid file removed)") from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_file.exists():
            print(f"stopped session pid {pid}")
            return
        time.sleep(0.1)
    raise ConfigError(
        f"session pid {pid} did not stop within {timeout:.0f} s", hint="check its log"
    )


def reset_breaker_command(state: Path, note: str) -> None:
    from rustybt.live.breaker import reset_breaker
    from rustybt.live.state import StateStore

    if not (state / "state.db").is_file():
        raise ConfigError(f"no live state in {state}", hint="pass the --state DIR of a session")
    store = StateStore(state)
    try:
        previous = reset_breaker(
            store, operator=getpass.getuser(), note=note, audit_log=state / AUDIT_FILE
        )
    finally:
        store.close()
    if previous.get("state") == "halted":
        print(f"breaker reset (was tripped by {previous.get('rule')}: {previous.get('reason')})")
    else:
        print("breaker was not tripped; nothing to reset")
