"""Sections on risk, attribution and the data's quality."""

from __future__ import annotations

import pandas as pd

from rustybt.report.inputs import ReportInputs
from rustybt.report.model import Item, Note, Section, Table, ValueFormat
from rustybt.report.sections.common import Omitted, require_result

__all__ = ["attribution_section", "data_issues_section", "risk_section", "stress_windows"]

_VAR_FORMATS: dict[str, ValueFormat] = {
    "method": "text",
    "level": "pct",
    "horizon": "int",
    "var": "pct",
    "cvar": "pct",
    "n": "int",
    "var_currency": "money",
    "cvar_currency": "money",
}
_SCENARIO_COLUMNS = {
    "pnl": "P&L",
    "return": "return",
    "positions_shocked": "positions shocked",
    "worst_position": "worst position",
    "worst_pnl": "worst position P&L",
}
_SCENARIO_FORMATS: dict[str, ValueFormat] = {
    "P&L": "money",
    "return": "pct",
    "positions shocked": "int",
    "worst position": "text",
    "worst position P&L": "money",
}
_DECOMPOSITION_COLUMNS = {
    "value": "value",
    "weight": "weight",
    "volatility_share": "share of volatility",
    "var_share": "share of VaR",
    "component_var_currency": "VaR contribution",
}
_DECOMPOSITION_FORMATS: dict[str, ValueFormat] = {
    "value": "money",
    "weight": "pct",
    "share of volatility": "pct",
    "share of VaR": "pct",
    "VaR contribution": "money",
}


def stress_windows(returns: pd.Series) -> pd.DataFrame:
    """The historical crisis windows the returns cover: compounded return, worst drawdown."""
    from rustybt.analytics.risk import HISTORICAL_SCENARIOS, window_move

    rows = {}
    index = returns.index
    if not isinstance(index, pd.DatetimeIndex) or not len(index):
        return pd.DataFrame(columns=["start", "end", "sessions", "return", "max drawdown"])
    first, last = index[0].tz_localize(None).normalize(), index[-1].tz_localize(None).normalize()
    for scenario in HISTORICAL_SCENARIOS:
        start, end = pd.Timestamp(scenario.start), pd.Timestamp(scenario.end)
        if start < first or end > last:
            continue
        move, drawdown, sessions = window_move(returns, scenario)
        rows[scenario.name] = {
            "start": start,
            "end": end,
            "sessions": sessions,
            "return": move,
            "max drawdown": drawdown,
        }
    frame = pd.DataFrame.from_dict(
        rows, orient="index", columns=["start", "end", "sessions", "return", "max drawdown"]
    )
    frame.index.name = "window"
    return frame


def risk_section(inputs: ReportInputs) -> Section:
    risk = inputs.risk
    items: list[Item] = [
        Table(
            "var",
            "VaR and CVaR by method (negative = loss)",
            risk.var.set_index("method"),
            _VAR_FORMATS,
        ),
    ]
    if risk.var_backtest is not None:
        items.append(Note(f"VaR backtest: {risk.var_backtest.verdict}"))
    tail = risk.tail.to_series()
    worst = tail[[name for name in tail.index if str(name).startswith("worst_")]]
    worst_frame = pd.DataFrame(
        {"worst loss": worst.to_numpy()},
        index=pd.Index(
            [f"{str(k).removeprefix('worst_')} period(s)" for k in worst.index], name="window"
        ),
    )
    items.append(
        Table(
            "worst_losses",
            "Worst compounded losses over N periods",
            worst_frame,
            {"worst loss": "pct"},
        )
    )
    stress = stress_windows(inputs.returns)
    if stress.empty:
        items.append(
            Note(
                "Stress windows: the run covers none of the historical crisis windows (1987 to 2022), so none is shown."
            )
        )
    else:
        formats: dict[str, ValueFormat] = {
            "start": "date",
            "end": "date",
            "sessions": "int",
            "return": "pct",
            "max drawdown": "pct",
        }
        items.append(
            Table("stress_windows", "Historical stress windows inside the run", stress, formats)
        )
    if risk.hypothetical is not None:
        items.append(
            Table(
                "hypothetical_scenarios",
                "Hypothetical shocks to the last positions (negative = loss)",
                risk.hypothetical.table.rename(columns=_SCENARIO_COLUMNS),
                _SCENARIO_FORMATS,
            )
        )
        items.append(
            Note(
                "Each scenario moves the positions held at the end: every holding by the same "
                "return; the market through each holding's beta to the benchmark; one sector "
                "at a time; or every holding by 3 times its own daily volatility. Return is "
                "the P&L over the final equity."
            )
        )
    if risk.decomposition is not None:
        table = risk.decomposition.table.head(10)[list(_DECOMPOSITION_COLUMNS)].rename(
            columns=_DECOMPOSITION_COLUMNS
        )
        items.append(
            Table(
                "risk_decomposition",
                f"Risk decomposition of the last positions (VaR {risk.decomposition.level:.0%})",
                table,
                _DECOMPOSITION_FORMATS,
            )
        )
    items.extend(Note(note) for note in risk.notes)
    return Section("risk", "Risk", tuple(items))


def attribution_section(inputs: ReportInputs) -> Section:
    from rustybt.analytics.attribution import (
        brinson_from_result,
        capm_regression,
        factor_regression,
    )

    items: list[Item] = []
    reasons = []
    if inputs.has_benchmark and inputs.benchmark is not None:
        capm = capm_regression(inputs.returns, inputs.benchmark, risk_free=inputs.risk_free)
        frame = capm.to_frame()
        items.append(
            Table(
                "capm",
                f"CAPM regression on {inputs.benchmark_name} (Newey-West errors)",
                frame,
                {"p_value": "num"},
            )
        )
        items.append(Note(capm.summary()))
    elif inputs.factors is None:
        reasons.append("no benchmark or factors, so no factor regression")
    if inputs.factors is not None:
        model = factor_regression(inputs.returns, inputs.factors)
        names = ", ".join(model.factors)
        items.append(
            Table(
                "factor_model",
                f"Factor regression on {names} (Newey-West errors)",
                model.to_frame(),
                {"p_value": "num"},
            )
        )
        items.append(Note(model.summary()))
    result = inputs.result
    if result is None:
        reasons.append("plain returns carry no holdings, so no sector attribution")
    elif result.bars is None or result.positions.empty:
        reasons.append("no positions were held, so no sector attribution")
    else:
        weights = inputs.sector_benchmark if inputs.sector_benchmark is not None else "equal"
        brinson = brinson_from_result(result, benchmark_weights=weights, universe=inputs.universe)
        linked = brinson.linked()
        items.append(
            Table(
                "brinson",
                "Sector attribution (Brinson-Fachler, Carino-linked)",
                linked,
                dict.fromkeys(map(str, linked.columns), "pct"),
            )
        )
        items.append(Note(f"Sector benchmark: {brinson.benchmark_universe}. {brinson.summary()}"))
        if brinson.unexplained is not None:
            gap = float(brinson.unexplained.abs().sum())
            items.append(
                Note(
                    "Brinson works from the holdings at each session's close: trading inside "
                    f"sessions and costs are outside it (sum of absolute daily gaps to the "
                    f"strategy's actual returns: {gap:.2%})."
                )
            )
    if not items:
        raise Omitted("; ".join(reasons))
    items.extend(Note(f"Not shown: {reason}.") for reason in reasons)
    return Section("attribution", "Attribution", tuple(items))


def data_issues_section(inputs: ReportInputs) -> Section:
    require_result(inputs, "data checks")
    assert inputs.result is not None
    issues = inputs.result.metadata.get("data_issues")
    if not isinstance(issues, dict) or not issues.get("checked"):
        return Section(
            "data_issues", "Data issues", (Note("The bars were not validated before this run."),)
        )
    rules = issues.get("rules") or {}
    frame = pd.DataFrame(
        {
            "severity": [str(v.get("severity", "")) for v in rules.values()],
            "bars": [int(v.get("count", 0)) for v in rules.values()],
        },
        index=pd.Index([str(k) for k in rules], name="rule"),
    )
    checked, masked = issues.get("bars_checked", 0), issues.get("bars_masked", 0)
    items: list[Item] = [Note(f"{checked:,} bars checked; {masked:,} masked (treated as missing).")]
    if frame.empty:
        items.append(Note("No validation rule fired."))
    else:
        items.append(
            Table(
                "data_rules",
                "Validation rules that fired",
                frame,
                {"severity": "text", "bars": "int"},
            )
        )
    listed = issues.get("masked") or []
    if listed:
        shown = pd.DataFrame(listed[:20])
        items.append(
            Table(
                "masked_bars",
                f"Masked bars (first {len(shown)})",
                shown,
                dict.fromkeys(map(str, shown.columns), "text"),
            )
        )
    return Section("data_issues", "Data issues", tuple(items))
