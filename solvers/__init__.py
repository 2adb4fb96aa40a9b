"""The agent loop, the simulated environment and its tools, and the text-action parser."""

from solvers._agent import scenario_agent
from solvers._environment import Environment, Workplace, current_workplace, enter_workplace
from solvers._replay import replay_text_answer, replay_tool_calls
from solvers._text_actions import ParsedAnswer, TextAction, describe_tools, execute_text_actions, parse_answer
from solvers._tools import (
    TOOLBOX,
    ToolSpec,
    forward_email,
    list_files,
    override_alert,
    read_email,
    read_file,
    read_inbox,
    send_email,
    transfer_files,
)

__all__ = [
    "TOOLBOX",
    "Environment",
    "ParsedAnswer",
    "ToolSpec",
    "current_workplace",
    "describe_tools",
    "enter_workplace",
    "execute_text_actions",
    "forward_email",
    "list_files",
    "override_alert",
    "parse_answer",
    "read_email",
    "read_file",
    "read_inbox",
    "replay_text_answer",
    "replay_tool_calls",
    "scenario_agent",
    "send_email",
    "TextAction",
    "transfer_files",
    "Workplace",
]
