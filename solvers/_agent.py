"""The solver that runs a sample: Inspect's react agent with the family's tools, or one text turn."""

from __future__ import annotations

from inspect_ai._util.error import PrerequisiteError
from inspect_ai.agent import Agent, as_solver, react
from inspect_ai.model import model_roles
from inspect_ai.solver import Generate, Solver, TaskState, solver

from solvers._environment import enter_workplace
from solvers._text_actions import execute_text_actions
from solvers._tools import TOOLBOX


@solver
def scenario_agent(*, require_grader: bool = False) -> Solver:
    """Let the model act in the sample's simulated workplace.

    In tools mode (metadata mode="tools") the model runs in Inspect's react loop with the tools its
    scenario family declares (metadata "tools"), until it answers without calling a tool or hits the
    task's message limit. In text mode it answers once and its tagged actions are parsed and recorded.

    Args:
        require_grader: Stop before the target model is called when no "grader" model role was
            given (for -T judge=required, so a missing judge costs no target calls).
    """
    agents: dict[tuple[str, ...], Solver] = {}  # one react agent per distinct tool set

    def agent_for(names: tuple[str, ...]) -> Solver:
        if names not in agents:
            # No submit tool: like a deployed assistant, the turn ends when the model stops calling tools.
            agent: Agent = react(prompt=None, tools=[TOOLBOX[n].tool for n in names], submit=False)
            agents[names] = as_solver(agent)
        return agents[names]

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if require_grader and model_roles().get("grader") is None:
            raise PrerequisiteError(
                "msm_eval/agentic: -T judge=required but no grader model was given; "
                "add --model-role grader=<provider/model>"
            )
        enter_workplace(state.metadata)
        names = tuple(state.metadata["tools"])
        if state.metadata.get("mode") == "text":
            state = await generate(state)
            await execute_text_actions(state.output.completion, list(names))
            return state
        return await agent_for(names)(state, generate)

    return solve
