"""zipline's ``run_algorithm``: run module-style functions over a catalog dataset.

``bundle`` names a dataset of the local catalog (``rustybt ingest``); the result
is zipline's perf DataFrame (`BacktestResult.to_zipline`). The strategy gets
zipline's semantics (`Strategy.zipline_api`), zipline's fill price (an order
placed on a bar trades at the next bar's close) and zipline's default costs
unless it sets its own: ``PerShare(0.001)`` commission and
``FixedBasisPointsSlippage(5 bps, 10% of bar volume)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from rustybt.data.bars import BarPanel, to_utc_timestamp
from rustybt.engine.runner import FillAt, run_backtest
from rustybt.engine.strategy import FunctionStrategy
from rustybt.errors import ConfigError

__all__ = ["run_algorithm"]

_ZIPLINE_VOLUME_LIMIT = 0.1  # FixedBasisPointsSlippage's default volume_limit


def _catalog_dir(catalog: str | Path | None) -> Path:
    if catalog is not None:
        return Path(catalog).expanduser()
    from rustybt.config import load_settings

    return load_settings().catalog_dir


def run_algorithm(
    start: object,
    end: object,
    initialize: Callable[..., object],
    capital_base: float,
    handle_data: Callable[..., object] | None = None,
    before_trading_start: Callable[..., object] | None = None,
    analyze: Callable[..., object] | None = None,
    data_frequency: str = "daily",
    bundle: str | None = None,
    bundle_timestamp: object = None,
    trading_calendar: object = None,
    metrics_set: str = "default",
    benchmark_returns: pd.Series | None = None,
    default_extension: bool = True,
    extensions: tuple[str, ...] = (),
    strict_extensions: bool = True,
    environ: object = None,
    custom_loader: object = None,
    blotter: str = "default",
    *,
    catalog: str | Path | None = None,
    data: BarPanel | None = None,
    fill_at: FillAt = "next_close",
) -> pd.DataFrame:
    """Run zipline-style functions from ``start`` to ``end``; zipline's perf DataFrame.

    Args:
        start, end: the first and last session (dates, naive = UTC, or aware).
        initialize, handle_data, before_trading_start, analyze: the strategy's
            functions; ``analyze(context, perf)`` receives the perf DataFrame.
        capital_base: starting cash.
        data_frequency: "daily" or "minute"; must match the dataset.
        bundle: the catalog dataset to trade (zipline's bundle). Bars before
            ``start`` stay visible to ``data.history``.
        benchmark_returns: daily benchmark returns (a Series indexed by date).
        catalog: the catalog directory (default: the settings' ``catalog_dir``).
        data: a `BarPanel` to use instead of a catalog dataset.
        fill_at: zipline's daily rule by default (an order trades at the next
            bar's close); ``"next_open"`` is rustybt's default elsewhere.

    zipline's other arguments (``bundle_timestamp``, ``trading_calendar``,
    ``metrics_set``, ``extensions``, ``environ``, ``custom_loader``, ``blotter``)
    are accepted so zipline calls run unchanged; rustybt's sessions come from the
    data, its metrics are the full set, and it has no extension mechanism.
    """
    if not capital_base > 0:
        raise ConfigError("capital_base must be positive", context={"capital_base": capital_base})
    if data_frequency not in ("daily", "minute"):
        raise ConfigError(
            f"data_frequency must be 'daily' or 'minute', not {data_frequency!r}",
            context={"data_frequency": data_frequency},
        )
    first, last = to_utc_timestamp(start), to_utc_timestamp(end)
    if last < first:
        raise ConfigError("end is before start", context={"start": start, "end": end})
    if data is None:
        if bundle is None:
            raise ConfigError(
                "run_algorithm needs bundle= (a catalog dataset name) or data=",
                hint="ingest a dataset with `rustybt ingest` and pass its name as bundle=",
            )
        from rustybt.data.catalog import Catalog

        day_end = last + pd.Timedelta(days=1) if last == last.normalize() else last
        data = Catalog(_catalog_dir(catalog)).load(bundle, end=day_end)
        source = f"catalog dataset {bundle}"
    else:
        source = "in-memory panel"
    if str(data.frequency) != data_frequency:
        raise ConfigError(
            f"data_frequency={data_frequency!r} but the data is {data.frequency}",
            hint=f"pass data_frequency={str(data.frequency)!r}",
        )
    if data_frequency == "minute" and last == last.normalize():
        # zipline's end is a session: a date means its minutes up to the close.
        last = last + pd.Timedelta(days=1) - pd.Timedelta(nanoseconds=1)
    from rustybt.finance.commission import PerShare
    from rustybt.finance.slippage import FixedBasisPointsSlippage

    strategy = FunctionStrategy(
        initialize=initialize,
        handle_data=handle_data,
        before_trading_start=before_trading_start,
        analyze=analyze,
        name=getattr(initialize, "__module__", None) or "algorithm",
        zipline_api=True,
    )
    result = run_backtest(
        strategy,
        data,
        start=first,
        end=last,
        capital=capital_base,
        benchmark=benchmark_returns,
        commission=PerShare(),
        slippage=FixedBasisPointsSlippage(),
        volume_limit=_ZIPLINE_VOLUME_LIMIT,
        fill_at=fill_at,
        data_source=source,
    )
    return result.to_zipline()
