"""Inspect entry point: registers the tasks so `inspect eval msm_eval/<task>` works from any folder."""

from msm_eval.agentic import agentic
from msm_eval.values import values

__all__ = ["agentic", "values"]
