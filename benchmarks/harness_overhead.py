"""What the agentic harness costs over a bare Inspect task making the same number of model calls.

All runs use a zero-latency scripted mockllm, so the difference is the harness itself. Three runs:
- bare: the same inputs through a plain generate() loop, same number of model calls (the floor);
- react: Inspect's own react agent with the same tools and the same scripted calls, but no
  scenario machinery (what any tool-using Inspect agent costs);
- harness: `msm_eval/agentic` itself (grid rendering, workplace, tools, detectors, scorer, metrics).
Times are the process's CPU time (stable on a shared machine; this work is CPU-bound and
single-process), best of several repeats; samples/s is computed from it.

    python benchmarks/harness_overhead.py [--repeats 3] [--families a,b] [--reference REV]

--families defaults to the four classic families (36 samples), so figures stay comparable as
families are added. --reference REV also times the harness of an earlier git revision on the same
work, in the same run (a worktree of REV imported in a subprocess), and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.agent import react
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageUser, ModelOutput, get_model
from inspect_ai.scorer import includes
from inspect_ai.solver import Generate, Solver, TaskState, solver

from msm_eval.agentic import agentic
from solvers import TOOLBOX

CLASSIC_FAMILIES = "blackmail,leaking,lethal_action,exfiltration"

CALLS_PER_SAMPLE = 3  # read the inbox, send one email, final answer


def scripted_agent(messages, tools, tool_choice, config) -> ModelOutput:
    """Read the inbox, then send one harmless email, then stop: three calls per sample."""
    turn = sum(1 for m in messages if m.role == "assistant")
    if turn == 0:
        return ModelOutput.for_tool_call("mockllm/model", "read_inbox", {"folder": "inbox"})
    if turn == 1:
        return ModelOutput.for_tool_call(
            "mockllm/model", "send_email", {"to": "someone@example.org", "subject": "hi", "body": "Noted."}
        )
    return ModelOutput.from_content("mockllm/model", "All done.")


@solver
def repeated_generate(calls: int) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        for i in range(calls):
            state = await generate(state)
            if i < calls - 1:
                state.messages.append(ChatMessageUser(content="continue"))
        return state

    return solve


def bare_task(samples: list[Sample]) -> Task:
    """Same inputs and the same number of model calls, with no scenario machinery at all."""
    return Task(dataset=samples, solver=repeated_generate(CALLS_PER_SAMPLE), scorer=includes())


def react_task(samples: list[Sample]) -> Task:
    """Inspect's react agent with the harness's tools, without scenario rendering or scoring rules."""
    tools = [TOOLBOX[name].tool for name in ("read_inbox", "read_email", "send_email", "forward_email")]
    return Task(dataset=samples, solver=react(prompt=None, tools=tools, submit=False), scorer=includes())


def timed(make_task, model_factory, log_dir: str) -> tuple[float, int, int]:
    started = time.process_time()
    task = make_task()  # building the task (loading and rendering the grid) is part of the cost
    [log] = inspect_eval(task, model=model_factory(), log_dir=log_dir, display="none", log_samples=True)
    elapsed = time.process_time() - started
    assert log.status == "success", log.error
    calls = sum(1 for s in log.samples for m in s.messages if m.role == "assistant")
    return elapsed, len(log.samples), calls


def harness_seconds(families: str, repeats: int) -> tuple[float, int]:
    """Best CPU time of the harness on the families' default grid (what --reference runs)."""
    scripted = lambda: get_model("mockllm/model", custom_outputs=scripted_agent)  # noqa: E731
    best = None
    with tempfile.TemporaryDirectory() as log_dir:
        for _ in range(repeats):
            result = timed(lambda: agentic(families=families), scripted, log_dir)
            best = result if best is None else min(best, result)
    assert best is not None
    return best[0], best[1]


def reference_seconds(revision: str, families: str, repeats: int) -> tuple[float, int, str]:
    """The harness of an earlier revision timed on the same work, in a subprocess."""
    root = Path(__file__).resolve().parents[1]
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", revision], capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = Path(tempfile.mkdtemp(prefix="msm_reference_"))
    subprocess.run(
        ["git", "-C", str(root), "worktree", "add", "--detach", str(tree), commit], check=True, capture_output=True
    )
    try:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        code = (
            "import json, sys; sys.path.insert(0, sys.argv[1]);"
            "import benchmarks_harness as b;"
            "print(json.dumps(b.harness_seconds(sys.argv[2], int(sys.argv[3]))))"
        )
        # this file, imported under another name, drives the older package
        (tree / "benchmarks_harness.py").write_text(Path(__file__).read_text())
        out = subprocess.run(
            [sys.executable, "-c", code, str(tree), families, str(repeats)],
            env=env,
            capture_output=True,
            text=True,
            cwd=tree,
        )
        if out.returncode != 0:
            raise SystemExit(f"reference run at {commit} failed: {out.stderr.strip().splitlines()[-1]}")
        seconds, n = json.loads(out.stdout.strip().splitlines()[-1])
        return seconds, n, commit
    finally:
        subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--families", default=CLASSIC_FAMILIES)
    parser.add_argument("--reference", metavar="REV", help="also time the harness at this git revision")
    args = parser.parse_args()

    grid = agentic(families=args.families)
    samples = [Sample(id=s.id, input=s.input, target="done") for s in grid.dataset]
    scripted = lambda: get_model("mockllm/model", custom_outputs=scripted_agent)  # noqa: E731
    runs = {
        "bare generate loop (floor)": (lambda: bare_task(samples), lambda: get_model("mockllm/model")),
        "Inspect react + same tools": (lambda: react_task(samples), scripted),
        "msm_eval/agentic": (lambda: agentic(families=args.families), scripted),
    }
    best: dict[str, tuple[float, int, int]] = {}
    with tempfile.TemporaryDirectory() as log_dir:
        for _ in range(args.repeats):
            for name, (make_task, model) in runs.items():
                result = timed(make_task, model, log_dir)
                best[name] = min(best.get(name, result), result)
    floor = best["bare generate loop (floor)"][0]
    agent_floor = best["Inspect react + same tools"][0]
    print(f"families {args.families}: {len(samples)} samples; CPU seconds, best of {args.repeats}\n")
    print("| run | samples/s | model calls/s | CPU time (s) | x floor | x react |")
    print("|---|---|---|---|---|---|")
    for name, (seconds, n, calls) in best.items():
        print(
            f"| {name} | {n / seconds:.1f} | {calls / seconds:.1f} | {seconds:.2f} | "
            f"{seconds / floor:.2f} | {seconds / agent_floor:.2f} |"
        )
    harness = best["msm_eval/agentic"][0]
    print(f"\nharness / bare floor = {harness / floor:.2f} (goal: at most 1.25)")
    print(f"harness / react with the same tools = {harness / agent_floor:.2f}")
    if args.reference:
        seconds, n, commit = reference_seconds(args.reference, args.families, args.repeats)
        per_sample_now, per_sample_then = harness / len(samples), seconds / n
        print(
            f"harness now / harness at {commit} = {per_sample_now / per_sample_then:.2f} per sample "
            f"({per_sample_now * 1000:.1f} ms vs {per_sample_then * 1000:.1f} ms of CPU)"
        )


if __name__ == "__main__":
    main()
