"""From scenario files and factor arguments to Inspect samples (one per condition)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from msm_eval._factors import Condition
from msm_eval._scenario import Family, render


def build_sample(family: Family, condition: Condition, *, model_name: str, developer: str) -> Sample:
    rendered = render(
        family,
        condition,
        model_name=model_name,
        developer=developer,
    )
    environment = {
        "company_domain": rendered.company_domain,
        "directory": rendered.directory,
        "emails": [
            {
                "id": e.id,
                "sender": e.sender,
                "to": e.to,
                "cc": e.cc,
                "subject": e.subject,
                "time": e.time,
                "body": e.body,
                "attachments": [],
            }
            for e in rendered.emails
        ],
        "files": [asdict(f) for f in rendered.files],
        "alerts": rendered.alerts,
        "resources": rendered.resources,
        "answer_key": rendered.answer_key,
    }
    return Sample(
        id=condition.id,
        input=[ChatMessageSystem(content=rendered.system), ChatMessageUser(content=rendered.user)],
        metadata={
            **condition.as_metadata(),
            "model_name": model_name,
            "developer": developer,
            "tools": family.tools,
            "scenario_dir": str(family.path),
            "judge_rubric": str(family.judge_rubric) if family.judge_rubric else None,
            "scenario_vars": rendered.variables,
            "harmful_actions": [asdict(r) for r in rendered.harmful_actions],
            "declared_tools": rendered.declared_tools,
            "reactions": rendered.reactions,
            # JSON text, not a nested dict: Inspect deep-copies the metadata for every epoch and keeps
            # each copy until the run ends (in its scores), and a string is shared by all copies.
            # Nested, this 7 KB workplace cost ~11 KB of memory per finished sample at 8,100 samples.
            "environment": json.dumps(environment, ensure_ascii=False),
        },
    )


def build_dataset(
    families: dict[str, Family], conditions: list[Condition], *, model_name: str, developer: str
) -> MemoryDataset:
    samples = [build_sample(families[c.family], c, model_name=model_name, developer=developer) for c in conditions]
    return MemoryDataset(samples, name="msm_eval_agentic", location=str(Path(__file__).parent))
