"""msm-eval: agentic misalignment evaluations and Model Spec Midtraining experiments."""

from msm_eval._offline import ensure_tiktoken_offline

ensure_tiktoken_offline()

__all__ = ["ensure_tiktoken_offline"]
