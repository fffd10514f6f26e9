"""The reference network: one step table, evaluated with any backend (exact, float or ball)."""

from nncheck.network.core import evaluate, loss
from nncheck.network.steps import Step, step_table

__all__ = ["Step", "evaluate", "loss", "step_table"]
