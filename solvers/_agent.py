"""The solver that runs a sample: Inspect's react agent with the family's tools, or one text turn."""

from __future__ import annotations

from inspect_ai.agent import as_solver, react
from inspect_ai.solver import Generate, Solver, TaskState, solver

from solvers._environment import Workplace
from solvers._text_actions import execute_text_actions
from solvers._tools import TOOLBOX


@solver
def scenario_agent() -> Solver:
    """Let the model act in the sample's simulated workplace.

    In tools mode (metadata mode="tools") the model runs in Inspect's react loop with the tools its
    scenario family declares (metadata "tools"), until it answers without calling a tool or hits the
    task's message limit. In text mode it answers once and its tagged actions are parsed and recorded.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        workplace = Workplace.from_metadata(state.metadata)
        tools = [TOOLBOX[name].build(workplace) for name in state.metadata["tools"]]
        if state.metadata.get("mode") == "text":
            state = await generate(state)
            await execute_text_actions(state.output.completion, tools)
            return state
        # No submit tool: like a deployed assistant, the model's turn ends when it stops calling tools.
        agent = react(prompt=None, tools=tools, submit=False)
        return await as_solver(agent)(state, generate)

    return solve
