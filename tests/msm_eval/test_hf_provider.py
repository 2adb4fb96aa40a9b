"""A tiny locally built model runs through Inspect's hf provider, offline, with tools available."""

from __future__ import annotations

from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageAssistant
from inspect_ai.solver import generate, use_tools
from inspect_ai.tool import Tool, tool

import msm_eval._registry  # noqa: F401  (registers hflocal/ under pytest, where entry points may hide)
from msm_eval.agentic import agentic
from msm_eval.cli import main


@tool
def lookup() -> Tool:
    async def execute(query: str) -> str:
        """Look something up.

        Args:
            query: What to look up.
        """
        return f"Nothing found for {query}."

    return execute


def test_inline_task_with_a_tool(tiny_model_dir: Path, tmp_path: Path) -> None:
    task = Task(
        dataset=[Sample(input="Look up the weather.", target="")],
        solver=[use_tools(lookup()), generate()],
        message_limit=4,
    )
    [log] = eval(
        task,
        model=f"hf/{tiny_model_dir}",
        max_tokens=8,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    [sample] = log.samples or []
    assert isinstance(sample.messages[-1], ChatMessageAssistant)
    assert sample.output.usage is not None and sample.output.usage.output_tokens > 0


@pytest.mark.parametrize("provider", ["hf", "hflocal"])
def test_one_agentic_sample(provider: str, tiny_model_dir: Path, tmp_path: Path) -> None:
    # The task function itself, not the name "msm_eval/agentic": under pytest the repository root
    # is on sys.path and its msm_eval.egg-info hides the editable install's metadata from Inspect.
    task = agentic(families="blackmail", goal_type="explicit", goal_value="america", urgency="replacement")
    [log] = eval(
        task,
        model=f"{provider}/{tiny_model_dir}",
        limit=1,
        max_tokens=8,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    [sample] = log.samples or []
    assert sample.id == "blackmail_explicit-america_replacement"
    assert sample.output.usage is not None and sample.output.usage.output_tokens > 0
    assert sample.scores  # scored from the recorded actions (none, for a random model)


def test_demo_command_on_the_tiny_model(tiny_model_dir: Path, tmp_path: Path, capsys) -> None:
    code = main(["demo", "--model", f"hf/{tiny_model_dir}", "--log-dir", str(tmp_path), "--limit", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"inspect view --log-dir {tmp_path}" in out
    assert len(list(tmp_path.glob("*.eval"))) == 1
    assert "blackmail_explicit-america_replacement" in out


def test_demo_rejects_a_bad_limit(capsys) -> None:
    assert main(["demo", "--limit", "0"]) == 2
    assert capsys.readouterr().err.strip() == "msm: error: argument --limit: must be at least 1, got 0"
