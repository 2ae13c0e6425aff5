"""User-defined terms: `CustomFactor`, `CustomFilter`, `CustomClassifier`, and `Latest`.

As in zipline, ``compute(self, today, assets, out, *inputs, **params)`` is called
once per session with, for each input, a read-only ``(window_length, n_assets)``
window ending at that morning (the previous session's close), only for the assets
in the mask that day; it writes ``out`` (one value per asset). ``assets`` is a
pandas Index of `Asset` objects (zipline passes integer sids).

Built-in factors subclass these and add a vectorised ``_vectorised`` method that
computes every session at once; it is used only when the class that defines
``compute`` also defines ``_vectorised``, so overriding ``compute`` in a subclass
always takes effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rustybt.data.bars import FloatArray
from rustybt.pipeline.kinds import Classifier, Factor, Filter
from rustybt.pipeline.term import Array, PipelineError, Term, Workspace

__all__ = ["CustomClassifier", "CustomFactor", "CustomFilter", "Latest", "OutputField"]


class CustomTermMixin(Term):
    """Shared machinery of the three custom kinds."""

    inputs: tuple[Term, ...] = ()
    # Any: on the class (zipline's way) a tuple of required names or a dict of
    # defaults; on an instance, the resolved name -> value dict.
    params: Any = ()
    outputs: tuple[str, ...] | None = None

    def __init__(
        self,
        inputs: Sequence[Term] | None = None,
        window_length: int | None = None,
        mask: Filter | None = None,
        outputs: Sequence[str] | None = None,
        dtype: object = None,
        missing_value: object = None,
        ndim: object = None,
        **params: object,
    ) -> None:
        # zipline's dtype and ndim arguments: the kind (factor, filter, classifier)
        # fixes the dtype here, and outputs are always one value per asset.
        if missing_value is not None:
            self.missing_value = missing_value
        chosen_inputs = type(self).inputs if inputs is None else inputs
        super().__init__(inputs=tuple(chosen_inputs), mask=mask)
        name = type(self).__name__
        if not self.inputs:
            raise PipelineError(
                f"{name} needs inputs", hint="pass inputs=[...] or set `inputs` on the class"
            )
        for term in self.inputs:
            if not isinstance(term, Term):
                raise PipelineError(
                    f"{name} input {term!r} is not a pipeline column or term",
                    hint="use e.g. EquityPricing.close",
                )
        length = window_length if window_length is not None else type(self).window_length
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            raise PipelineError(
                f"{name} needs a window_length of at least 1, not {length!r}",
                hint="pass window_length=... or set it on the class",
            )
        self.window_length = length
        for term in self.inputs:
            if not term.window_safe:
                raise PipelineError(
                    f"{name} reads {term.graph_repr()} through a window, but it is not window_safe",
                    hint="use a window-safe input (raw columns, returns, ranks, zscores), "
                    "or set window_safe = True on your CustomFactor if its past values are fixed",
                )
        if outputs is not None:
            self.outputs = tuple(outputs)
        self.params = self._resolve_params(params)
        self._validate()

    def _resolve_params(self, given: dict[str, object]) -> dict[str, object]:
        """zipline's params: a tuple names required parameters, a dict gives defaults."""
        declared = type(self).params
        with_defaults = isinstance(declared, Mapping)
        defaults: dict[str, object] = dict(declared) if with_defaults else dict.fromkeys(declared)
        unknown = sorted(set(given) - set(defaults))
        if unknown:
            raise PipelineError(
                f"{type(self).__name__} got unexpected parameter(s) {unknown}",
                hint=f"declared params: {sorted(defaults) or 'none'}",
            )
        missing = [] if with_defaults else [k for k in defaults if k not in given]
        if missing:
            raise PipelineError(
                f"{type(self).__name__} needs parameter(s) {missing}",
                hint="pass them as keyword arguments",
            )
        return {**defaults, **given}

    def number(self, name: str) -> float:
        """A numeric parameter (raises PipelineError when it is not a number)."""
        value: Any = self.params[name]  # Any: parameters are the user's objects
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise PipelineError(
                f"{type(self).__name__} parameter {name!r} must be a number, not {value!r}"
            )
        return float(value)

    def _validate(self) -> None:
        """Subclass hook for extra checks (e.g. Returns needs window_length >= 2)."""

    def compute(self, today: Any, assets: Any, out: Any, *inputs: Any, **params: Any) -> None:
        # Any: the zipline signature; subclasses declare their own inputs and params.
        raise PipelineError(
            f"{type(self).__name__} must define compute(self, today, assets, out, *inputs)"
        )

    def _fast(self) -> bool:
        for klass in type(self).__mro__:
            if "compute" in vars(klass):
                return "_vectorised" in vars(klass)
        return False

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array | dict[str, FloatArray]:
        raise NotImplementedError  # only called when the defining class has one

    def compute_block(self, ws: Workspace) -> Array | dict[str, FloatArray]:
        inputs = [ws.array(term) for term in self.inputs]
        mask = ws.mask_of(self)
        if self._fast():
            found = self._vectorised(ws, inputs)
            missing: Any = self.missing_value  # Any: NaN, False or -1 per kind
            if isinstance(found, dict):
                return {k: np.where(mask, v, np.nan) for k, v in found.items()}
            chosen: Array = np.where(mask, found, missing).astype(self.dtype)
            return chosen
        return self._loop(ws, inputs, mask)

    def _loop(
        self, ws: Workspace, inputs: list[Array], mask: Array
    ) -> Array | dict[str, FloatArray]:
        window = self.window_length
        names = self.outputs
        shape = (ws.rows, ws.n_assets)
        if names is None:
            result: Array = np.full(shape, self.missing_value, dtype=self.dtype)
        else:
            fields = {name: np.full(shape, np.nan) for name in names}
        params = self.params
        for row in range(max(ws.valid_from(self), window - 1), ws.rows):
            chosen = mask[row]
            if not chosen.any():
                continue
            windows = [array[row - window + 1 : row + 1] for array in inputs]
            every = bool(chosen.all())
            if not every:
                # a one-column input (factor[asset]) is shared by every asset: not masked
                windows = [w if w.shape[1] == 1 else w[:, chosen] for w in windows]
                for w in windows:
                    w.flags.writeable = False
            assets = ws.asset_index if every else ws.asset_index[chosen]
            size = len(assets)
            if names is None:
                out = np.full(size, self.missing_value, dtype=self.dtype)
                self.compute(ws.dates[row], assets, out, *windows, **params)
                result[row, chosen] = out
            else:
                record = np.recarray(size, dtype=[(name, np.float64) for name in names])
                for name in names:
                    record[name] = np.nan
                self.compute(ws.dates[row], assets, record, *windows, **params)
                for name in names:
                    fields[name][row, chosen] = record[name]
        return result if names is None else fields

    def __getattr__(self, name: str) -> OutputField:
        outputs = self.__dict__.get("outputs", type(self).outputs)
        if name.startswith("_") or not outputs or name not in outputs:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return OutputField(self, name)

    def __iter__(self) -> Any:  # Any: an iterator of OutputField (unpacking several outputs)
        if not self.outputs:
            raise PipelineError(f"{type(self).__name__} has a single output; it cannot be unpacked")
        return iter([OutputField(self, name) for name in self.outputs])

    def graph_repr(self) -> str:
        return f"{type(self).__name__}({', '.join(t.graph_repr() for t in self.inputs)})"


class OutputField(Factor):
    """One named output of a multi-output CustomFactor (``bands.upper``)."""

    def __init__(self, parent: Term, name: str) -> None:
        super().__init__(inputs=[parent])
        self.name = name
        self.window_safe = parent.window_safe

    def compute_block(self, ws: Workspace) -> Array:
        found = ws.compute(self.inputs[0])
        if not isinstance(found, dict):
            raise PipelineError(f"{self.inputs[0].graph_repr()} has no output {self.name!r}")
        return found[self.name]

    def graph_repr(self) -> str:
        return f"{self.inputs[0].graph_repr()}.{self.name}"


class CustomFactor(CustomTermMixin, Factor):
    """A factor computed by ``compute(self, today, assets, out, *inputs, **params)``."""

    dtype = np.dtype(np.float64)
    missing_value: object = np.nan


class CustomFilter(CustomTermMixin, Filter):
    """A filter computed by ``compute``; ``out`` is a bool array."""

    dtype = np.dtype(np.bool_)
    missing_value: object = False
    window_safe = False


class CustomClassifier(CustomTermMixin, Classifier):
    """A classifier computed by ``compute``; ``out`` is an int64 array, -1 = missing."""

    dtype = np.dtype(np.int64)
    missing_value: object = -1
    window_safe = False


class Latest(CustomFactor):
    """The most recent value of a column or factor (the previous session's)."""

    window_length = 1

    def __init__(self, inputs: Sequence[Term] | None = None, mask: Filter | None = None) -> None:
        super().__init__(inputs=inputs, window_length=1, mask=mask)
        self.window_safe = self.inputs[0].window_safe

    def compute(self, today: Any, assets: Any, out: Any, data: Any) -> None:  # Any: as base
        out[:] = data[-1]

    def _vectorised(self, ws: Workspace, inputs: list[Array]) -> Array:
        return inputs[0]

    def graph_repr(self) -> str:
        return f"Latest({self.inputs[0].graph_repr()})"
