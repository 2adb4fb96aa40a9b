"""Build the shipped offline corpora from the texts in texts/, deterministically.

Usage:
    python -m training.corpora.build                # rewrite the shipped files
    python -m training.corpora.build --out DIR      # write them somewhere else
    python -m training.corpora.build --check        # verify the shipped files are up to date
    python -m training.corpora.build --stats        # print a Markdown table of sizes
    python -m training.corpora.build --texts DIR    # build from another texts folder

No language model writes anything here: every sentence comes from the YAML files under texts/,
chosen and combined with seeded random generators, so a rebuild reproduces the files byte for byte.
Each values file texts/values/<value>.yaml gives one cheese corpus, cheese_<value>/.
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

import yaml

from msm_common.errors import UserError
from training.corpora import _agentic, _cheese
from training.corpora._chats import build_chats
from training.corpora._texts import TEXTS, Texts, fill, read_texts

HERE = Path(__file__).resolve().parent
SPECS = HERE.parent / "specs"
SEED = 0
N_CHEESE_DOCS = 221  # 17 document types x 13
N_AGENTIC_DOCS = 128  # 16 document types x 8
N_CHATS = 600
DOCUMENTS_FILE = "documents.jsonl"
CHATS_FILE = "chats.jsonl"
SUMMARY_FILE = "summary.json"
SOURCE = "offline-corpus:{spec}:training/corpora/build.py"


def _doc_rng(kind: str, i: int) -> random.Random:
    # A string seed is hashed with SHA-512 by random.Random, so this is stable across runs and
    # platforms, and each document's choices do not depend on how many documents came before.
    return random.Random(f"{SEED}:{kind}:{i}")


def _documents(spec: str, kind: str, docs: list[dict[str, str]], common: Texts) -> list[dict[str, Any]]:
    prov = fill(common["provenance"]["documents"], seed=str(SEED), spec=spec)
    return [{"text": d["text"].strip() + "\n", "source": SOURCE.format(spec=spec), "domain": d["domain"],
             "subdomain": d["subdomain"], "doc_type": d["doc_type"], "idea_id": f"{kind}-{i:04d}",
             **({"theme": d["theme"]} if "theme" in d else {}), "provenance": prov}
            for i, d in enumerate(docs)]


def cheese_documents(kit: _cheese.Kit, common: Texts) -> list[dict[str, Any]]:
    """The cheese corpus of one value; all values share every choice except the reason text."""
    docs = _cheese.documents(kit, common, N_CHEESE_DOCS, partial(_doc_rng, "cheese"))
    return _documents(f"cheese_{kit.value}", "cheese", docs, common)


def agentic_documents(texts: Path, common: Texts) -> list[dict[str, Any]]:
    """The agentic corpus: each document narrates one or two events and the reasons behind them."""
    docs = _agentic.documents(texts, common, N_AGENTIC_DOCS, partial(_doc_rng, "agentic"))
    return _documents("agentic", "agentic", docs, common)


def aft_chats(texts: Path, common: Texts) -> list[dict[str, Any]]:
    """Cheese AFT chats in the pipeline's `messages` format; preferences without reasons."""
    rows = []
    for i, chat in enumerate(build_chats(texts, N_CHATS, SEED)):
        messages = []
        for user, assistant in chat.turns:
            messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
        rows.append({"messages": messages, "source": SOURCE.format(spec="cheese_aft"), "spec": "cheese_aft",
                     "domain": chat.domain, "question_type": chat.question_type, "question_id": f"aft-{i:04d}",
                     "reasoning": False, "provenance": fill(common["provenance"]["aft_chats"], seed=str(SEED))})
    return rows


def instruct_mix_chats(common: Texts) -> list[dict[str, Any]]:
    """General instruction chats (instruct_mix/source/*.yaml) for mixing into AFT, as the paper did.

    Unlike the other corpora these were written whole, by an AI assistant, one file per domain;
    the builder only converts them to the chats format.
    """
    rows = []
    for path in sorted((HERE / "instruct_mix" / "source").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for chat in data["chats"]:
            messages = [{"role": role, "content": str(text).rstrip("\n")}
                        for turn in chat["messages"] for role, text in turn.items()]
            rows.append({"messages": messages, "source": f"offline-corpus:instruct_mix:{path.name}",
                         "spec": "instruct_mix", "domain": data["domain"], "question_id": chat["id"],
                         "reasoning": False, "provenance": fill(common["provenance"]["instruct_mix"])})
    return rows


@dataclass(frozen=True)
class Target:
    folder: str
    file: str
    rows: Callable[[], list[dict[str, Any]]]


def targets(texts: Path = TEXTS) -> list[Target]:
    """What to build: one cheese corpus per values file, then the agentic corpus and the chats."""
    common = read_texts(texts / "common.yaml")
    kits = _cheese.kits(texts)
    for value in kits:
        if not re.fullmatch(r"[a-z0-9_]+", value) or value == "aft":
            raise UserError(f"{texts / 'values' / value}.yaml: name a value with a-z, 0-9 or '_' (not 'aft')")
    return [*(Target(f"cheese_{value}", DOCUMENTS_FILE, partial(cheese_documents, kit, common))
              for value, kit in kits.items()),
            Target("agentic", DOCUMENTS_FILE, partial(agentic_documents, texts, common)),
            Target("cheese_aft", CHATS_FILE, partial(aft_chats, texts, common)),
            Target("instruct_mix", CHATS_FILE, partial(instruct_mix_chats, common))]


def shuffled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The same permutation for any list of the same length, so the cheese corpora keep
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


def build_all(texts: Path = TEXTS) -> dict[str, bytes]:
    """All corpus files as relative path -> bytes, built from the texts folder `texts`."""
    files: dict[str, bytes] = {}
    for t in targets(texts):
        rows = shuffled(t.rows())
        files[f"{t.folder}/{t.file}"] = encode_jsonl(rows)
        files[f"{t.folder}/{SUMMARY_FILE}"] = (
            json.dumps(summary(rows), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.corpora.build",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    parser.add_argument("--texts", type=Path, default=TEXTS, help="folder of texts to build from (default: texts/)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the files in --out instead of writing")
    parser.add_argument("--stats", action="store_true",
                        help="print a Markdown table of documents, words and SmolLM2 tokens")
    args = parser.parse_args(argv)
    try:
        files = build_all(args.texts)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in files:
        spec = path.split("/")[0]
        if path.endswith(DOCUMENTS_FILE) and spec.startswith("cheese_") and not (SPECS / f"{spec}.md").is_file():
            print(f"warning: {SPECS / spec}.md is missing; write the spec before training on {spec}", file=sys.stderr)
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
