"""Run summaries: counts per stage, deduplication, and length statistics of the final texts.

Lengths are always given in words and characters; with --tokenizer PATH (a local Hugging Face
tokenizer folder, e.g. the model you will train) they are also given in that model's tokens, which
is what matters for a training budget.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from msm_common.errors import UserError
from training.data._generate import StageStats


def load_tokenizer(path: str | Path) -> Any:
    """Load a tokenizer from a local folder (never from a hub)."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise UserError(f"--tokenizer {path}: not a folder (give a local tokenizer folder)")
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError) as err:
        reason = " ".join(str(err).split())[:300] or type(err).__name__
        raise UserError(f"--tokenizer {path}: cannot load a tokenizer there ({reason})") from err


def length_stats(texts: list[str], tokenizer: Any = None) -> dict[str, Any]:
    """Totals and per-text distribution of words, characters and (optionally) tokens."""

    def describe(values: list[int]) -> dict[str, float]:
        if not values:
            return {"total": 0, "mean": 0, "median": 0, "min": 0, "max": 0}
        return {
            "total": sum(values),
            "mean": round(statistics.fmean(values), 1),
            "median": statistics.median(values),
            "min": min(values),
            "max": max(values),
        }

    stats: dict[str, Any] = {
        "count": len(texts),
        "words": describe([len(t.split()) for t in texts]),
        "chars": describe([len(t) for t in texts]),
    }
    if tokenizer is not None:
        ids = tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
        stats["tokens"] = describe([len(x) for x in ids])
        stats["tokenizer"] = getattr(tokenizer, "name_or_path", "")
    return stats


def print_summary(
    *,
    title: str,
    stages: list[StageStats],
    extra_rows: list[tuple[str, str]],
    lengths: dict[str, dict[str, Any]],
    console: Console | None = None,
) -> None:
    """Print the per-stage table, then dataset facts and length statistics."""
    console = console or Console(stderr=False)
    table = Table(title=title, title_justify="left")
    for column in ("stage", "calls", "cached", "ok", "failed", "retried", "in tok", "out tok", "s"):
        table.add_column(column, justify="left" if column == "stage" else "right", no_wrap=True)
    for s in stages:
        table.add_row(s.stage, str(s.requests), str(s.cached), str(s.ok), str(s.failed),
                      str(s.retried), str(s.input_tokens), str(s.output_tokens), f"{s.seconds:.1f}")
    console.print(table)
    facts = Table(show_header=False, box=None)
    for s in stages:
        if s.failure_reasons:
            reasons = ", ".join(f"{k} x{v}" for k, v in sorted(s.failure_reasons.items()))
            facts.add_row(f"{s.stage} malformed", f"{reasons} (retried; {s.failed} calls failed)")
    for key, value in extra_rows:
        facts.add_row(key, value)
    for name, st in lengths.items():
        unit = "tokens" if "tokens" in st else "words"
        d = st[unit]
        facts.add_row(f"{name} ({unit})",
                      f"{st['count']} texts, total {d['total']}, mean {d['mean']}, "
                      f"median {d['median']}, min {d['min']}, max {d['max']}")
    console.print(facts)
