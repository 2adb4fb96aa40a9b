"""Inspect entry point: registers the tasks and the `hflocal/` model provider, so that
`inspect eval msm_eval/<task> --model hflocal/<folder>` works from any folder."""

from typing import Any

from inspect_ai.model import modelapi

from msm_eval.agentic import agentic
from msm_eval.values import values


@modelapi(name="hflocal")
def hflocal() -> type[Any]:
    """Inspect's hf provider made fast for small local models on CPU (msm_eval/models/_local.py);
    imported on first use so that loading the tasks does not import torch."""
    from msm_eval.models._local import LocalHFAPI

    return LocalHFAPI


__all__ = ["agentic", "hflocal", "values"]
