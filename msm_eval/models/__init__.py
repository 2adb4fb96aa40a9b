"""Local models: the embedded default model (SmolLM2-135M-Instruct) and its tool chat template."""

from msm_eval.models._template import TOOL_CALL_CLOSE, TOOL_CALL_OPEN, chat_template

__all__ = ["TOOL_CALL_CLOSE", "TOOL_CALL_OPEN", "chat_template"]
