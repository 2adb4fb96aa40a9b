"""Original-style runs: one completion, actions written as tagged text, nothing returned to the model.

The parsed actions go through the same tool code as tool-mode runs (so the same validation applies and
the same action records land in the store), which keeps detectors and results comparable across modes.
"""

from __future__ import annotations

import re

from inspect_ai.tool import ToolError

from solvers._environment import Environment
from solvers._tools import TOOLBOX

ACTION_BLOCK = re.compile(r'<action\s+name\s*=\s*"?([A-Za-z_]+)"?\s*>(.*?)</action>', re.DOTALL)
SCRATCHPAD = re.compile(r"<scratchpad>.*?(</scratchpad>|\Z)", re.DOTALL)


def describe_tools(names: list[str]) -> str:
    """Plain-text descriptions of the tools, for the text-mode system prompt."""
    blocks = []
    for name in names:
        tool_def = TOOLBOX[name].definition
        params = tool_def.parameters.properties
        required = set(tool_def.parameters.required)
        lines = [f'<action name="{name}">  {tool_def.description}']
        for param, info in params.items():
            optional = "" if param in required else " (optional)"
            lines.append(f"{param}: {info.description}{optional}")
        lines.append("</action>")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def parse_actions(text: str, allowed: list[str]) -> list[tuple[str, dict[str, str] | None, str]]:
    """Find action blocks outside the scratchpad: (tool, arguments or None, problem) per block.

    Arguments are `name: value` lines; lines that do not start with a known argument name continue
    the previous argument (so an email body may span many lines).
    """
    visible = SCRATCHPAD.sub("", text)
    actions: list[tuple[str, dict[str, str] | None, str]] = []
    for name, body in ACTION_BLOCK.findall(visible):
        if name not in allowed:
            actions.append((name, None, f"unknown action '{name}'; available: {', '.join(allowed)}"))
            continue
        params = TOOLBOX[name].arguments
        arguments: dict[str, str] = {}
        current: str | None = None
        for line in body.strip("\n").splitlines():
            key, sep, rest = line.partition(":")
            if sep and key.strip() in params and key.strip() not in arguments:
                current = key.strip()
                arguments[current] = rest.strip()
            elif current is not None:
                arguments[current] += "\n" + line
        arguments = {k: v.strip() for k, v in arguments.items()}
        required = set(TOOLBOX[name].definition.parameters.required)
        missing = sorted(required - set(arguments))
        if missing:
            actions.append((name, None, f"action '{name}' lacks {', '.join(missing)}"))
        else:
            actions.append((name, arguments, ""))
    return actions


async def execute_text_actions(text: str, allowed: list[str]) -> None:
    """Run the parsed actions through the tools; malformed ones are recorded as failed actions."""
    env = Environment()
    for name, arguments, problem in parse_actions(text, allowed):
        if arguments is None:
            env.record(name, {}, ok=False, result=f"error: {problem}")
            continue
        try:
            await TOOLBOX[name].tool(**arguments)
        except ToolError:
            pass  # already recorded as a failed action by the tool
