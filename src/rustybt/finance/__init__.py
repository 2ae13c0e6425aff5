"""zipline's ``zipline.finance`` import paths over the engine's own models.

``from rustybt.finance import commission, slippage`` then
``commission.PerShare(cost=0.001)``, as in zipline. The classes are the
engine's execution models (`rustybt.engine.execution`) with zipline's names,
parameters and defaults.
"""

from rustybt.finance import cancel_policy, commission, execution, slippage

__all__ = ["cancel_policy", "commission", "execution", "slippage"]
