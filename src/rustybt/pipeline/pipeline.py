"""`Pipeline`: named output columns and an optional screen, as in zipline."""

from __future__ import annotations

from collections.abc import Mapping

from rustybt.pipeline.kinds import Classifier, Factor, Filter
from rustybt.pipeline.term import PipelineError, Term

__all__ = ["Pipeline"]

OutputTerm = Factor | Filter | Classifier


def _check_column(name: object, term: object) -> OutputTerm:
    if not isinstance(name, str) or not name:
        raise PipelineError(f"pipeline column names must be non-empty strings, not {name!r}")
    if isinstance(term, Factor | Filter | Classifier):
        return term
    hint = "add a Factor, Filter or Classifier"
    if isinstance(term, Term):
        hint = f"use {term.graph_repr()}.latest for the latest value of a column"
    raise PipelineError(
        f"pipeline column {name!r} must be a Factor, Filter or Classifier, "
        f"not {type(term).__name__}",
        hint=hint,
    )


class Pipeline:
    """Columns to compute per session and asset, and a screen selecting the rows.

    Args:
        columns: output name -> Factor / Filter / Classifier.
        screen: a Filter; rows where it is False are dropped from the output.
        domain: accepted for zipline compatibility and ignored (the domain is the
            data the pipeline runs on).
    """

    def __init__(
        self,
        columns: Mapping[str, OutputTerm] | None = None,
        screen: Filter | None = None,
        domain: object = None,
    ) -> None:
        self._columns: dict[str, OutputTerm] = {}
        for name, term in (columns or {}).items():
            self._columns[name] = _check_column(name, term)
        self._screen: Filter | None = None
        if screen is not None:
            self.set_screen(screen)
        self.domain = domain

    @property
    def columns(self) -> dict[str, OutputTerm]:
        """The output columns (a copy: use ``add``/``remove`` to change them)."""
        return dict(self._columns)

    @property
    def screen(self) -> Filter | None:
        return self._screen

    def add(self, term: OutputTerm, name: str, overwrite: bool = False) -> None:
        """Add a column; ``overwrite=True`` replaces an existing one of that name."""
        checked = _check_column(name, term)
        if name in self._columns and not overwrite:
            raise PipelineError(
                f"pipeline already has a column named {name!r}",
                hint="pass overwrite=True to replace it",
            )
        self._columns[name] = checked

    def remove(self, name: str) -> OutputTerm:
        """Remove a column and return its term."""
        if name not in self._columns:
            raise PipelineError(
                f"pipeline has no column named {name!r}",
                context={"columns": sorted(self._columns)},
            )
        return self._columns.pop(name)

    def set_screen(self, screen: Filter, overwrite: bool = False) -> None:
        """Set the screen; replacing an existing one needs ``overwrite=True``."""
        if not isinstance(screen, Filter):
            raise PipelineError(
                f"a pipeline screen must be a Filter, not {type(screen).__name__}",
                hint="e.g. AverageDollarVolume(window_length=20).top(100)",
            )
        if self._screen is not None and not overwrite:
            raise PipelineError(
                "pipeline already has a screen", hint="pass overwrite=True to replace it"
            )
        self._screen = screen

    def __repr__(self) -> str:
        return f"Pipeline(columns={sorted(self._columns)}, screen={self._screen!r})"
