"""Element-wise terms: arithmetic between factors, comparisons, NaN tests and
boolean algebra on filters. Each is one vectorised numpy expression over the block.

Filters are ANDed with their mask (by default: the assets alive that session), as
zipline's expression filters are, so a screen never keeps an asset that is not
trading.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rustybt.data.bars import FloatArray
from rustybt.pipeline.kinds import Classifier, Factor, Filter
from rustybt.pipeline.term import Array, BoolArray, PipelineError, Term, Workspace

__all__ = [
    "BinaryFactor",
    "BooleanFilter",
    "ClassifierMatch",
    "Comparison",
    "FillNa",
    "IfElse",
    "NullTest",
    "UnaryFactor",
]

_ARITHMETIC: dict[str, Callable[[FloatArray, FloatArray], FloatArray]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "**": np.power,
    "%": np.mod,
}
_UNARY: dict[str, Callable[[FloatArray], FloatArray]] = {
    "neg": np.negative,
    "abs": np.abs,
    "log": np.log,
    "log1p": np.log1p,
    "exp": np.exp,
    "sqrt": np.sqrt,
}
_COMPARE: dict[str, Callable[[FloatArray, FloatArray], BoolArray]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def _operand(ws: Workspace, value: Factor | float) -> FloatArray:
    if isinstance(value, Factor):
        found: FloatArray = ws.array(value)
        return found
    return np.asarray(value, dtype=np.float64)


def _window_safe(*operands: object) -> bool:
    return all(t.window_safe for t in operands if isinstance(t, Term))


class BinaryFactor(Factor):
    """``left <op> right`` where either side may be a number."""

    def __init__(self, op: str, left: Factor | float, right: Factor | float) -> None:
        super().__init__(inputs=[t for t in (left, right) if isinstance(t, Factor)])
        self.op, self.left, self.right = op, left, right
        self.window_safe = _window_safe(left, right)

    def compute_block(self, ws: Workspace) -> Array:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = _ARITHMETIC[self.op](_operand(ws, self.left), _operand(ws, self.right))
        return np.broadcast_to(result, (ws.rows, ws.n_assets)).astype(np.float64)

    def graph_repr(self) -> str:
        return f"({self.left!r} {self.op} {self.right!r})"


class UnaryFactor(Factor):
    def __init__(self, name: str, operand: Factor) -> None:
        super().__init__(inputs=[operand])
        self.name = name
        self.window_safe = operand.window_safe

    def compute_block(self, ws: Workspace) -> Array:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _UNARY[self.name](ws.array(self.inputs[0]))

    def graph_repr(self) -> str:
        return f"{self.name}({self.inputs[0]!r})"


class FillNa(Factor):
    def __init__(self, operand: Factor, value: float) -> None:
        super().__init__(inputs=[operand])
        self.value = value
        self.window_safe = operand.window_safe

    def compute_block(self, ws: Workspace) -> Array:
        data = ws.array(self.inputs[0])
        return np.where(np.isnan(data), self.value, data)


class Comparison(Filter):
    """``left <op> right``; a comparison with NaN is False (numpy's rule, as zipline)."""

    def __init__(self, op: str, left: Factor, right: Factor | float) -> None:
        super().__init__(inputs=[t for t in (left, right) if isinstance(t, Factor)])
        self.op, self.left, self.right = op, left, right
        self.window_safe = _window_safe(left, right)

    def compute_block(self, ws: Workspace) -> Array:
        with np.errstate(invalid="ignore"):
            result = _COMPARE[self.op](_operand(ws, self.left), _operand(ws, self.right))
        return result & ws.mask_of(self)

    def graph_repr(self) -> str:
        return f"({self.left!r} {self.op} {self.right!r})"


class NullTest(Filter):
    def __init__(self, operand: Factor, test: str) -> None:
        super().__init__(inputs=[operand])
        self.test = test
        self.window_safe = operand.window_safe

    def compute_block(self, ws: Workspace) -> Array:
        data = ws.array(self.inputs[0])
        if self.test == "isnan":
            found = np.isnan(data)
        elif self.test == "notnan":
            found = ~np.isnan(data)
        else:
            found = np.isfinite(data)
        return found & ws.mask_of(self)


class BooleanFilter(Filter):
    """``a & b``, ``a | b`` or ``~a``."""

    def __init__(self, op: str, operands: tuple[Filter, ...]) -> None:
        super().__init__(inputs=operands)
        self.op = op
        self.window_safe = _window_safe(*operands)

    def compute_block(self, ws: Workspace) -> Array:
        values = [ws.array(t).astype(bool) for t in self.inputs]
        if self.op == "&":
            found = values[0] & values[1]
        elif self.op == "|":
            found = values[0] | values[1]
        else:
            found = ~values[0]
        chosen: BoolArray = found & ws.mask_of(self)
        return chosen

    def graph_repr(self) -> str:
        if self.op == "~":
            return f"~{self.inputs[0]!r}"
        return f"({self.inputs[0]!r} {self.op} {self.inputs[1]!r})"


class ClassifierMatch(Filter):
    """Assets whose classifier label is one of ``values`` (labels or integer codes),
    or (``null=True``) whose label is missing."""

    def __init__(
        self, classifier: Classifier, values: tuple[object, ...], *, null: bool = False
    ) -> None:
        super().__init__(inputs=[classifier])
        self.classifier, self.values, self.null = classifier, values, null

    def _codes(self, ws: Workspace) -> list[int]:
        names = self.classifier.label_names(ws)
        codes: list[int] = [-1] if self.null else []
        for value in self.values:
            if isinstance(value, str) and names is not None:
                codes.extend([names.index(value)] if value in names else [])
            elif isinstance(value, int | np.integer) and not isinstance(value, bool):
                codes.append(int(value))
            else:
                raise PipelineError(
                    f"cannot compare {self.classifier.graph_repr()} with {value!r}",
                    hint="compare with one of its labels (str) or an integer code",
                    context={"labels": list(names or ())},
                )
        return codes

    def compute_block(self, ws: Workspace) -> Array:
        codes = np.asarray(self._codes(ws), dtype=np.int64)
        found: BoolArray = np.isin(ws.array(self.inputs[0]), codes) & ws.mask_of(self)
        return found


class IfElse(Factor):
    """``if_true`` where ``condition``, else ``if_false``."""

    def __init__(self, condition: Filter, if_true: Factor, if_false: Factor) -> None:
        super().__init__(inputs=[condition, if_true, if_false])
        self.window_safe = _window_safe(condition, if_true, if_false)

    def compute_block(self, ws: Workspace) -> Array:
        condition, if_true, if_false = (ws.array(t) for t in self.inputs)
        chosen: FloatArray = np.where(condition.astype(bool), if_true, if_false)
        return chosen
