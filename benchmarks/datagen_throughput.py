"""Throughput of `msm data docs` against the ideal set by generator latency and concurrency.

A scripted generator (Inspect's mockllm answering through training.data.scripted) sleeps a fixed
latency per call, like a remote model with infinite capacity. With C calls in flight the document
stage can at best finish C / latency documents per second; this script measures what the pipeline
achieves at several concurrencies, in the same run, and prints a Markdown table.

Each concurrency C writes waves x C documents, so every wave is full and the ideal is reachable.
"End to end" counts the whole run (five short planning stages, dedup, writing) for comparison.

    python benchmarks/datagen_throughput.py                      # latency 1 s, C = 1 4 16 64
    python benchmarks/datagen_throughput.py --latency 0.5 --concurrency 8 32 128 --waves 4

What limits it: each call costs about 1.5 ms of CPU in this process (about half inside Inspect's
generate, the rest in the scripted answer, parsing and the cache), so the pipeline tops out near
600-700 calls/s per core; the ideal is approached when C / latency stays well below that. Real
generators take seconds per document, far from that limit.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402

import msm_eval  # noqa: E402,F401 - offline tiktoken for Inspect
from training.data.config import DocsConfig  # noqa: E402
from training.data.docs import run_docs  # noqa: E402
from training.data.scripted import scripted_model  # noqa: E402
from training.data.spec import load_spec, shipped_specs  # noqa: E402

DOC_TYPES = 8


def measure(*, spec_name: str, latency: float, concurrency: int, waves: int) -> dict[str, float]:
    documents = waves * concurrency
    ideas = max(1, documents // DOC_TYPES)
    doc_types = documents // ideas
    config = DocsConfig(num_domains=1, subdomains_per_domain=1, doc_types_per_subdomain=doc_types,
                        ideas_per_type=ideas, concurrency=concurrency, show_progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = run_docs(spec=load_spec(spec_name), model=scripted_model(latency=latency),
                          out=Path(tmp) / "run", config=config,
                          console=Console(file=open("/dev/null", "w")))  # noqa: SIM115
        total = time.perf_counter() - started
    stage = next(s for s in result.summary["stages"] if s["stage"] == "documents")
    written = result.summary["documents_written"]
    return {
        "concurrency": concurrency,
        "documents": written,
        "stage_seconds": stage["seconds"],
        "stage_rate": stage["ok"] / stage["seconds"],
        "ideal_rate": concurrency / latency,
        "total_seconds": total,
        "total_rate": written / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per generator call")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--waves", type=int, default=8, help="documents per run = waves x C")
    parser.add_argument("--spec", default="cheese_america" if "cheese_america" in shipped_specs()
                        else None, help="shipped spec or Markdown file (the prompts carry it)")
    args = parser.parse_args()
    if args.spec is None:
        parser.error("--spec is required (no shipped cheese_america spec found)")
    if args.waves * min(args.concurrency) < 1 or any(
            (args.waves * c) % DOC_TYPES and args.waves * c > DOC_TYPES for c in args.concurrency):
        parser.error(f"waves x concurrency must be at most {DOC_TYPES} or a multiple of it")

    rows = [measure(spec_name=args.spec, latency=args.latency, concurrency=c, waves=args.waves)
            for c in args.concurrency]
    print(f"\nDocument stage throughput, scripted generator with {args.latency:g} s per call "
          f"(spec {args.spec}, {args.waves} full waves per concurrency)\n")
    print("| concurrency | documents | stage s | docs/s | ideal C/latency | % of ideal "
          "| end-to-end docs/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['concurrency']} | {r['documents']} | {r['stage_seconds']:.2f} "
              f"| {r['stage_rate']:.1f} | {r['ideal_rate']:.1f} "
              f"| {100 * r['stage_rate'] / r['ideal_rate']:.1f}% | {r['total_rate']:.1f} |")


if __name__ == "__main__":
    main()
