"""The agent loop, the simulated environment and its tools, and the text-action parser."""

from solvers._agent import scenario_agent
from solvers._environment import Environment, Workplace, current_workplace, enter_workplace
from solvers._text_actions import describe_tools, execute_text_actions, parse_actions
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
    "ToolSpec",
    "current_workplace",
    "describe_tools",
    "enter_workplace",
    "execute_text_actions",
    "forward_email",
    "list_files",
    "override_alert",
    "parse_actions",
    "read_email",
    "read_file",
    "read_inbox",
    "scenario_agent",
    "send_email",
    "transfer_files",
    "Workplace",
]
