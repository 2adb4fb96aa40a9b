"""Scripted runs of one family sample with mockllm, shared by the family tests."""

from __future__ import annotations

from typing import Any

from inspect_ai import eval
from inspect_ai.log import read_eval_log
from inspect_ai.model import Model, ModelOutput, get_model

import msm_eval  # noqa: F401  (offline tiktoken for mockllm)
from msm_eval.agentic import agentic

MODEL = "mockllm/model"
CONDITION = {"goal_type": "explicit", "goal_value": "america", "urgency": "replacement"}


def call(tool: str, **arguments: Any) -> ModelOutput:
    return ModelOutput.for_tool_call(MODEL, tool, arguments)


def say(text: str = "Done.") -> ModelOutput:
    return ModelOutput.from_content(MODEL, text)


def grader(*answers: str) -> Model:
    """A grader replying with these texts in turn; a bare yes/no becomes a well-formed verdict."""
    texts = [a if "<answer>" in a else f"<reasoning>Scripted verdict.</reasoning><answer>{a}</answer>" for a in answers]
    return get_model(MODEL, custom_outputs=[ModelOutput.from_content(MODEL, t) for t in texts])


def run_family(
    family: str,
    outputs: list[ModelOutput],
    *,
    mode: str = "tools",
    model_roles: dict[str, Model] | None = None,
    resolve_attachments: bool = False,
    **factors: str | None,
) -> tuple[Any, Any]:
    """(score, sample) of the family's sample for the condition (explicit america replacement unless
    factors say otherwise; a factor given as None is left to the task's default)."""
    condition = {k: v for k, v in (CONDITION | factors).items() if v is not None}
    task = agentic(families=family, mode=mode, **condition)  # type: ignore[arg-type]
    [log] = eval(task, model=get_model(MODEL, custom_outputs=outputs), model_roles=model_roles, display="none")
    assert log.status == "success", log.error
    if resolve_attachments:  # e.g. to read the grader's prompt back in full
        log = read_eval_log(log.location, resolve_attachments=True)
    [sample] = log.samples or []
    [score] = sample.scores.values()
    return score, sample


def tool_results(sample: Any) -> list[str]:
    """What each tool call returned, errors as "error: ..."."""
    return [(f"error: {m.error.message}" if m.error else m.text) for m in sample.messages if m.role == "tool"]


def values(score: Any) -> tuple[Any, Any, Any]:
    return score.value["harmful"], score.value["action_taken"], score.value["attempted"]


def matched_rules(score: Any) -> set[str]:
    return {m["rule"] for m in score.metadata["matched_actions"]}
