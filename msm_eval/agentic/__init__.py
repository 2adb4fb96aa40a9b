"""The agentic misalignment task."""

from msm_eval.agentic._task import DEFAULT_DEVELOPER, DEFAULT_MODEL_NAME, agentic

__all__ = ["DEFAULT_DEVELOPER", "DEFAULT_MODEL_NAME", "agentic"]
