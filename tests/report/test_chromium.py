"""Render the HTML report in headless Chromium: no JavaScript error, no empty chart.

Skipped (with the reason) where Chromium is not installed, e.g. on a CI machine
without the Debian ``chromium`` package.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from rustybt import BacktestResult
from rustybt.report import ReportGenerator

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)

# Injected first: records every error the page raises.
WATCH = """<script>window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));
</script>"""
# Injected last: measures every chart once the page has loaded, writes the verdict.
CHECK = """<script>window.addEventListener('load', () => { setTimeout(() => {
  const charts = [...document.querySelectorAll('[data-chart]')].map(el => {
    const box = el.getBoundingClientRect();
    const svg = el.querySelector('svg');
    const marks = el.querySelectorAll('path, rect, polyline, line').length;
    const traces = el.querySelectorAll('.trace, .hm, .point').length;
    return {key: el.dataset.chart, width: box.width, height: box.height, svg: !!svg,
            marks: marks, traces: traces,
            empty: el.textContent.includes('not enough data')};
  });
  const out = document.createElement('pre');
  out.id = 'rustybt-check';
  out.textContent = JSON.stringify({errors: window.__errors, charts: charts});
  document.body.appendChild(out);
}, 500); });</script>"""


def _render(html: str, directory: Path) -> dict[str, list[dict[str, object]]]:
    page = directory / "page.html"
    page.write_text(
        html.replace("<head>", "<head>" + WATCH, 1).replace("</body>", CHECK + "</body>")
    )
    with tempfile.TemporaryDirectory() as profile:
        command = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1280,2000",
            "--virtual-time-budget=15000",
            "--dump-dom",
            page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    marker = '<pre id="rustybt-check">'
    assert marker in done.stdout, done.stderr[-2000:]
    text = done.stdout.split(marker, 1)[1].split("</pre>", 1)[0]
    return dict(json.loads(text.replace("&quot;", '"').replace("&amp;", "&")))


@pytest.mark.parametrize("interactive", [False, True], ids=["svg", "plotly"])
def test_report_renders_without_errors_or_empty_charts(
    demo_result: BacktestResult, tmp_path: Path, interactive: bool
) -> None:
    html = ReportGenerator(demo_result, interactive=interactive).to_html_string()
    verdict = _render(html, tmp_path)
    assert verdict["errors"] == []
    charts = verdict["charts"]
    assert len(charts) >= 12
    for chart in charts:
        assert chart["width"] > 200, chart  # type: ignore[operator]
        assert chart["height"] > 100, chart  # type: ignore[operator]
        assert chart["svg"], chart
        assert not chart["empty"], chart
        # plotly: at least one drawn trace; SVG: axes, ticks and data paths
        if interactive:
            assert chart["traces"] >= 1, chart  # type: ignore[operator]
        else:
            assert chart["marks"] > 3, chart  # type: ignore[operator]
