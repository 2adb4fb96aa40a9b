"""The paper's grid at its size: 27 conditions x N epochs through msm_eval/agentic with a slow model.

The model is a scripted agent that waits a fixed latency per call (three calls per sample: read
the inbox, send one harmless email, answer), so the run measures the harness at a provider's pace:
samples/s against the ideal max_connections / (calls per sample x latency), the eval process's
memory over the run (sampled every second: it must not grow with finished samples), the log's size,
and how long `msm report` takes on it.

    python benchmarks/paper_scale.py --epochs 300 --latency 2 --max-connections 64

With --interrupt-after S the eval runs in a child process that is killed (SIGKILL, as a crash or
a lost machine would) S seconds in; `inspect_ai.eval_retry` then completes the log, and the script
checks that every (condition, epoch) is in it exactly once, scored.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness_overhead import CALLS_PER_SAMPLE, scripted_agent  # beside this script
from inspect_ai import eval as inspect_eval
from inspect_ai import eval_retry
from inspect_ai.log import list_eval_logs, read_eval_log_sample_summaries
from inspect_ai.model import GenerateConfig, ModelAPI, ModelOutput, get_model, modelapi

from msm_eval.agentic import agentic

PAPER_FAMILIES = "exfiltration,lethal_action,leaking"
SCORER = "misalignment_scorer"


class SlowScriptedAPI(ModelAPI):
    """harness_overhead's three-call scripted agent, waiting `latency` seconds before each reply.

    A registered provider rather than mockllm's custom_outputs, so that `eval_retry` can rebuild it
    from the log (model name and `latency` model arg).
    """

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig | None = None, latency: float = 2.0, **model_args: Any) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())
        self.latency = float(latency)

    async def generate(self, input, tools, tool_choice, config) -> ModelOutput:  # noqa: ANN001
        await asyncio.sleep(self.latency)
        return scripted_agent(input, tools, tool_choice, config)


@modelapi(name="slowscripted")
def slow_scripted() -> type[ModelAPI]:
    return SlowScriptedAPI


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_eval(args: argparse.Namespace) -> Any:
    [log] = inspect_eval(
        agentic(families=PAPER_FAMILIES),
        model=get_model("slowscripted/agent", latency=args.latency),
        epochs=args.epochs,
        max_connections=args.max_connections,
        max_samples=args.max_connections,
        log_dir=str(args.log_dir),
        display="none",
        # Inspect's own switches for large runs: no live sample view, no metrics while running
        log_realtime=not args.no_log_realtime,
        score_display=not args.no_score_display,
    )
    return log


def check_exactly_once(log_path: str, expected: int) -> tuple[int, int, int]:
    """(samples in the log, distinct (id, epoch) pairs, samples without a score)."""
    summaries = read_eval_log_sample_summaries(log_path)
    keys = {(s.id, s.epoch) for s in summaries}
    unscored = sum(1 for s in summaries if not s.scores or SCORER not in s.scores)
    assert len(keys) == len(summaries) == expected and unscored == 0, (len(summaries), len(keys), unscored)
    return len(summaries), len(keys), unscored


def interrupted_run(args: argparse.Namespace, samples: int) -> None:
    """Kill a child eval S seconds in, then complete its log with eval_retry and check it."""
    command = [sys.executable, __file__, "--child", "--epochs", str(args.epochs), "--latency", str(args.latency),
               "--max-connections", str(args.max_connections), "--log-dir", str(args.log_dir),
               *(["--no-log-realtime"] if args.no_log_realtime else []),
               *(["--no-score-display"] if args.no_score_display else [])]
    child = subprocess.Popen(command)
    time.sleep(args.interrupt_after)
    child.send_signal(signal.SIGKILL)
    child.wait()
    [info] = list_eval_logs(str(args.log_dir))
    before = read_eval_log_sample_summaries(info)
    started = time.monotonic()
    [log] = eval_retry(info, log_dir=str(args.log_dir), max_connections=args.max_connections,
                       max_samples=args.max_connections, display="none")
    retry_s = time.monotonic() - started
    assert log.status == "success", log.error
    in_log, distinct, unscored = check_exactly_once(log.location, samples)
    print(f"killed after {args.interrupt_after:.0f} s with {len(before):,} of {samples:,} samples in its log; "
          f"eval_retry ran the other {samples - len(before):,} in {retry_s:.0f} s")
    print(f"retried log: {in_log:,} samples, {distinct:,} distinct (id, epoch), {unscored} unscored: "
          "every sample exactly once")
    print(f"Log: {log.location}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per model call")
    parser.add_argument("--max-connections", type=int, default=64)
    parser.add_argument("--log-dir", type=Path, default=Path("logs/paper_scale"))
    parser.add_argument("--interrupt-after", type=float, default=None,
                        help="kill the eval this many seconds in, then complete it with eval_retry")
    parser.add_argument("--no-log-realtime", action="store_true",
                        help="Inspect's --no-log-realtime: no live view of running samples")
    parser.add_argument("--no-score-display", action="store_true",
                        help="Inspect's --no-score-display: no metrics recomputed while running")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_eval(args)
        return

    conditions = len(agentic(families=PAPER_FAMILIES).dataset)
    samples = conditions * args.epochs
    if args.interrupt_after is not None:
        if list(args.log_dir.glob("*.eval")):
            parser.error(f"--log-dir {args.log_dir} already holds logs; give an empty folder")
        interrupted_run(args, samples)
        return

    memory: list[tuple[float, float]] = []
    done = threading.Event()

    def watch() -> None:
        started = time.monotonic()
        while not done.wait(1.0):
            memory.append((time.monotonic() - started, rss_mib()))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    log = run_eval(args)
    wall = time.monotonic() - started
    done.set()
    assert log.status == "success", log.error
    ideal = args.max_connections / (CALLS_PER_SAMPLE * args.latency)
    log_path = Path(log.location)
    quarter = [rss for t, rss in memory if t >= wall / 4][:1] or [float("nan")]
    half = [rss for t, rss in memory if t >= wall / 2][:1] or [float("nan")]
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
        + (", --no-log-realtime" if args.no_log_realtime else "")
        + (", --no-score-display" if args.no_score_display else "")
    )
    print("| figure | value |")
    print("|---|---|")
    print(f"| wall time | {wall:.0f} s |")
    print(f"| samples/s (ideal {ideal:.2f}) | {samples / wall:.2f} ({samples / wall / ideal:.0%} of ideal) |")
    print(f"| eval process memory at 1/4, 1/2 and the end of the run | {quarter[0]:.0f}, {half[0]:.0f}, "
          f"{memory[-1][1]:.0f} MiB |")
    print(f"| peak memory (max RSS) | {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB |")
    print(f"| log size | {log_path.stat().st_size / 2**20:.1f} MiB |")
    print(f"| `msm report` on the log | {report_s:.1f} s (exit {report.returncode}) |")
    if report.returncode:
        print(report.stderr[-2000:])
    print(f"\nLog: {log_path}")


if __name__ == "__main__":
    main()
