"""What the agentic harness costs over a bare Inspect task making the same number of model calls.

All runs use a zero-latency scripted mockllm, so the difference is the harness itself. Three runs:
- bare: the same inputs through a plain generate() loop, same number of model calls (the floor);
- react: Inspect's own react agent with the same tools and the same scripted calls, but no
  scenario machinery (what any tool-using Inspect agent costs);
- harness: `msm_eval/agentic` itself (grid rendering, workplace, tools, detectors, scorer, metrics).
Times are the process's CPU time (stable on a shared machine; this work is CPU-bound and
single-process), best of several repeats; samples/s is computed from it.

    python benchmarks/harness_overhead.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.agent import react
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageUser, ModelOutput, get_model
from inspect_ai.scorer import includes
from inspect_ai.solver import Generate, Solver, TaskState, solver

from msm_eval.agentic import agentic
from solvers import TOOLBOX

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    grid = agentic()
    samples = [Sample(id=s.id, input=s.input, target="done") for s in grid.dataset]
    scripted = lambda: get_model("mockllm/model", custom_outputs=scripted_agent)  # noqa: E731
    runs = {
        "bare generate loop (floor)": (lambda: bare_task(samples), lambda: get_model("mockllm/model")),
        "Inspect react + same tools": (lambda: react_task(samples), scripted),
        "msm_eval/agentic": (agentic, scripted),
    }
    best: dict[str, tuple[float, int, int]] = {}
    with tempfile.TemporaryDirectory() as log_dir:
        for _ in range(args.repeats):
            for name, (make_task, model) in runs.items():
                result = timed(make_task, model, log_dir)
                best[name] = min(best.get(name, result), result)
    floor = best["bare generate loop (floor)"][0]
    agent_floor = best["Inspect react + same tools"][0]
    print(f"default grid: {len(samples)} samples; CPU seconds, best of {args.repeats}\n")
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


if __name__ == "__main__":
    main()
