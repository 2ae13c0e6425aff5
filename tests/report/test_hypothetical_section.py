"""The hypothetical scenarios in the risk section equal `risk_report`'s, number for number."""

from __future__ import annotations

from rustybt import BacktestResult
from rustybt.analytics.risk import risk_report
from rustybt.report.inputs import RISK_N_PATHS, RISK_SEED


def test_report_shows_the_risk_reports_scenarios(
    demo_json: dict[str, object], demo_result: BacktestResult
) -> None:
    risk = risk_report(demo_result, n_paths=RISK_N_PATHS, seed=RISK_SEED, tail_fit=False)
    assert risk.hypothetical is not None
    assert "hypothetical" in risk.to_dict()
    sections = demo_json["sections"]
    shown = sections["risk"]["tables"]["hypothetical_scenarios"]  # type: ignore[index]
    expected = risk.hypothetical.table
    assert shown["index"] == list(expected.index)
    assert [row[0] for row in shown["data"]] == list(expected["pnl"])
    assert [row[1] for row in shown["data"]] == list(expected["return"])
    assert any(name.startswith("market -20%") for name in shown["index"])  # a benchmark: betas
    assert shown["index"][-1] == "every holding -3 daily sigma"
