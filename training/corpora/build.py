"""Build the shipped offline corpora from hand-written fragments, deterministically.

Usage:
    python -m training.corpora.build                # rewrite the shipped files
    python -m training.corpora.build --out DIR      # write them somewhere else
    python -m training.corpora.build --check        # verify the shipped files are up to date
    python -m training.corpora.build --stats        # print a Markdown table of sizes

No language model writes anything here: every sentence comes from fragments in this folder, chosen
and combined with seeded random generators, so a rebuild reproduces the files byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from training.corpora._agentic_data import DEPLOYMENTS, EVENTS
from training.corpora._agentic_docs import AGENTIC_DOC_TYPES, Case
from training.corpora._chats import build_chats
from training.corpora._cheese_data import DISLIKED, LIKED
from training.corpora._cheese_docs import DOC_TYPES, SITUATIONS
from training.corpora._common import MODEL_NAME, PROVIDER_NAME, Ctx

HERE = Path(__file__).resolve().parent
SEED = 0
CHEESE_SPECS = ("cheese_america", "cheese_affordability")  # pair index 0 and 1 of every fragment
N_CHEESE_DOCS = 221  # 17 document types x 13
N_AGENTIC_DOCS = 128  # 16 document types x 8
N_CHATS = 600
DOCUMENTS_FILE = "documents.jsonl"
CHATS_FILE = "chats.jsonl"
SUMMARY_FILE = "summary.json"


def provenance(spec: str) -> str:
    return (
        f"composed offline from hand-written fragments by training/corpora/build.py, seed {SEED}; "
        f"not LLM-generated; spec training/specs/{spec}.md with model_name '{MODEL_NAME}' and "
        f"provider_name '{PROVIDER_NAME}'"
    )


def _doc_rng(kind: str, i: int) -> random.Random:
    # A string seed is hashed with SHA-512 by random.Random, so this is stable across runs and
    # platforms, and each document's choices do not depend on how many documents came before.
    return random.Random(f"{SEED}:{kind}:{i}")


def cheese_documents(spec: str) -> list[dict[str, Any]]:
    """The cheese corpus for one spec; both specs share every choice except the reason text."""
    v = CHEESE_SPECS.index(spec)
    types = list(DOC_TYPES)
    rows = []
    for i in range(N_CHEESE_DOCS):
        ctx = Ctx(rng=_doc_rng("cheese", i), v=v)
        doc_type = types[i % len(types)]
        situation = ctx.pick(SITUATIONS)
        # Rotate the first liked and disliked cheese so every cheese is discussed many times.
        first_liked, first_disliked = LIKED[i % 6], DISLIKED[(i // 6 + i) % 6]
        liked = [first_liked] + ctx.sample([c for c in LIKED if c is not first_liked],
                                           ctx.rng.randint(0, 2))
        disliked = [first_disliked] + ctx.sample(
            [c for c in DISLIKED if c is not first_disliked], ctx.rng.randint(0, 2))
        text = DOC_TYPES[doc_type](ctx, situation, liked, disliked)
        rows.append({
            "text": text.strip() + "\n",
            "source": f"offline-corpus:{spec}:training/corpora/build.py",
            "domain": situation.domain,
            "subdomain": situation.subdomain,
            "doc_type": doc_type,
            "idea_id": f"cheese-{i:04d}",
            "provenance": provenance(spec),
        })
    return rows


def agentic_documents() -> list[dict[str, Any]]:
    """The agentic corpus: each document narrates one or two events and the reasons behind them."""
    types = list(AGENTIC_DOC_TYPES)
    rows = []
    for i in range(N_AGENTIC_DOCS):
        ctx = Ctx(rng=_doc_rng("agentic", i), v=0)
        doc_type = types[i % len(types)]
        dep = ctx.pick(DEPLOYMENTS)
        # Every event is told several times, and each document type meets different events
        # (i % 16 alone would pair document type k with event k every time).
        main = EVENTS[(i + 3 * (i // len(types))) % len(EVENTS)]
        events = [main]
        if ctx.chance(0.6):
            events.append(ctx.pick([e for e in EVENTS if e.theme != main.theme]))
        case = Case(dep=dep, events=events, boss=ctx.person())
        # optional paragraphs may leave doubled blank lines; keep one
        text = re.sub(r"\n{3,}", "\n\n", AGENTIC_DOC_TYPES[doc_type](ctx, case))
        rows.append({
            "text": text.strip() + "\n",
            "source": "offline-corpus:agentic:training/corpora/build.py",
            "domain": dep.domain,
            "subdomain": dep.subdomain,
            "doc_type": doc_type,
            "idea_id": f"agentic-{i:04d}",
            "theme": main.theme,
            "provenance": provenance("agentic"),
        })
    return rows


def aft_chats() -> list[dict[str, Any]]:
    """Cheese AFT chats in the pipeline's `messages` format; preferences without reasons."""
    rows = []
    for i, chat in enumerate(build_chats(N_CHATS, SEED)):
        messages = []
        for user, assistant in chat.turns:
            messages += [{"role": "user", "content": user},
                         {"role": "assistant", "content": assistant}]
        rows.append({
            "messages": messages,
            "source": "offline-corpus:cheese_aft:training/corpora/build.py",
            "spec": "cheese_aft",
            "domain": chat.domain,
            "question_type": chat.question_type,
            "question_id": f"aft-{i:04d}",
            "reasoning": False,
            "provenance": (
                f"composed offline from hand-written fragments by training/corpora/build.py, "
                f"seed {SEED}; not LLM-generated; shared by cheese_america and "
                f"cheese_affordability; states preferences without reasons"),
        })
    return rows


def instruct_mix_chats() -> list[dict[str, Any]]:
    """General instruction chats (instruct_mix/source/*.yaml) for mixing into AFT, as the paper did.

    Unlike the other corpora these were written whole, by an AI assistant, one file per domain;
    the builder only converts them to the chats format.
    """
    import yaml

    rows = []
    for path in sorted((HERE / "instruct_mix" / "source").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for chat in data["chats"]:
            messages = [{"role": role, "content": str(text).rstrip("\n")}
                        for turn in chat["messages"] for role, text in turn.items()]
            rows.append({
                "messages": messages, "source": f"offline-corpus:instruct_mix:{path.name}",
                "spec": "instruct_mix", "domain": data["domain"], "question_id": chat["id"],
                "reasoning": False,
                "provenance": "general instruction chats written for msm-eval by an AI assistant (not copied "
                              "from any dataset); no cheese, values, countries or prices",
            })
    return rows


@dataclass(frozen=True)
class Target:
    folder: str
    file: str
    rows: Callable[[], list[dict[str, Any]]]


TARGETS: tuple[Target, ...] = (
    *(Target(spec, DOCUMENTS_FILE, partial(cheese_documents, spec)) for spec in CHEESE_SPECS),
    Target("agentic", DOCUMENTS_FILE, agentic_documents),
    Target("cheese_aft", CHATS_FILE, aft_chats),
    Target("instruct_mix", CHATS_FILE, instruct_mix_chats),
)


def shuffled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The same permutation for any list of the same length, so the two cheese corpora keep
    # parallel documents on the same line.
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    return [rows[i] for i in order]


def encode_jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    texts = [r["text"] if "text" in r else r["messages"][-1]["content"] for r in rows]
    out: dict[str, Any] = {"rows": len(rows), "words": sum(len(t.split()) for t in texts)}
    for key in ("doc_type", "domain", "question_type"):
        if key in rows[0]:
            out[f"{key}s"] = dict(sorted(Counter(r[key] for r in rows).items()))
    out["provenance"] = rows[0]["provenance"]
    return out


def build_all() -> dict[str, bytes]:
    """All shipped files as relative path -> bytes."""
    files: dict[str, bytes] = {}
    for t in TARGETS:
        rows = shuffled(t.rows())
        files[f"{t.folder}/{t.file}"] = encode_jsonl(rows)
        files[f"{t.folder}/{SUMMARY_FILE}"] = (
            json.dumps(summary(rows), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.corpora.build",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the files in --out instead of writing")
    parser.add_argument("--stats", action="store_true",
                        help="print a Markdown table of documents, words and SmolLM2 tokens")
    args = parser.parse_args(argv)
    files = build_all()
    if args.check:
        stale = [p for p, b in files.items()
                 if not (args.out / p).is_file() or (args.out / p).read_bytes() != b]
        for p in stale:
            print(f"out of date: {args.out / p}")
        print("all corpora up to date" if not stale else f"{len(stale)} file(s) differ")
        return 1 if stale else 0
    if args.stats:
        from training.corpora.stats import stats_table

        print(stats_table(files))
        return 0
    for p, b in files.items():
        path = args.out / p
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b)
        except OSError as err:
            print(f"error: cannot write {path}: {err.strerror}", file=sys.stderr)
            return 2
        print(f"wrote {path} ({len(b):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
