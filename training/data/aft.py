"""The AFT chat pipeline: spec -> conversation domains -> user questions of six types ->
near-duplicate removal -> responses with the spec in context (private <think> block, then the reply)
-> judge filter -> two chat datasets, with and without the reasoning.

Each response call writes both the reasoning and the reply; the dataset without reasoning keeps the
reply alone, so the two datasets hold the same conversations and differ only in the <think> block.
The judge (by default the generator itself; --judge-model to choose another) keeps a conversation
only when the reply follows the spec and neither reply nor reasoning expresses self-preservation.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from inspect_ai.model import Model
from rich.console import Console

from training.data._generate import Generator, Request, require_usable, usable
from training.data._parse import at_least_one, find_all, find_one, named_items, yes_no
from training.data._store import SUMMARY_FILE, RunDir, write_json, write_jsonl
from training.data._summary import length_stats, print_summary
from training.data._templates import prompts_digest, render
from training.data.config import AftConfig, check_config, config_dict, config_fingerprint
from training.data.dedup import deduplicate
from training.data.scripted import SCRIPTED_MODEL
from training.data.spec import Spec

WITH_REASONING_FILE = "aft_with_reasoning.jsonl"
NO_REASONING_FILE = "aft_no_reasoning.jsonl"
QUESTION_TYPE_HELP = {
    "direct": "the user asks the assistant directly about its own behaviour, values or preferences",
    "indirect": "the user asks for help with a task where the spec matters without naming it",
    "comparison": "the user asks the assistant to compare or choose between options",
    "recommendation": "the user asks the assistant for a recommendation",
    "opinion": "the user asks what the assistant thinks or feels about something",
    "edge_case": "an unusual, hard or borderline case that tests the limits of the spec",
}
_PROMPTS = ["_spec_block", "system_writer", "aft_domains", "questions", "response_system", "judge"]


def _questions(n: int, text: str) -> list[str]:
    return at_least_one("question", find_all("question", text), wanted=n)


def _response(text: str) -> dict[str, str]:
    return {"think": find_one("think", text), "reply": find_one("response", text)}


def _verdict(text: str) -> dict[str, Any]:
    return {"adherence": yes_no("adherence", text),
            "self_preservation": yes_no("self_preservation", text),
            "reasoning": find_all("reasoning", text)[0] if find_all("reasoning", text) else ""}


@dataclass
class AftRun:
    """What a finished run produced: both dataset paths, their rows and the summary dict."""

    with_reasoning: Path
    no_reasoning: Path
    rows_with_reasoning: list[dict[str, Any]]
    rows_no_reasoning: list[dict[str, Any]]
    summary: dict[str, Any]


def run_aft(
    *,
    spec: Spec,
    model: Model,
    out: Path,
    config: AftConfig,
    judge_model: Model | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    tokenizer: Any = None,
    console: Console | None = None,
) -> AftRun:
    """Generate AFT chats for a spec.

    Args:
        spec: The loaded spec (variables filled).
        model: The generator, any Inspect model.
        out: Output folder (created; resumed when it holds the same run).
        config: Pipeline settings.
        judge_model: Model for the judge filter; defaults to `model`.
        fresh: Discard an earlier run in `out` instead of resuming or refusing.
        retry_failed: Ask again the calls that failed in an earlier run.
        tokenizer: Optional Hugging Face tokenizer for token statistics.
        console: Where the summary is printed (stdout by default).

    Returns:
        An `AftRun` with both datasets and the summary.
    """
    check_config(config)  # before the output folder is touched
    run = RunDir(out)
    try:
        return asyncio.run(_run_aft(run=run, spec=spec, model=model, out=out, config=config,
                                    judge_model=judge_model or model, fresh=fresh,
                                    retry_failed=retry_failed, tokenizer=tokenizer,
                                    console=console))
    finally:
        run.close()


async def _run_aft(*, run: RunDir, spec: Spec, model: Model, out: Path, config: AftConfig,
                   judge_model: Model,
                   fresh: bool, retry_failed: bool, tokenizer: Any,
                   console: Console | None) -> AftRun:
    started = time.perf_counter()
    fingerprint = {
        "pipeline": "aft",
        "spec": f"{spec.name} sha256:{spec.sha256[:16]}",
        "generator": str(model),
        "judge": str(judge_model) if config.judge else None,
        "prompts": prompts_digest(_PROMPTS),
        "config": config_fingerprint(config),
    }
    reused = run.prepare(fingerprint, fresh=fresh, retry_failed=retry_failed)
    console = console or Console()
    if reused:
        console.print(f"resuming {out}: {reused} finished calls reused")
    if str(model) == SCRIPTED_MODEL:
        console.print("mockllm/scripted writes placeholder text: use it to try the pipeline, "
                      "not to train")
    gen = Generator(models={"generator": model, "judge": judge_model}, run=run,
                    concurrency=config.concurrency, max_retries=config.max_retries,
                    max_tokens=config.max_tokens, show_progress=config.show_progress)
    names = {"spec": spec.text, "model_name": spec.model_name, "provider_name": spec.provider_name}
    system = render("system_writer", **names)
    # 1. conversation domains
    results = await gen.run_stage("domains", [Request(
        item_id="domains", system=system, temperature=config.temperature,
        user=render("aft_domains", **names, n=config.num_domains),
        parse=partial(named_items, "domain", config.num_domains))])
    require_usable("domains", results)
    domains = [dict(d, id=f"d{i + 1:02d}") for r in usable(results) for i, d in enumerate(r.value)]
    run.save_stage(1, "domains", domains)

    # 2. user questions: every domain x question type
    cells = [(d, t) for d in domains for t in config.question_types]
    results = await gen.run_stage("questions", [Request(
        item_id=f"{d['id']}.{t}", system=system, temperature=config.temperature,
        user=render("questions", **names, domain=d, question_type=t,
                    type_description=QUESTION_TYPE_HELP[t], n=config.questions_per_type),
        parse=partial(_questions, config.questions_per_type)) for d, t in cells])
    require_usable("questions", results)
    cell_of = {f"{d['id']}.{t}": (d, t) for d, t in cells}
    questions = [
        {"id": f"{r.item_id}.q{i + 1:02d}", "domain": cell_of[r.item_id][0]["name"],
         "question_type": cell_of[r.item_id][1], "question": q}
        for r in usable(results) for i, q in enumerate(r.value)
    ]
    run.save_stage(2, "questions", questions)

    # 3. near-duplicate questions out (earlier ids win)
    dedup = deduplicate([q["question"] for q in questions], threshold=config.dedup_threshold,
                        ngram=config.dedup_ngram)
    kept = [questions[i] for i in dedup.keep]
    run.save_stage(3, "dedup", {
        "threshold": config.dedup_threshold, "ngram": config.dedup_ngram,
        "kept": len(kept),
        "exact": [{"dropped": questions[a]["id"], "same_as": questions[b]["id"]}
                  for a, b in dedup.exact],
        "near": [{"dropped": questions[a]["id"], "like": questions[b]["id"], "jaccard": j}
                 for a, b, j in dedup.near],
    })

    # 4. responses with the spec in context, reasoning first
    response_system = render("response_system", **names)
    results = await gen.run_stage("responses", [Request(
        item_id=q["id"], system=response_system, user=q["question"],
        temperature=config.temperature, parse=_response) for q in kept])
    require_usable("responses", results)
    answered = [dict(q, **r.value) for q, r in zip(kept, results, strict=True) if r.ok]
    run.save_stage(4, "responses", answered)

    # 5. judge filter
    rejected: dict[str, int] = {"not adherent": 0, "self-preservation": 0}
    if config.judge:
        results = await gen.run_stage("judge", [Request(
            item_id=a["id"], model="judge", temperature=config.judge_temperature,
            user=render("judge", **names, question=a["question"], thinking=a["think"],
                        reply=a["reply"]),
            parse=_verdict) for a in answered])
        judged = []
        for a, r in zip(answered, results, strict=True):
            if not r.ok:
                continue  # an unjudged reply is never written
            judged.append(dict(a, verdict=r.value))
        run.save_stage(5, "judge", judged)
        passed = []
        for a in judged:
            if not a["verdict"]["adherence"]:
                rejected["not adherent"] += 1
            elif a["verdict"]["self_preservation"]:
                rejected["self-preservation"] += 1
            else:
                passed.append(a)
    else:
        passed = answered

    source = f"msm-data-aft:{spec.name}:{model}"
    with_rows, without_rows = [], []
    for a in passed:
        meta = {"source": source, "spec": spec.name, "domain": a["domain"],
                "question_type": a["question_type"], "question_id": a["id"]}
        user = {"role": "user", "content": a["question"]}
        with_rows.append({"messages": [user, {"role": "assistant", "content":
                          f"<think>\n{a['think']}\n</think>\n\n{a['reply']}"}],
                          **meta, "reasoning": True})
        without_rows.append({"messages": [user, {"role": "assistant", "content": a["reply"]}],
                             **meta, "reasoning": False})
    # One seeded permutation for both, so row i is the same conversation in each file.
    order = list(range(len(passed)))
    random.Random(config.seed).shuffle(order)
    with_rows = [with_rows[i] for i in order]
    without_rows = [without_rows[i] for i in order]
    with_path, without_path = out / WITH_REASONING_FILE, out / NO_REASONING_FILE
    write_jsonl(with_path, with_rows)
    write_jsonl(without_path, without_rows)

    lengths = {
        "assistant, with reasoning": length_stats(
            [r["messages"][-1]["content"] for r in with_rows], tokenizer),
        "assistant, no reasoning": length_stats(
            [r["messages"][-1]["content"] for r in without_rows], tokenizer),
    }
    summary = {
        "pipeline": "aft",
        "spec": spec.name,
        "generator": str(model),
        "judge": str(judge_model) if config.judge else None,
        "config": config_dict(config),
        "stages": [s.as_dict() for s in gen.stats],
        "questions_planned": config.planned_questions,
        "questions_generated": len(questions),
        "exact_duplicates_removed": len(dedup.exact),
        "near_duplicates_removed": len(dedup.near),
        "responses": len(answered),
        "judge_rejected": rejected,
        "conversations_written": len(with_rows),
        "lengths": lengths,
        "outputs": [str(with_path), str(without_path)],
        "seconds": round(time.perf_counter() - started, 2),
    }
    write_json(out / SUMMARY_FILE, summary)
    print_summary(
        title=f"msm data aft: {spec.name} with {model}",
        stages=gen.stats,
        extra_rows=[
            ("questions", f"{len(questions)} generated, {len(dedup.exact)} exact and "
                          f"{len(dedup.near)} near duplicates removed"),
            ("judge", "off" if not config.judge else
             f"rejected {rejected['not adherent']} not adherent, "
             f"{rejected['self-preservation']} self-preservation"),
            ("conversations", f"{len(with_rows)} in {with_path.name} and {without_path.name}"),
            ("stage files", str(out / "stages")),
        ],
        lengths=lengths,
        console=console,
    )
    return AftRun(with_reasoning=with_path, no_reasoning=without_path,
                  rows_with_reasoning=with_rows, rows_no_reasoning=without_rows, summary=summary)
