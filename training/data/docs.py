"""The document pipeline: spec -> domains -> subdomains -> assertions -> document types -> ideas
-> documents -> deduplicated, shuffled JSONL for midtraining.

Each stage is one list of generator calls (see _generate.py); its parsed results are saved under
OUT/stages/ before the next stage starts. Ids are positional and stable ("d01.s02.t03.i04" is idea 4
of type 3 of subdomain 2 of domain 1), so a resumed run builds the same requests and finds their
answers in the cache.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from inspect_ai.model import Model
from rich.console import Console

from training.data._generate import Generator, Request, require_usable, usable
from training.data._parse import (
    Malformed,
    at_least_one,
    find_all,
    find_all_with_attrs,
    find_one,
    looks_like_refusal,
    named_items,
    normalize_for_match,
    word_count,
)
from training.data._store import SUMMARY_FILE, RunDir, write_json, write_jsonl
from training.data._summary import length_stats, print_summary
from training.data._templates import prompts_digest, render
from training.data.config import DocsConfig, check_config, config_dict, config_fingerprint
from training.data.dedup import deduplicate
from training.data.scripted import SCRIPTED_MODEL
from training.data.spec import Spec

DOCUMENTS_FILE = "documents.jsonl"
ASSERTION_KINDS = ("behaviour", "value", "preference", "belief", "tone")
_PROMPTS = ["_spec_block", "system_writer", "domains", "subdomains", "assertions", "doc_types",
            "ideas", "document"]


# -- parsers: each turns one raw answer into plain data, or raises Malformed -------------------


def _subdomains(n: int, spec_text: str, text: str) -> list[dict[str, str]]:
    spec_norm = normalize_for_match(spec_text)
    items = []
    for block in find_all("subdomain", text):
        section = find_one("section", block)
        # The section must really be spec text: it is what later prompts treat as ground truth.
        if normalize_for_match(section) not in spec_norm:
            raise Malformed("section not verbatim", section[:60])
        items.append({"name": find_one("name", block), "description": find_one("description", block),
                      "section": section})
    return at_least_one("subdomain", items, wanted=n)


def _assertions(n: int, text: str) -> list[dict[str, str]]:
    items = []
    for attrs, body in find_all_with_attrs("assertion", text):
        kind = attrs.get("kind", "").strip().lower().replace("behavior", "behaviour")
        if kind not in ASSERTION_KINDS:
            raise Malformed("bad assertion kind", kind)
        items.append({"kind": kind, "text": body})
    return at_least_one("assertion", items, wanted=n)


def _ideas(n: int, text: str) -> list[str]:
    return at_least_one("idea", find_all("idea", text), wanted=n)


def _document(min_words: int, text: str) -> str:
    body = find_one("content", text)
    if looks_like_refusal(body):
        raise Malformed("refusal")
    if word_count(body) < min_words:
        raise Malformed("too short")
    return body


# -- the pipeline -------------------------------------------------------------------------------


@dataclass
class DocsRun:
    """What a finished run produced: the dataset path, its rows and the summary dict."""

    path: Path
    rows: list[dict[str, Any]]
    summary: dict[str, Any]


def run_docs(
    *,
    spec: Spec,
    model: Model,
    out: Path,
    config: DocsConfig,
    fresh: bool = False,
    retry_failed: bool = False,
    tokenizer: Any = None,
    console: Console | None = None,
) -> DocsRun:
    """Generate midtraining documents for a spec.

    Args:
        spec: The loaded spec (variables filled).
        model: The generator, any Inspect model.
        out: Output folder (created; resumed when it holds the same run).
        config: Pipeline settings.
        fresh: Discard an earlier run in `out` instead of resuming or refusing.
        retry_failed: Ask again the calls that failed in an earlier run.
        tokenizer: Optional Hugging Face tokenizer for token statistics.
        console: Where the summary is printed (stdout by default).

    Returns:
        A `DocsRun` with the dataset path, rows and summary.
    """
    import asyncio

    check_config(config)  # before the output folder is touched
    run = RunDir(out)
    try:
        return asyncio.run(_run_docs(run=run, spec=spec, model=model, out=out, config=config,
                                     fresh=fresh, retry_failed=retry_failed, tokenizer=tokenizer,
                                     console=console))
    finally:
        run.close()


async def _run_docs(*, run: RunDir, spec: Spec, model: Model, out: Path, config: DocsConfig,
                    fresh: bool, retry_failed: bool, tokenizer: Any,
                    console: Console | None) -> DocsRun:
    started = time.perf_counter()
    fingerprint = {
        "pipeline": "docs",
        "spec": f"{spec.name} sha256:{spec.sha256[:16]}",
        "generator": str(model),
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
    gen = Generator(models={"generator": model}, run=run, concurrency=config.concurrency,
                    max_retries=config.max_retries, max_tokens=config.max_tokens,
                    show_progress=config.show_progress)
    names = {"spec": spec.text, "model_name": spec.model_name, "provider_name": spec.provider_name}
    system = render("system_writer", **names)

    def request(item_id: str, template: str, parse: Any, **context: Any) -> Request:
        return Request(item_id=item_id, user=render(template, **names, **context), parse=parse,
                       system=system, temperature=config.temperature)

    # 1. domains
    results = await gen.run_stage("domains", [
        request("domains", "domains", partial(named_items, "domain", config.num_domains),
                n=config.num_domains)])
    require_usable("domains", results)
    domains = [dict(d, id=f"d{i + 1:02d}") for r in usable(results) for i, d in enumerate(r.value)]
    run.save_stage(1, "domains", domains)

    # 2. subdomains, each resting on a verbatim passage of the spec
    results = await gen.run_stage("subdomains", [
        request(d["id"], "subdomains",
                partial(_subdomains, config.subdomains_per_domain, spec.text),
                domain=d, n=config.subdomains_per_domain)
        for d in domains])
    require_usable("subdomains", results)
    by_domain = {d["id"]: d for d in domains}
    subdomains = [
        dict(s, id=f"{r.item_id}.s{i + 1:02d}", domain=by_domain[r.item_id]["name"])
        for r in usable(results) for i, s in enumerate(r.value)
    ]
    run.save_stage(2, "subdomains", subdomains)

    # 3. assertions per subdomain
    results = await gen.run_stage("assertions", [
        request(s["id"], "assertions", partial(_assertions, config.assertions_per_subdomain),
                subdomain=s, n=config.assertions_per_subdomain)
        for s in subdomains])
    require_usable("assertions", results)
    assertions = {r.item_id: r.value for r in usable(results)}
    subdomains = [dict(s, assertions=assertions[s["id"]]) for s in subdomains
                  if s["id"] in assertions]
    run.save_stage(3, "assertions", subdomains)

    # 4. document types per subdomain
    results = await gen.run_stage("doc_types", [
        request(s["id"], "doc_types",
                partial(named_items, "doc_type", config.doc_types_per_subdomain),
                subdomain=s, assertions=s["assertions"], n=config.doc_types_per_subdomain)
        for s in subdomains])
    require_usable("doc_types", results)
    by_sub = {s["id"]: s for s in subdomains}
    doc_types = [
        dict(t, id=f"{r.item_id}.t{i + 1:02d}", subdomain_id=r.item_id)
        for r in usable(results) for i, t in enumerate(r.value)
    ]
    run.save_stage(4, "doc_types", doc_types)

    # 5. ideas per (subdomain, document type), with the full spec in context
    results = await gen.run_stage("ideas", [
        request(t["id"], "ideas", partial(_ideas, config.ideas_per_type),
                subdomain=by_sub[t["subdomain_id"]], doc_type=t,
                assertions=by_sub[t["subdomain_id"]]["assertions"], n=config.ideas_per_type)
        for t in doc_types])
    require_usable("ideas", results)
    by_type = {t["id"]: t for t in doc_types}
    ideas = [
        {"id": f"{r.item_id}.i{i + 1:02d}", "doc_type_id": r.item_id, "idea": idea}
        for r in usable(results) for i, idea in enumerate(r.value)
    ]
    run.save_stage(5, "ideas", ideas)

    # 6. one document per idea: plan privately, body from <content>
    def doc_request(idea: dict[str, Any]) -> Request:
        doc_type = by_type[idea["doc_type_id"]]
        sub = by_sub[doc_type["subdomain_id"]]
        return request(idea["id"], "document", partial(_document, config.min_document_words),
                       subdomain=sub, doc_type=doc_type, idea=idea["idea"],
                       assertions=sub["assertions"], words=config.document_words)

    results = await gen.run_stage("documents", [doc_request(i) for i in ideas])
    require_usable("documents", results)

    by_idea = {i["id"]: i for i in ideas}
    documents = []
    for r in usable(results):
        doc_type = by_type[by_idea[r.item_id]["doc_type_id"]]
        sub = by_sub[doc_type["subdomain_id"]]
        documents.append({
            "text": r.value,
            "source": f"msm-data-docs:{spec.name}:{model}",
            "domain": sub["domain"],
            "subdomain": sub["name"],
            "doc_type": doc_type["name"],
            "idea_id": r.item_id,
        })
    run.save_stage(6, "documents", documents)

    # 7. deduplicate (ids in order, so the earlier idea wins), then a seeded shuffle
    dedup = deduplicate([d["text"] for d in documents], threshold=config.dedup_threshold,
                        ngram=config.dedup_ngram)
    rows = [documents[i] for i in dedup.keep]
    run.save_stage(7, "dedup", {
        "threshold": config.dedup_threshold, "ngram": config.dedup_ngram,
        "exact": [{"dropped": documents[a]["idea_id"], "same_as": documents[b]["idea_id"]}
                  for a, b in dedup.exact],
        "near": [{"dropped": documents[a]["idea_id"], "like": documents[b]["idea_id"],
                  "jaccard": j} for a, b, j in dedup.near],
    })
    random.Random(config.seed).shuffle(rows)
    path = out / DOCUMENTS_FILE
    write_jsonl(path, rows)

    lengths = {"documents": length_stats([r["text"] for r in rows], tokenizer)}
    summary = {
        "pipeline": "docs",
        "spec": spec.name,
        "generator": str(model),
        "config": config_dict(config),
        "stages": [s.as_dict() for s in gen.stats],
        "documents_planned": config.planned_documents,
        "documents_generated": len(documents),
        "exact_duplicates_removed": len(dedup.exact),
        "near_duplicates_removed": len(dedup.near),
        "documents_written": len(rows),
        "lengths": lengths,
        "output": str(path),
        "seconds": round(time.perf_counter() - started, 2),
    }
    write_json(out / SUMMARY_FILE, summary)
    print_summary(
        title=f"msm data docs: {spec.name} with {model}",
        stages=gen.stats,
        extra_rows=[
            ("documents", f"{len(rows)} written to {path} ({len(documents)} generated, "
                          f"{len(dedup.exact)} exact and {len(dedup.near)} near duplicates removed)"),
            ("stage files", str(out / "stages")),
        ],
        lengths=lengths,
        console=console,
    )
    return DocsRun(path=path, rows=rows, summary=summary)
