"""Local models: the embedded default model (SmolLM2-135M-Instruct) and its tool chat template."""

from msm_eval.models._cli import add_commands
from msm_eval.models._pull import (
    DEFAULT_MODEL_NAME,
    MODELS,
    ModelSource,
    default_model_dir,
    ensure_default_model,
    is_pulled,
    models_dir,
    pull_model,
)
from msm_eval.models._template import TOOL_CALL_CLOSE, TOOL_CALL_OPEN, chat_template

__all__ = [
    "DEFAULT_MODEL_NAME",
    "MODELS",
    "ModelSource",
    "TOOL_CALL_CLOSE",
    "TOOL_CALL_OPEN",
    "add_commands",
    "chat_template",
    "default_model_dir",
    "ensure_default_model",
    "is_pulled",
    "models_dir",
    "pull_model",
]
