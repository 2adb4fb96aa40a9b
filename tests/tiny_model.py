"""The tiny test model lives in the package (msm_eval/models/_tiny.py): `msm experiment run --tiny` uses it too."""

from msm_eval.models._tiny import SPECIAL_TOKENS, build_tiny_model

__all__ = ["SPECIAL_TOKENS", "build_tiny_model"]
