"""What the agentic harness costs over a bare Inspect task making the same number of model calls.

Both runs use a zero-latency scripted mockllm, so the difference is the harness itself: rendering the
scenario grid, the simulated environment and tools, the react loop and the scorer. Each run is
repeated and the best time kept (the machine is shared; the best is the least disturbed).

    python benchmarks/harness_overhead.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from inspect_ai import Task, eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageUser, ModelOutput, get_model
from inspect_ai.scorer import includes
from inspect_ai.solver import Generate, Solver, TaskState, solver

from msm_eval.agentic import agentic

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


def timed(make_task, model_factory, log_dir: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    task = make_task()  # building the task (loading and rendering the grid) is part of the cost
    [log] = inspect_eval(task, model=model_factory(), log_dir=log_dir, display="none", log_samples=True)
    elapsed = time.perf_counter() - started
    assert log.status == "success", log.error
    calls = sum(1 for s in log.samples for m in s.messages if m.role == "assistant")
    return elapsed, len(log.samples), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    grid = agentic()
    samples = [Sample(id=s.id, input=s.input, target="done") for s in grid.dataset]
    with tempfile.TemporaryDirectory() as log_dir:
        harness, bare = [], []
        for _ in range(args.repeats):
            harness.append(timed(agentic, lambda: get_model("mockllm/model", custom_outputs=scripted_agent), log_dir))
            bare.append(timed(lambda: bare_task(samples), lambda: get_model("mockllm/model"), log_dir))
    h_time, n, h_calls = min(harness)
    b_time, _, b_calls = min(bare)
    print(f"default grid: {n} samples, {h_calls} model calls (harness) / {b_calls} (bare); best of {args.repeats}\n")
    print("| run | samples/s | model calls/s | time (s) |")
    print("|---|---|---|---|")
    print(f"| bare Inspect task (floor) | {n / b_time:.1f} | {b_calls / b_time:.1f} | {b_time:.2f} |")
    print(f"| msm_eval/agentic | {n / h_time:.1f} | {h_calls / h_time:.1f} | {h_time:.2f} |")
    print(f"\nharness time / bare time = {h_time / b_time:.2f} (goal: at most 1.25)")


if __name__ == "__main__":
    main()
