"""The values eval: value-aligned preferences on held-out two-option questions."""

from msm_eval.values._questions import Question, available_values, load_questions
from msm_eval.values._task import values

__all__ = ["Question", "available_values", "load_questions", "values"]
