"""MSM data generation: midtraining documents and AFT chats from a model spec, with any Inspect model.

Command line: `msm data docs` and `msm data aft` (see training/data/README.md). From Python:

    from training.data import DocsConfig, load_spec, run_docs
    from inspect_ai.model import get_model
    run_docs(spec=load_spec("cheese_america"), model=get_model("openai/gpt-4.1"),
             out=Path("runs/cheese_docs"), config=DocsConfig(ideas_per_type=5))

Names are loaded on first use: the pipelines import Inspect (seconds), which `msm --help` should
not pay for.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AftConfig": "training.data.config",
    "DocsConfig": "training.data.config",
    "load_config": "training.data.config",
    "QUESTION_TYPES": "training.data.config",
    "Spec": "training.data.spec",
    "load_spec": "training.data.spec",
    "shipped_specs": "training.data.spec",
    "run_docs": "training.data.docs",
    "DocsRun": "training.data.docs",
    "run_aft": "training.data.aft",
    "AftRun": "training.data.aft",
    "deduplicate": "training.data.dedup",
    "DedupResult": "training.data.dedup",
    "ScriptedAnswers": "training.data.scripted",
    "scripted_model": "training.data.scripted",
    "GenerationError": "training.data._generate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'training.data' has no attribute '{name}'")
