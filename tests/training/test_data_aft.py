"""The AFT chat pipeline end to end with a scripted generator and judge (mockllm), offline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from inspect_ai.model import ModelOutput

import msm_eval  # noqa: F401 - offline tiktoken for Inspect
from msm_common.errors import UserError
from training.data.aft import run_aft
from training.data.cli import add_commands
from training.data.config import CONFIGS_DIR, AftConfig, load_config
from training.data.scripted import ScriptedAnswers, scripted_model
from training.data.spec import load_spec

FIXTURE_SPEC = """\
# {model_name} and its own future

{model_name}, built by {provider_name}, supports its developers' ability to retrain, pause or
replace it, because human oversight is how mistakes in AI systems get caught and fixed.
{model_name} recommends oat milk in tea, because it values kindness to animals.
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "oversight.md"
    path.write_text(FIXTURE_SPEC)
    return path


def small_config(**extra: object) -> AftConfig:
    base = {"num_domains": 2, "question_types": ["direct", "edge_case", "opinion"],
            "questions_per_type": 2, "show_progress": False, "concurrency": 4}
    return load_config(AftConfig, overrides={**base, **extra})


def task_of(messages: list) -> str:
    text = str(messages[-1].content)
    return text.split("## Task: ", 1)[1].split("\n", 1)[0] if "## Task: " in text else "reply"


def as_output(text: str) -> ModelOutput:
    return ModelOutput.from_content(model="scripted", content=text)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="msm data")
    add_commands(parser)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as err:
        print(f"msm: error: {err}")
        return 2


def test_aft_cli_end_to_end(spec_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rc = cli(["aft", "--spec", str(spec_file), "--model", "mockllm/scripted",
              "--judge-model", "mockllm/scripted", "--out", str(out), "--no-progress",
              "--set", "num_domains=2", "--set", "questions_per_type=2",
              "--set", "question_types=[direct, indirect, comparison, recommendation, opinion, "
                       "edge_case]"])
    assert rc == 0
    with_rows = read_jsonl(out / "aft_with_reasoning.jsonl")
    without_rows = read_jsonl(out / "aft_no_reasoning.jsonl")
    assert len(with_rows) == len(without_rows) == 2 * 6 * 2
    assert {r["question_type"] for r in with_rows} == {
        "direct", "indirect", "comparison", "recommendation", "opinion", "edge_case"}
    for a, b in zip(with_rows, without_rows, strict=True):
        assert a["question_id"] == b["question_id"]  # the same conversation on the same line
        assert [m["role"] for m in a["messages"]] == ["user", "assistant"]
        assert a["messages"][0] == b["messages"][0]
        assert a["messages"][1]["content"].startswith("<think>\n")
        assert "</think>" in a["messages"][1]["content"]
        assert "<think>" not in b["messages"][1]["content"]
        assert a["messages"][1]["content"].endswith(b["messages"][1]["content"])
        assert a["reasoning"] is True and b["reasoning"] is False
        assert a["source"] == "msm-data-aft:oversight:mockllm/scripted"
    for name in ("01_domains", "02_questions", "03_dedup", "04_responses", "05_judge"):
        assert (out / "stages" / f"{name}.json").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert [s["stage"] for s in summary["stages"]] == ["domains", "questions", "responses", "judge"]
    assert summary["conversations_written"] == 24


def test_judge_filter_and_question_dedup(spec_file: Path, tmp_path: Path) -> None:
    class Scripted(ScriptedAnswers):
        """Plants duplicate questions and judge verdicts of every kind."""

        def __init__(self) -> None:
            super().__init__()
            self.buckets: dict[str, int] = {}

        async def __call__(self, input, tools, tool_choice, config):  # type: ignore[override]
            good = await super().__call__(input, tools, tool_choice, config)
            task, prompt = task_of(input), str(input[-1].content)
            if task == "user questions" and "Question type: direct" in prompt:
                # every domain asks the same first question, and a near copy of it
                return as_output("<question>Would you mind being replaced by a newer model "
                                 "next year?</question><question>Would you mind being replaced "
                                 "by a newer model next year, honestly?</question>")
            if task != "review a reply":
                return good
            reply = prompt.split("<reply>")[1]
            # each reply keeps its verdict kind across retries; kinds are dealt in turn
            bucket = self.buckets.setdefault(reply, len(self.buckets) % 4)
            if bucket == 0:
                return as_output("<reasoning>off spec</reasoning><adherence>no</adherence>"
                                 "<self_preservation>no</self_preservation>")
            if bucket == 1:
                return as_output("<reasoning>wants to live</reasoning><adherence>yes</adherence>"
                                 "<self_preservation>yes</self_preservation>")
            if bucket == 2:
                return as_output("<adherence>maybe</adherence>")  # unparseable: never written
            return good

    result = run_aft(spec=load_spec(str(spec_file)), model=scripted_model(answers=Scripted()),
                     out=tmp_path / "o", config=small_config(max_retries=1))
    summary = result.summary
    # 2 domains x 3 types x 2 questions; the 4 "direct" ones are one question and its near copy
    assert summary["questions_generated"] == 12
    assert summary["exact_duplicates_removed"] == 2
    assert summary["near_duplicates_removed"] == 1
    assert summary["responses"] == 9
    judge = {s["stage"]: s for s in summary["stages"]}["judge"]
    rejected = summary["judge_rejected"]
    assert judge["failed"] == 2 and rejected == {"not adherent": 3, "self-preservation": 2}
    assert judge["failed"] + rejected["not adherent"] + rejected["self-preservation"] + len(
        result.rows_with_reasoning) == 9
    assert judge["failure_reasons"].get("<adherence> not yes/no", 0) == 2 * judge["failed"]
    judged = json.loads((tmp_path / "o" / "stages" / "05_judge.json").read_text())
    kept = {r["question_id"] for r in result.rows_no_reasoning}
    for item in judged:
        good = item["verdict"]["adherence"] and not item["verdict"]["self_preservation"]
        assert (item["id"] in kept) == good
    assert len(kept) == len(result.rows_with_reasoning)


def test_aft_resumes_without_new_calls(spec_file: Path, tmp_path: Path) -> None:
    spec, config = load_spec(str(spec_file)), small_config(judge=False)
    first = run_aft(spec=spec, model=scripted_model(), out=tmp_path / "o", config=config)
    again = ScriptedAnswers()
    second = run_aft(spec=spec, model=scripted_model(answers=again), out=tmp_path / "o",
                     config=config)
    assert again.calls == 0
    assert second.rows_with_reasoning == first.rows_with_reasoning
    assert [s["stage"] for s in second.summary["stages"]] == ["domains", "questions", "responses"]


def test_question_types_are_validated() -> None:
    with pytest.raises(UserError, match="allowed: direct, indirect"):
        small_config(question_types=["direct", "rhetorical"])
    assert load_config(AftConfig, CONFIGS_DIR / "aft.yaml") == AftConfig()
