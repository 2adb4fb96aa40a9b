"""The tool-aware ChatML chat template shared by the default model, test models and training."""

from __future__ import annotations

from functools import cache
from importlib import resources

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"


@cache
def chat_template() -> str:
    """Return the Jinja chat template (ChatML, tools, `{% generation %}` markers).

    Tool calls render as ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``: Inspect's hf
    provider parses that format for any model whose name has none of "llama", "mistral", "qwen".
    """
    return resources.files("msm_eval.models").joinpath("chat_template.jinja").read_text("utf-8")
