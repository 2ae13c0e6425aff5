"""Sections on the return series: header, key metrics, equity, drawdowns, calendar,
distribution and rolling statistics. They need only returns (and a benchmark)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rustybt.report.display import thin
from rustybt.report.inputs import ReportInputs
from rustybt.report.model import Chart, Item, Note, Section, Table, ValueFormat
from rustybt.report.sections.common import Omitted, benchmark_in_window

__all__ = [
    "METRIC_ROWS",
    "calendar_section",
    "distribution_section",
    "drawdown_section",
    "equity_section",
    "header_section",
    "metrics_section",
    "rolling_section",
    "rolling_window",
]

#: (PerformanceMetrics field, label, format) in the key metrics table.
METRIC_ROWS: tuple[tuple[str, str, ValueFormat], ...] = (
    ("total_return", "Total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("annual_volatility", "Annual volatility", "pct"),
    ("sharpe_ratio", "Sharpe ratio", "num"),
    ("sortino_ratio", "Sortino ratio", "num"),
    ("calmar_ratio", "Calmar ratio", "num"),
    ("omega_ratio", "Omega ratio", "num"),
    ("max_drawdown", "Max drawdown", "pct"),
    ("max_drawdown_duration", "Max drawdown length (periods)", "int"),
    ("ulcer_index", "Ulcer index", "pct"),
    ("stability", "Stability (R² of log growth)", "num"),
    ("probabilistic_sharpe_ratio", "Probabilistic Sharpe ratio", "pct"),
    ("skew", "Skew", "num"),
    ("kurtosis", "Excess kurtosis", "num"),
    ("tail_ratio", "Tail ratio", "num"),
    ("value_at_risk", "Daily VaR 95% (historical)", "pct"),
    ("conditional_value_at_risk", "Daily CVaR 95%", "pct"),
    ("best_day", "Best day", "pct"),
    ("worst_day", "Worst day", "pct"),
    ("win_rate", "Winning days", "pct"),
    ("best_month", "Best month", "pct"),
    ("worst_month", "Worst month", "pct"),
    ("best_year", "Best year", "pct"),
    ("worst_year", "Worst year", "pct"),
    ("monthly_win_rate", "Winning months", "pct"),
    ("alpha", "Alpha (annual)", "pct"),
    ("beta", "Beta", "num"),
    ("information_ratio", "Information ratio", "num"),
    ("tracking_error", "Tracking error", "pct"),
    ("up_capture", "Up capture", "num"),
    ("down_capture", "Down capture", "num"),
    ("correlation", "Correlation", "num"),
    ("observations", "Observations", "int"),
)
# Fields measured against the benchmark: the benchmark's own column is empty there.
_RELATIVE = frozenset(
    {"alpha", "beta", "information_ratio", "tracking_error", "up_capture", "down_capture"}
)
_RELATIVE_ALL = _RELATIVE | {"correlation"}


def header_section(inputs: ReportInputs) -> Section:
    rows: list[tuple[str, object, ValueFormat]] = []
    index = inputs.returns.index
    dated = isinstance(index, pd.DatetimeIndex) and len(index) > 0
    period = f"{index[0].date()} to {index[-1].date()}" if dated else f"{len(index)} periods"
    result = inputs.result
    if result is None:
        rows += [("Source", "return series", "text"), ("Period", period, "text")]
        rows.append(("Observations", len(inputs.returns.dropna()), "int"))
    else:
        meta = result.metadata
        params = meta.get("params") or {}
        shown = ", ".join(f"{k}={v}" for k, v in params.items()) if isinstance(params, dict) else ""
        rows += [
            ("Strategy", str(meta.get("strategy", "-")), "text"),
            ("Parameters", shown or "-", "text"),
            ("Period", period, "text"),
            ("Sessions", len(result.perf), "int"),
            ("Frequency", str(meta.get("frequency", "-")), "text"),
            ("Starting capital", meta.get("capital"), "money"),
            ("Final equity", result.ledger.get("equity"), "money"),
            ("Data source", str(meta.get("data_source") or "-"), "text"),
            ("Mode", str(meta.get("mode", "backtest")), "text"),
            ("Run id", str(meta.get("run_id", "-")), "text"),
        ]
        versions = meta.get("versions")
        if isinstance(versions, dict):
            rows.append(("Versions", ", ".join(f"{k} {v}" for k, v in versions.items()), "text"))
    rows.append(("Benchmark", inputs.benchmark_name if inputs.has_benchmark else "none", "text"))
    frame = pd.DataFrame({"value": [value for _, value, _ in rows]}, index=[n for n, _, _ in rows])
    frame.index.name = "item"
    formats = {name: kind for name, _, kind in rows}
    return Section("header", "Run", (Table("run", "Run", frame, formats, by_row=True),))


def metrics_section(inputs: ReportInputs) -> Section:
    strategy = inputs.metrics.to_dict()
    bench = inputs.benchmark_metrics.to_dict() if inputs.benchmark_metrics is not None else None
    labels, values, bench_values = [], [], []
    formats: dict[str, ValueFormat] = {}
    for name, label, kind in METRIC_ROWS:
        if name in _RELATIVE_ALL and not inputs.has_benchmark:
            continue
        labels.append(label)
        formats[label] = kind
        values.append(strategy[name])
        if bench is not None:
            bench_values.append(None if name in _RELATIVE_ALL else bench[name])
    data: dict[str, list[object]] = {"Strategy": values}
    if bench is not None:
        data[inputs.benchmark_name] = bench_values
    frame = pd.DataFrame(data, index=pd.Index(labels, name="metric"), dtype=object)
    m = inputs.metrics
    conventions = Note(
        f"Conventions (formulas in docs/metrics.md): {m.periods_per_year:g} periods a year, "
        f"risk-free rate {m.risk_free:.2%} a year, simple returns, NaNs dropped; VaR and CVaR "
        "are historical at 95% and negative means a loss. Alpha, beta and the capture ratios "
        "are measured on the dates strategy and benchmark share."
    )
    table = Table("metrics", "Key metrics", frame, formats, by_row=True)
    return Section("metrics", "Key metrics", (table, conventions))


def equity_section(inputs: ReportInputs) -> Section:
    from rustybt.analytics.metrics import cumulative_returns

    lines = {"Strategy": cumulative_returns(inputs.returns)}
    bench = benchmark_in_window(inputs)
    if bench is not None:
        lines[inputs.benchmark_name] = cumulative_returns(bench)
    if inputs.log_scale:
        shown = {k: thin(1.0 + v) for k, v in lines.items()}
        chart = Chart(
            "equity", "Growth of 1 (log scale)", "lines", shown, y_format="num", log_y=True
        )
    else:
        shown = {k: thin(v) for k, v in lines.items()}
        chart = Chart("equity", "Cumulative return", "lines", shown)
    final = {k: float(v.iloc[-1]) for k, v in lines.items() if len(v)}
    frame = pd.DataFrame({"cumulative return": final}).rename_axis("line")
    return Section(
        "equity",
        "Equity curve",
        (chart, Table("final", "Final", frame, {"cumulative return": "pct"})),
    )


def drawdown_section(inputs: ReportInputs) -> Section:
    from rustybt.analytics.metrics import drawdown_series, worst_drawdowns

    curve = drawdown_series(inputs.returns)
    chart = Chart(
        "underwater",
        "Underwater (drawdown from the running peak)",
        "underwater",
        {"Strategy": thin(curve)},
    )
    table = worst_drawdowns(inputs.returns, 5).rename(
        columns={
            "drawdown": "depth",
            "peak": "start",
            "valley": "trough",
            "duration": "length (periods)",
        }
    )
    formats: dict[str, ValueFormat] = {
        "depth": "pct",
        "start": "date",
        "trough": "date",
        "recovery": "date",
        "length (periods)": "int",
    }
    items: list[Item] = [chart, Table("worst_drawdowns", "Top 5 drawdowns", table, formats)]
    if table.empty:
        items.append(Note("The strategy never fell below a previous peak."))
    else:
        items.append(Note("Recovery is empty for a drawdown not yet recovered at the end."))
    return Section("drawdown", "Drawdowns", tuple(items))


def calendar_section(inputs: ReportInputs) -> Section:
    from rustybt.analytics.metrics import monthly_returns_table, period_returns

    if not isinstance(inputs.returns.index, pd.DatetimeIndex):
        raise Omitted("calendar returns need dated returns (a DatetimeIndex)")
    grid = monthly_returns_table(inputs.returns)
    months = grid.drop(columns=["Year"], errors="ignore")
    heatmap = Chart(
        "monthly_heatmap",
        "Monthly returns",
        "heatmap",
        frame=months,
        height=0.45 * len(months) + 1.0,
    )
    yearly = {"Strategy": period_returns(inputs.returns, "year")}
    bench = benchmark_in_window(inputs)
    if bench is not None:
        yearly[inputs.benchmark_name] = period_returns(bench, "year")
    for name, series in yearly.items():
        yearly[name] = series.set_axis([str(p.year) for p in series.index])
    bars = Chart("yearly", "Yearly returns", "bars", yearly, x_format="text")
    table = Table(
        "monthly_returns", "Monthly returns", grid, dict.fromkeys(map(str, grid.columns), "pct")
    )
    return Section("calendar", "Monthly and yearly returns", (heatmap, bars, table))


def distribution_section(inputs: ReportInputs) -> Section:
    m = inputs.metrics
    values = inputs.returns.dropna()
    markers = {"VaR 95%": m.value_at_risk, "CVaR 95%": m.conditional_value_at_risk}
    chart = Chart(
        "distribution",
        "Distribution of period returns",
        "histogram",
        values=values,
        markers=markers,
        x_format="pct",
        y_format="int",
    )
    frame = pd.DataFrame(
        {"value": [m.value_at_risk, m.conditional_value_at_risk, m.skew, m.kurtosis]},
        index=pd.Index(["VaR 95%", "CVaR 95%", "Skew", "Excess kurtosis"], name="statistic"),
    )
    formats: dict[str, ValueFormat] = {"VaR 95%": "pct", "CVaR 95%": "pct"}
    return Section(
        "distribution",
        "Return distribution",
        (chart, Table("tail", "Tail", frame, formats, by_row=True)),
    )


def rolling_window(n: int, periods_per_year: float) -> int:
    """Six months of periods, shortened on short histories so a panel is never empty.

    At least three windows fit in the history; below 5 periods a window means nothing.
    """
    return int(max(5, min(round(periods_per_year / 2), n // 3)))


def rolling_section(inputs: ReportInputs) -> Section:
    from rustybt.analytics.metrics import rolling_beta, rolling_sharpe, rolling_volatility

    n = len(inputs.returns.dropna())
    if n < 15:
        raise Omitted(f"rolling statistics need at least 15 periods; this history has {n}")
    window = rolling_window(n, inputs.periods_per_year)
    risk_free = inputs.risk_free
    # A window of constant returns (no position held) has no Sharpe ratio: the
    # function gives +-inf there, which is left out of the chart and the table.
    sharpe = rolling_sharpe(inputs.returns, window, risk_free=risk_free).replace(
        [np.inf, -np.inf], np.nan
    )
    vol = rolling_volatility(inputs.returns, window)
    items: list[Item] = [
        Chart(
            "rolling_sharpe",
            f"Rolling Sharpe ratio ({window} periods)",
            "lines",
            {"Strategy": thin(sharpe)},
            y_format="num",
            markers={"0": 0.0},
        ),
        Chart(
            "rolling_volatility",
            f"Rolling annual volatility ({window} periods)",
            "lines",
            {"Strategy": thin(vol)},
        ),
    ]
    last = {"Sharpe ratio": sharpe.dropna(), "Annual volatility": vol.dropna()}
    if inputs.has_benchmark and inputs.benchmark is not None:
        beta = rolling_beta(inputs.returns, inputs.benchmark, window)
        if beta.notna().any():
            items.append(
                Chart(
                    "rolling_beta",
                    f"Rolling beta to {inputs.benchmark_name} ({window} periods)",
                    "lines",
                    {"Strategy": thin(beta)},
                    y_format="num",
                    markers={"1": 1.0},
                )
            )
            last["Beta"] = beta.dropna()
    frame = pd.DataFrame(
        {
            "last": [float(s.iloc[-1]) if len(s) else np.nan for s in last.values()],
            "min": [float(s.min()) if len(s) else np.nan for s in last.values()],
            "max": [float(s.max()) if len(s) else np.nan for s in last.values()],
        },
        index=pd.Index(list(last), name="statistic"),
    )
    formats: dict[str, ValueFormat] = {"Annual volatility": "pct"}
    items.append(
        Table(
            "rolling", f"Rolling statistics ({window}-period window)", frame, formats, by_row=True
        )
    )
    return Section("rolling", "Rolling statistics", tuple(items))
