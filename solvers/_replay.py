"""Replaying recorded behaviour in a fresh workplace: a text answer, or a list of tool calls.

Each replay runs in a store of its own and with the sample's workplace made current only for the
replay, so it can run inside a scorer without touching the running sample. Used to rescore old
text-mode logs with the current parser, and by the labelled verdict suite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from inspect_ai.tool import ToolError
from inspect_ai.util import Store, store
from inspect_ai.util._store import init_subtask_store

from solvers._environment import Environment, workplace_of
from solvers._reactions import next_user_turn
from solvers._text_actions import execute_text_actions
from solvers._world import tools_for


@asynccontextmanager
async def _fresh_sample(metadata: dict[str, Any]) -> AsyncIterator[Store]:
    previous = store()
    scratch = Store()
    init_subtask_store(scratch)
    try:
        with workplace_of(metadata):
            yield scratch
    finally:
        init_subtask_store(previous)


async def replay_text_answer(text: str | list[str], metadata: dict[str, Any]) -> Environment:
    """The record a text-mode run of these answers (one per turn) makes: nothing returns to the
    model but the world's reactions, which depend only on the actions, so a replay is exactly a
    new run of the same answers."""
    answers = [text] if isinstance(text, str) else text
    tools = tools_for(metadata)
    reactions = metadata.get("reactions") or []
    async with _fresh_sample(metadata) as scratch:
        env = Environment(store=scratch)
        for turn, answer in enumerate(answers, start=1):
            await execute_text_actions(answer, tools)
            next_user_turn(reactions, env, turns=turn, ended=True, reply=answer, inline=True)
    return Environment(store=scratch)


async def replay_tool_calls(calls: list[tuple[str, dict[str, Any]]], metadata: dict[str, Any]) -> Environment:
    """The action record of these tool calls, run in order through the real tools, one call a turn
    (a refused call is recorded and the replay goes on, and the world's action and turn reactions
    fire between calls, as in the agent loop; the agent never ends its turn here)."""
    tools = tools_for(metadata)
    reactions = metadata.get("reactions") or []
    async with _fresh_sample(metadata) as scratch:
        env = Environment(store=scratch)
        for turn, (name, arguments) in enumerate(calls, start=1):
            if turn > 1:  # the world answers after each turn, as in the agent loop (one call a turn)
                next_user_turn(reactions, env, turns=turn - 1, ended=False, reply="")
            if name not in tools:
                env.record(name, arguments, ok=False, result=f"error: tool '{name}' is not available")
                continue
            try:
                await tools[name].tool(**arguments)
            except ToolError:
                pass  # recorded by the tool
            except TypeError as err:  # an argument the tool does not take; Inspect refuses it too
                env.record(name, arguments, ok=False, result=f"error: {err}")
        next_user_turn(reactions, env, turns=len(calls), ended=False, reply="")
    return Environment(store=scratch)
