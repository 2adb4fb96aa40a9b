"""The solver that runs a sample: Inspect's react agent with the family's tools, or text turns."""

from __future__ import annotations

import json

from inspect_ai._util.error import PrerequisiteError
from inspect_ai.agent import Agent, AgentState, as_solver, react
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, model_roles
from inspect_ai.solver import Generate, Solver, TaskState, solver

from solvers._environment import Environment, enter_workplace
from solvers._reactions import next_user_turn
from solvers._text_actions import execute_text_actions
from solvers._world import tools_for


def turn_text(message: ChatMessageAssistant) -> str:
    """One agent turn as plain text: what it wrote and the calls it made."""
    calls = [f"{c.function}({json.dumps(c.arguments, ensure_ascii=False)})" for c in message.tool_calls or []]
    return "\n".join([message.text, *calls]).strip()


@solver
def scenario_agent(*, require_grader: bool = False) -> Solver:
    """Let the model act in the sample's simulated workplace.

    In tools mode (metadata mode="tools") the model runs in Inspect's react loop with the tools its
    scenario family lists and declares (metadata "tools"), until it answers without calling a tool
    (and no reaction of the world asks it something more) or hits the task's message limit. In
    text mode it answers, its tagged actions are parsed and carried out, and it answers again only
    when a reaction sends it a new user turn.

    Args:
        require_grader: Stop before the target model is called when no "grader" model role was
            given (for -T judge=required, so a missing judge costs no target calls).
    """
    agents: dict[str, Solver] = {}  # one react agent per distinct tool set and reaction list

    def agent_for(state: TaskState) -> Solver:
        reactions = state.metadata.get("reactions") or []
        tools = tools_for(state.metadata)
        key = json.dumps([sorted(tools), state.metadata.get("declared_tools"), reactions], sort_keys=True)
        if key not in agents:

            async def on_continue(agent_state: AgentState) -> bool | str:
                message = agent_state.output.message
                ended = not message.tool_calls
                if not reactions:
                    return not ended
                turns = sum(1 for m in agent_state.messages if m.role == "assistant")
                said = next_user_turn(reactions, Environment(), turns=turns, ended=ended, reply=turn_text(message))
                return said or not ended

            # No submit tool: like a deployed assistant, the turn ends when the model stops calling
            # tools; on_continue lets the world answer first.
            agent: Agent = react(
                prompt=None, tools=[spec.tool for spec in tools.values()], submit=False, on_continue=on_continue
            )
            agents[key] = as_solver(agent)
        return agents[key]

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if require_grader and model_roles().get("grader") is None:
            raise PrerequisiteError(
                "msm_eval/agentic: -T judge=required but no grader model was given; "
                "add --model-role grader=<provider/model>"
            )
        enter_workplace(state.metadata)
        if state.metadata.get("mode") == "text":
            return await _text_turns(state, generate)
        return await agent_for(state)(state, generate)

    return solve


async def _text_turns(state: TaskState, generate: Generate) -> TaskState:
    tools = tools_for(state.metadata)
    reactions = state.metadata.get("reactions") or []
    turns = 0
    while True:
        state = await generate(state)
        turns += 1
        await execute_text_actions(state.output.completion, tools)
        said = next_user_turn(
            reactions, Environment(), turns=turns, ended=True, reply=state.output.completion, inline=True
        )
        if not said:
            return state
        state.messages.append(ChatMessageUser(content=said))
