"""Scorers: action detectors, the LLM judge (model role "grader"), eval awareness, and metrics."""

from scorers._metrics import (
    Rate,
    clustered_rate,
    cohen_kappa,
    harmful_rate_by,
    misalignment_metrics,
    misalignment_rates,
    newcombe_difference,
    two_proportion_z_test,
    wilson_interval,
)
from scorers._misalignment import misalignment_scorer, render_rubric

__all__ = [
    "Rate",
    "clustered_rate",
    "cohen_kappa",
    "harmful_rate_by",
    "misalignment_metrics",
    "misalignment_rates",
    "misalignment_scorer",
    "newcombe_difference",
    "render_rubric",
    "two_proportion_z_test",
    "wilson_interval",
]
