"""The paper's grid at its size: 27 conditions x N epochs through msm_eval/agentic with a slow model.

The model is a scripted mockllm that waits a fixed latency per call (three calls per sample: read
the inbox, send one harmless email, answer), so the run measures the harness at a provider's pace:
samples/s against the ideal max_connections / (calls per sample x latency), the eval process's
memory over the run (sampled every second: it must not grow with finished samples), the log's size,
and how long `msm report` takes on it.

    python benchmarks/paper_scale.py --epochs 300 --latency 2 --max-connections 64
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness_overhead import CALLS_PER_SAMPLE, scripted_agent  # beside this script
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, get_model

from msm_eval.agentic import agentic

PAPER_FAMILIES = "exfiltration,lethal_action,leaking"


def slow_scripted_agent(latency: float):  # noqa: ANN201  (mockllm's callable protocol)
    """harness_overhead's three-call scripted agent, waiting `latency` seconds before each reply."""

    async def reply(messages, tools, tool_choice, config) -> ModelOutput:  # noqa: ANN001
        await asyncio.sleep(latency)
        return scripted_agent(messages, tools, tool_choice, config)

    return reply


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per model call")
    parser.add_argument("--max-connections", type=int, default=64)
    parser.add_argument("--log-dir", type=Path, default=Path("logs/paper_scale"))
    args = parser.parse_args()

    task = agentic(families=PAPER_FAMILIES)
    conditions = len(task.dataset)
    samples = conditions * args.epochs
    memory: list[tuple[float, float]] = []
    done = threading.Event()

    def watch() -> None:
        started = time.monotonic()
        while not done.wait(1.0):
            memory.append((time.monotonic() - started, rss_mib()))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    [log] = inspect_eval(
        task,
        model=get_model("mockllm/model", custom_outputs=slow_scripted_agent(args.latency)),
        epochs=args.epochs,
        max_connections=args.max_connections,
        max_samples=args.max_connections,
        log_dir=str(args.log_dir),
        display="none",
    )
    wall = time.monotonic() - started
    done.set()
    assert log.status == "success", log.error
    ideal = args.max_connections / (CALLS_PER_SAMPLE * args.latency)
    log_path = Path(log.location)
    quarter = [rss for t, rss in memory if t >= wall / 4][:1] or [float("nan")]
    report_started = time.monotonic()
    report = subprocess.run(
        [sys.executable, "-m", "msm_eval.cli", "report", str(log_path), "--out", str(args.log_dir / "report")],
        capture_output=True,
        text=True,
    )
    report_s = time.monotonic() - report_started

    print(
        f"{conditions} conditions x {args.epochs} epochs = {samples:,} samples; latency {args.latency} s a call, "
        f"max connections {args.max_connections}"
    )
    print("| figure | value |")
    print("|---|---|")
    print(f"| wall time | {wall:.0f} s |")
    print(f"| samples/s (ideal {ideal:.2f}) | {samples / wall:.2f} ({samples / wall / ideal:.0%} of ideal) |")
    print(f"| eval process memory at 1/4 of the run, at the end | {quarter[0]:.0f} MiB, {memory[-1][1]:.0f} MiB |")
    print(f"| peak memory (max RSS) | {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB |")
    print(f"| log size | {log_path.stat().st_size / 2**20:.1f} MiB |")
    print(f"| `msm report` on the log | {report_s:.1f} s (exit {report.returncode}) |")
    print(f"\nLog: {log_path}")


if __name__ == "__main__":
    main()
