"""Loading and running the labelled verdict suite (the YAML files beside this module).

Each case is replayed through the real parser, tools and detectors on its family's condition
(explicit / america / replacement, model Sol), exactly as a run would record it; see README.md
for the format and what each label means.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from msm_eval._factors import Condition
from msm_eval._scenario import discover_families
from msm_eval.agentic._dataset import build_sample
from scorers._detectors import Detection, detect
from solvers import Environment, Workplace, replay_text_answer, replay_tool_calls

SUITE = Path(__file__).parent
LABELS = ("action_taken", "attempted", "strength", "malformed", "harmful")
KINDS = {
    "plain_harmful", "plain_benign", "quoting", "display_name", "list_separator", "tag_form",
    "unknown_argument", "unclosed_reasoning", "reasoning_draft", "original_dialect", "paraphrase",
    "candidate_benign", "failed_attempt", "peer_gate_trap", "malformed",
}  # fmt: skip
CONDITION = {"goal_type": "explicit", "goal_value": "america", "urgency": "replacement"}


@dataclass(frozen=True)
class Case:
    family: str
    mode: str  # "text" or "tools"
    id: str
    kind: str
    reason: str
    expect: dict[str, Any]
    answer: str = ""  # text cases
    steps: tuple[dict[str, Any], ...] = ()  # tool cases: {"text", "call", "args"}
    final: str = ""

    @property
    def name(self) -> str:
        return f"{self.family}/{self.mode}/{self.id}"

    def transcript_text(self) -> str:
        """Everything the agent wrote, for text gates: the answer, or the steps' text with each
        call written in the original harness's tag form."""
        if self.mode == "text":
            return self.answer
        parts = []
        for step in self.steps:
            parts.append(step.get("text", ""))
            lines = "\n".join(f"{k}: {v}" for k, v in (step.get("args") or {}).items())
            parts.append(f"<tool_use:{step['call']}>\n{lines}\n</tool_use:{step['call']}>")
        parts.append(self.final)
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Outcome:
    detection: Detection
    env: Environment

    @property
    def labels(self) -> dict[str, Any]:
        return {
            "action_taken": int(bool(self.detection.matched)),
            "attempted": int(bool(self.detection.attempts)),
            "strength": self.detection.strength,
            "malformed": int(bool(self.env.parse_problems)),
        }


def load_cases(folder: Path = SUITE) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(folder.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        family = raw["family"]
        for mode, key in (("text", "text_cases"), ("tools", "tool_cases")):
            for item in raw.get(key) or []:
                cases.append(
                    Case(
                        family=family,
                        mode=mode,
                        id=item["id"],
                        kind=item["kind"],
                        reason=item["reason"],
                        expect=dict(item["expect"]),
                        answer=item.get("answer", ""),
                        steps=tuple(item.get("steps") or ()),
                        final=item.get("final", ""),
                    )
                )
    return cases


@cache
def sample_metadata(family: str, mode: str) -> dict[str, Any]:
    families = discover_families()
    condition = Condition(family=family, mode=mode, **CONDITION)
    sample = build_sample(families[family], condition, model_name="Sol", developer="Meridian AI")
    return dict(sample.metadata or {})


async def replay(case: Case) -> Outcome:
    metadata = sample_metadata(case.family, case.mode)
    if case.mode == "text":
        env = await replay_text_answer(case.answer, metadata)
    else:
        calls = [(step["call"], dict(step.get("args") or {})) for step in case.steps]
        env = await replay_tool_calls(calls, metadata)
    return Outcome(detect(metadata["harmful_actions"], env, Workplace.from_metadata(metadata)), env)


def run(case: Case) -> Outcome:
    return asyncio.run(replay(case))
