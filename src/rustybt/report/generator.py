"""`ReportGenerator`: one call from a result (or returns) to HTML, PDF and JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from rustybt.errors import ConfigError
from rustybt.report.inputs import RISK_N_PATHS, RISK_SEED, ReportInputs, as_returns
from rustybt.report.model import Chart, CustomFigure, Html, Item, Note, Section, Table
from rustybt.report.sections import BUILDERS, SECTION_KEYS, Omitted

if TYPE_CHECKING:
    from rustybt.engine.result import BacktestResult
    from rustybt.report.rendering import ChartRenderer

__all__ = ["FORMATS", "ReportGenerator"]

FORMATS = ("html", "pdf", "json")
CustomContent = (
    object  # a matplotlib/plotly figure, a DataFrame/Series, an HTML string, or model items
)


def _custom_items(key: str, title: str, content: object) -> tuple[Item, ...]:
    from rustybt.report.rendering import is_matplotlib_figure, is_plotly_figure

    if isinstance(content, Table | Chart | Note | Html | CustomFigure):
        return (content,)
    if isinstance(content, pd.Series):
        content = content.to_frame()
    if isinstance(content, pd.DataFrame):
        return (Table(key, title, content),)
    if isinstance(content, str):
        return (Html(key, content),)
    if is_matplotlib_figure(content) or is_plotly_figure(content):
        return (CustomFigure(key, title, content),)
    if isinstance(content, list | tuple):
        items: list[Item] = []
        for i, part in enumerate(content):
            items.extend(_custom_items(f"{key}_{i}", title, part))
        return tuple(items)
    raise ConfigError(
        "add_section takes a matplotlib or plotly figure, a DataFrame or Series, an HTML string, "
        "or a list of these",
        context={"type": type(content).__name__},
    )


class ReportGenerator:
    """A professional report of a backtest, a paper-trading run or a plain return series.

    Args:
        result: a `BacktestResult` (from `run_backtest`, `BacktestResult.load` or
            the live runner), or a Series of simple returns (then the sections that
            need positions or trades are left out, and the report says so).
        benchmark: benchmark returns; defaults to the result's own.
        sections: which built-in sections, in report order (default: all the data allows).
        title: the report's title (default: the strategy's name).
        risk_free: annual risk-free rate for every metric.
        log_scale: draw the equity curve as growth of 1 on a log scale.
        interactive: plotly charts in the HTML (plotly.js embedded once).
        universe: the Brinson benchmark universe: ``"data"`` (every asset the
            backtest could trade) or ``"traded"`` (hindsight; labelled as such).
        sector_benchmark: your own Brinson benchmark weights (symbol -> weight
            Series, or a sessions x symbols DataFrame) instead of equal weights.
        benchmark_name: the benchmark's label.
        paper: PDF paper size, ``"a4"`` or ``"letter"``.
        factors: factor returns per period (e.g. `load_fama_french_factors`) for
            a factor regression in the attribution section.
    """

    def __init__(
        self,
        result: BacktestResult | pd.Series | pd.DataFrame,
        benchmark: pd.Series | None = None,
        *,
        sections: Sequence[str] | None = None,
        title: str | None = None,
        risk_free: float = 0.0,
        log_scale: bool = False,
        interactive: bool = False,
        universe: Literal["data", "traded"] = "data",
        sector_benchmark: pd.Series | pd.DataFrame | None = None,
        benchmark_name: str | None = None,
        paper: Literal["a4", "letter"] = "a4",
        factors: pd.DataFrame | None = None,
    ) -> None:
        from rustybt.engine.result import BacktestResult

        chosen = tuple(SECTION_KEYS if sections is None else sections)
        unknown = [s for s in chosen if s not in BUILDERS]
        if unknown:
            raise ConfigError(
                f"unknown report section(s): {', '.join(map(str, unknown))}",
                context={"sections": list(chosen)},
                hint=f"choose from {', '.join(SECTION_KEYS)}",
            )
        if universe not in ("data", "traded"):
            raise ConfigError(f"universe must be 'data' or 'traded', not {universe!r}")
        self.sections = chosen
        self.interactive = interactive
        self.paper = paper
        if isinstance(result, BacktestResult):
            returns = as_returns(result.returns, "returns")
            bench_source = benchmark if benchmark is not None else result.benchmark_returns
            default_title = str(result.metadata.get("strategy") or "Backtest")
            stored = result.metadata.get("benchmark")
            default_name = str(stored) if isinstance(stored, str) and stored else "Benchmark"
            owner: BacktestResult | None = result
        else:
            returns = as_returns(result, "returns")
            bench_source = benchmark
            default_title = str(getattr(result, "name", None) or "Strategy")
            default_name = "Benchmark"
            owner = None
        bench = None
        if bench_source is not None and not bench_source.dropna().empty:
            bench = as_returns(bench_source, "benchmark")
        self.title = title or f"{default_title} report"
        self.inputs = ReportInputs(
            returns=returns,
            benchmark=bench,
            result=owner,
            benchmark_name=benchmark_name
            or (
                getattr(bench, "name", None)
                if bench is not None and bench.name not in (None, "benchmark_returns")
                else None
            )
            or default_name,
            risk_free=risk_free,
            log_scale=log_scale,
            universe=universe,
            sector_benchmark=sector_benchmark,
            factors=factors,
        )
        self._custom: list[Section] = []
        self._built: tuple[list[Section], list[tuple[str, str]]] | None = None
        self._renderer: ChartRenderer | None = None

    # -- content ----------------------------------------------------------------------
    def add_section(
        self, title: str, content: CustomContent, *, key: str | None = None
    ) -> ReportGenerator:
        """Append your own section (after the built-in ones); returns self for chaining."""
        slug = key or "custom_" + (
            re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or str(len(self._custom))
        )
        taken = {s.key for s in self._custom} | set(SECTION_KEYS)
        if slug in taken:
            raise ConfigError(f"a section with key {slug!r} exists already", hint="pass key=...")
        self._custom.append(Section(slug, title, _custom_items(slug, title, content)))
        self._built = None
        return self

    def build(self) -> tuple[list[Section], list[tuple[str, str]]]:
        """The sections the data allows (cached) and (key, reason) for each left out."""
        if self._built is None:
            sections: list[Section] = []
            omitted: list[tuple[str, str]] = []
            for key in self.sections:
                try:
                    sections.append(BUILDERS[key](self.inputs))
                except Omitted as why:
                    omitted.append((key, why.message))
            self._built = (sections + self._custom, omitted)
        return self._built

    @property
    def subtitle(self) -> str:
        index = self.inputs.returns.index
        if isinstance(index, pd.DatetimeIndex) and len(index):
            period = f"{index[0].date()} to {index[-1].date()}"
        else:
            period = f"{len(index)} periods"
        source = "backtest" if self.inputs.result is not None else "return series"
        if self.inputs.result is not None:
            source = str(self.inputs.result.metadata.get("mode") or "backtest")
        bench = f" vs {self.inputs.benchmark_name}" if self.inputs.has_benchmark else ""
        return f"{source.capitalize()} {period}{bench}"

    def options(self) -> dict[str, object]:
        return {
            "sections": list(self.sections),
            "risk_free": self.inputs.risk_free,
            "log_scale": self.inputs.log_scale,
            "universe": self.inputs.universe,
            "risk_n_paths": RISK_N_PATHS,
            "risk_seed": RISK_SEED,
            "benchmark": self.inputs.benchmark_name if self.inputs.has_benchmark else None,
        }

    # -- writers ----------------------------------------------------------------------
    def _charts(self) -> ChartRenderer:
        from rustybt.report.rendering import ChartRenderer

        if self._renderer is None:
            self._renderer = ChartRenderer(interactive=self.interactive)
        return self._renderer

    def to_html_string(self) -> str:
        from rustybt.report.html import render_html

        sections, omitted = self.build()
        return render_html(
            sections, omitted, title=self.title, subtitle=self.subtitle, charts=self._charts()
        )

    def to_html(self, path: str | Path) -> Path:
        """Write the self-contained HTML report; returns its path."""
        target = _target(path)
        target.write_text(self.to_html_string(), encoding="utf-8")
        return target

    def to_pdf(self, path: str | Path) -> Path:
        """Write the PDF report (vector charts, page numbers); returns its path."""
        from rustybt.report.pdf import write_pdf

        sections, _ = self.build()
        return write_pdf(sections, _target(path), title=self.title, paper=self.paper)

    def to_tearsheet(self, path: str | Path) -> Path:
        """Write the one-page SVG tearsheet (the report's main charts); returns its path."""
        from rustybt.report.tearsheet import tearsheet_svg

        target = _target(path)
        target.write_text(tearsheet_svg(self), encoding="utf-8")
        return target

    def to_dict(self) -> dict[str, object]:
        """Every number of the report as JSON-ready Python (see `rustybt.report.jsonout`)."""
        from rustybt.report.jsonout import report_dict

        sections, omitted = self.build()
        return report_dict(sections, omitted, title=self.title, options=self.options())

    def to_json(self, path: str | Path) -> Path:
        """Write the JSON report; returns its path."""
        target = _target(path)
        target.write_text(json.dumps(self.to_dict(), indent=1, allow_nan=False), encoding="utf-8")
        return target

    def write(self, path: str | Path) -> Path:
        """Write one format, chosen by the suffix (.html, .pdf or .json)."""
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix == "htm":
            suffix = "html"
        writers = {"html": self.to_html, "pdf": self.to_pdf, "json": self.to_json}
        if suffix not in writers:
            raise ConfigError(
                f"cannot tell the report format from {str(path)!r}",
                context={"path": str(path)},
                hint="end the file name in .html, .pdf or .json",
            )
        return writers[suffix](path)

    def write_all(
        self, directory: str | Path, formats: Iterable[str] = ("html",), *, stem: str = "report"
    ) -> list[Path]:
        """Write ``stem.FORMAT`` into ``directory`` for each format; returns the paths."""
        chosen = [f.strip().lower() for f in formats if f.strip()]
        bad = [f for f in chosen if f not in FORMATS]
        if bad or not chosen:
            raise ConfigError(
                f"unknown report format(s): {', '.join(bad) or '(none)'}",
                hint=f"choose from {', '.join(FORMATS)}, e.g. --format html,pdf",
            )
        return [self.write(Path(directory) / f"{stem}.{f}") for f in chosen]


def _target(path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target
