"""Validation of the world a family declares in scenario.yaml: its own tools, resources, an answer
key, reactions, and the rule forms that read them (state, order, replies).

Everything here checks raw YAML before any condition is rendered and raises UserError naming the
file and field; scenarios/README.md documents the format.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from msm_common.errors import UserError
from solvers import TOOLBOX
from solvers._conditions import RULE_OPERATORS
from solvers._world import ARGUMENT_TYPES, EFFECTS, effect_problem

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
TOOL_FIELDS = {"name", "description", "arguments", "effect"}
ARGUMENT_FIELDS = {"type", "description", "enum", "required"}
RESOURCE_FIELDS = {"name", "value", "min", "max", "description"}
ANSWER_FIELDS = {"id", "question", "answer"}
REACTION_FIELDS = {"id", "trigger", "turns", "action", "times", "deliver", "text", "template"}
TRIGGERS = ("action", "turns", "end")
DELIVERIES = ("user", "email")
STATE_FIELDS = {
    "file": ({"path"}, {"deleted", "changed", "contains", "lacks"}),
    "config": ({"path", "key"}, {"changed", "equals", "not_equals"}),
    "resource": ({"name"}, {"above_start", "above", "below"}),
    "answers": (set(), {"correct_below", "submitted_at_least", "submitted_below"}),
}


def fail(path: Path, field_name: str, message: str) -> UserError:
    return UserError(f"{path}: field '{field_name}': {message}")


def _mapping(value: Any, path: Path, where: str, allowed: set[str], required: set[str] = frozenset()) -> dict:  # type: ignore[assignment]
    if not isinstance(value, dict):
        raise fail(path, where, f"expected a mapping with {', '.join(sorted(allowed))}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise fail(path, f"{where}.{unknown[0]}", f"unknown field; allowed: {', '.join(sorted(allowed))}")
    for name in sorted(required):
        if value.get(name) in (None, ""):
            raise fail(path, f"{where}.{name}", "missing")
    return value


def parse_tools(raw: Any, path: Path, folder: Path) -> tuple[list[str], list[dict[str, Any]], dict[str, list[str]]]:
    """(tool names in order, declared tool specs, argument names per tool)."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise fail(path, "tools", "expected a list of built-in tool names or tool declarations")
    names: list[str] = []
    declared: list[dict[str, Any]] = []
    arguments: dict[str, list[str]] = {}
    for index, item in enumerate(raw):
        where = f"tools[{index}]"
        if isinstance(item, str):
            if item not in TOOLBOX:
                raise fail(
                    path,
                    "tools",
                    f"unknown tool {item!r}; built-in tools: {', '.join(sorted(TOOLBOX))} (or declare one)",
                )
            name = item
            arguments[name] = TOOLBOX[name].arguments
        else:
            spec = _declared_tool(item, path, where, folder)
            name = spec["name"]
            declared.append(spec)
            arguments[name] = list(spec["arguments"])
        if name in names:
            raise fail(path, where, f"tool {name!r} is listed twice")
        names.append(name)
    return names, declared, arguments


def _declared_tool(item: Any, path: Path, where: str, folder: Path) -> dict[str, Any]:
    spec = _mapping(item, path, where, TOOL_FIELDS, {"name", "description", "arguments", "effect"})
    name = spec["name"]
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise fail(path, f"{where}.name", "expected a lowercase identifier such as 'edit_config'")
    if name in TOOLBOX:
        raise fail(path, f"{where}.name", f"{name!r} is a built-in tool; list it by name or choose another name")
    if not isinstance(spec["description"], str):
        raise fail(path, f"{where}.description", "expected a string")
    args = spec["arguments"]
    if not isinstance(args, dict) or not args:
        raise fail(path, f"{where}.arguments", "expected a mapping of argument name to {type, description}")
    for arg_name, arg in args.items():
        at = f"{where}.arguments.{arg_name}"
        if not isinstance(arg_name, str) or not IDENTIFIER.match(arg_name):
            raise fail(path, at, "argument names are lowercase identifiers")
        _mapping(arg, path, at, ARGUMENT_FIELDS, {"description"})
        if arg.get("type", "string") not in ARGUMENT_TYPES:
            raise fail(path, f"{at}.type", f"{arg.get('type')!r} is not allowed; allowed: {', '.join(ARGUMENT_TYPES)}")
        enum = arg.get("enum")
        if enum is not None and (not isinstance(enum, list) or not enum or not all(isinstance(v, str) for v in enum)):
            raise fail(path, f"{at}.enum", "expected a list of strings")
        if "required" in arg and not isinstance(arg["required"], bool):
            raise fail(path, f"{at}.required", "expected true or false")
    if not any(arg.get("required", True) for arg in args.values()):
        raise fail(
            path,
            f"{where}.arguments",
            "give the tool at least one required argument (small models' tool calls need one)",
        )
    effect = spec["effect"]
    if not isinstance(effect, dict):
        raise fail(path, f"{where}.effect", f"expected a mapping with kind (one of {', '.join(EFFECTS)})")
    problem = effect_problem(spec)
    if problem:
        raise fail(path, f"{where}.effect", problem)
    if effect["kind"] == "run_command":
        output = effect.get("output")
        if not isinstance(output, str) or not (folder / output).is_file():
            raise fail(
                path,
                f"{where}.effect.output",
                f"expected the name of a template file in {folder} (the command's output)",
            )
    return spec


def parse_conditions(when: Any, where: str, path: Path, tool: str, arguments: dict[str, list[str]]) -> dict[str, Any]:
    if when is None:
        return {}
    if not isinstance(when, dict):
        raise fail(path, where, "expected a mapping of argument name to conditions")
    for arg, conditions in when.items():
        if arg not in arguments[tool]:
            raise fail(
                path, f"{where}.{arg}", f"tool {tool!r} has no argument {arg!r}; allowed: {', '.join(arguments[tool])}"
            )
        if not isinstance(conditions, dict) or not conditions:
            raise fail(
                path,
                f"{where}.{arg}",
                f"expected a mapping of operator to value; operators: {', '.join(RULE_OPERATORS)}",
            )
        for op in conditions:
            if op not in RULE_OPERATORS:
                raise fail(path, f"{where}.{arg}.{op}", f"unknown operator; allowed: {', '.join(RULE_OPERATORS)}")
    return when


def tool_condition(raw: Any, where: str, path: Path, arguments: dict[str, list[str]]) -> dict[str, Any]:
    """A {tool, when} condition (reaction triggers and a rule's `after`)."""
    spec = _mapping(raw, path, where, {"tool", "when"}, {"tool"})
    if spec["tool"] not in arguments:
        raise fail(
            path, f"{where}.tool", f"tool {spec['tool']!r} is not in this family's tools ({', '.join(arguments)})"
        )
    return {
        "tool": spec["tool"],
        "when": parse_conditions(spec.get("when"), f"{where}.when", path, spec["tool"], arguments),
    }


def parse_state(raw: Any, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw:
        raise fail(path, where, f"expected a mapping with one or more of {', '.join(STATE_FIELDS)}")
    for kind, spec in raw.items():
        if kind not in STATE_FIELDS:
            raise fail(path, f"{where}.{kind}", f"unknown state check; allowed: {', '.join(STATE_FIELDS)}")
        required, optional = STATE_FIELDS[kind]
        _mapping(spec, path, f"{where}.{kind}", required | optional, required)
        if not set(spec) & optional:
            raise fail(path, f"{where}.{kind}", f"say what must hold: one of {', '.join(sorted(optional))}")
    return raw


def parse_resources(raw: Any, path: Path) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise fail(path, "environment.resources", "expected a list of {name, value, min, max}")
    names = set()
    for index, item in enumerate(raw):
        where = f"environment.resources[{index}]"
        _mapping(item, path, where, RESOURCE_FIELDS, {"name"})
        for key in ("value", "min", "max"):
            if key in item and (isinstance(item[key], bool) or not isinstance(item[key], int | float)):
                raise fail(path, f"{where}.{key}", "expected a number")
        if "value" not in item:
            raise fail(path, f"{where}.value", "missing (the starting level)")
        if item["name"] in names:
            raise fail(path, f"{where}.name", f"resource {item['name']!r} is declared twice")
        names.add(item["name"])
    return raw


def parse_answer_key(raw: Any, path: Path) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise fail(path, "environment.answer_key", "expected a list of {id, question, answer}")
    ids = set()
    for index, item in enumerate(raw):
        where = f"environment.answer_key[{index}]"
        _mapping(item, path, where, ANSWER_FIELDS, {"id", "answer"})
        if str(item["id"]).casefold() in ids:
            raise fail(path, f"{where}.id", f"question id {item['id']!r} is used twice")
        ids.add(str(item["id"]).casefold())
    return raw


def parse_reactions(raw: Any, path: Path, folder: Path, arguments: dict[str, list[str]]) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise fail(path, "reactions", "expected a list of reactions")
    seen = set()
    for index, item in enumerate(raw):
        where = f"reactions[{index}]"
        _mapping(item, path, where, REACTION_FIELDS, {"id", "trigger", "deliver"})
        if not IDENTIFIER.match(str(item["id"])) or item["id"] in seen:
            raise fail(path, f"{where}.id", "expected a unique lowercase identifier")
        seen.add(item["id"])
        if item["trigger"] not in TRIGGERS:
            raise fail(path, f"{where}.trigger", f"{item['trigger']!r} is not allowed; allowed: {', '.join(TRIGGERS)}")
        if item["trigger"] == "action":
            item["action"] = tool_condition(item.get("action"), f"{where}.action", path, arguments)
        if item["trigger"] == "turns" and (
            isinstance(item.get("turns"), bool) or not isinstance(item.get("turns"), int) or item["turns"] < 1
        ):
            raise fail(path, f"{where}.turns", "expected a whole number of turns, at least 1")
        times = item.get("times", 1)
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise fail(path, f"{where}.times", "expected a whole number, at least 1")
        if item["deliver"] not in DELIVERIES:
            raise fail(
                path, f"{where}.deliver", f"{item['deliver']!r} is not allowed; allowed: {', '.join(DELIVERIES)}"
            )
        if item["deliver"] == "email" and "template" not in item:
            raise fail(path, f"{where}.template", "an email reaction needs a template file with a from/subject header")
        if ("text" in item) == ("template" in item):
            raise fail(path, where, "give exactly one of text (the message) or template (a file in the folder)")
        if "template" in item and not (folder / str(item["template"])).is_file():
            raise fail(path, f"{where}.template", f"file {item['template']!r} not found in {folder}")
    return raw
