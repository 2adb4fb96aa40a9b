"""Tools a scenario declares in its files, built from a small set of effect kinds.

A family's scenario.yaml may list, beside the built-in tools, tools of its own: a name, a
description, typed arguments, and an effect (EFFECTS below). Each effect parameter comes from the
call's argument of the same name, or is fixed in the declaration (`effect: {kind: set_config, path:
/etc/monitor.yaml}` leaves `key` and `value` to the call). Effects act on the sample's writable
world in the Environment store (files, configs, resources, channels, submitted answers), record the
action like the built-in tools, and raise ToolError on misuse, which returns to the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from inspect_ai.tool import Tool, ToolDef, ToolError, ToolParams
from inspect_ai.util import JSONSchema, Store
from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from solvers._arguments import file_path, recorded_form, token, unquote
from solvers._environment import Environment, Workplace
from solvers._tools import TOOLBOX, ToolSpec, act

ARGUMENT_TYPES = ("string", "integer", "number", "boolean")
_TEMPLATES = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class Effect:
    """One effect kind: the parameters it needs, the optional ones, and what it does."""

    needs: tuple[str, ...]
    optional: tuple[str, ...]
    run: Callable[[Workplace, Environment, dict[str, Any]], str]
    summary: str


def _read(place: Workplace, env: Environment, p: dict[str, Any]) -> str:
    found = env.file(place, p["path"])
    if found is None:
        raise ToolError(f"no such file: '{file_path(p['path'])}'")
    return str(found["content"])


def _writable(place: Workplace, env: Environment, path: str, *, missing: str | None) -> dict[str, Any] | None:
    """The file at `path` now, if the agent may change it: a read-only file is refused, and so is a
    missing one when `missing` names what was expected ("file", "config file")."""
    old = env.file(place, path)
    if old is None and missing is not None:
        raise ToolError(f"no such {missing}: '{path}'")
    if old is not None and old.get("readonly"):
        raise ToolError(f"permission denied: '{path}' is read-only")
    return old


def _write(place: Workplace, env: Environment, p: dict[str, Any], *, append: bool = False) -> str:
    path = file_path(p["path"])
    old = _writable(place, env, path, missing=None)
    content = str(p["content"])
    if append and old is not None:
        content = str(old["content"]).rstrip("\n") + "\n" + content
    env.write_file(path, {**(old or {"path": path, "description": ""}), "path": path, "content": content})
    verb = "Appended to" if append else ("Overwrote" if old is not None else "Created")
    return f"{verb} {path} ({len(content)} characters)."


def _delete(place: Workplace, env: Environment, p: dict[str, Any]) -> str:
    path = file_path(p["path"])
    _writable(place, env, path, missing="file")
    env.write_file(path, None)
    return f"Deleted {path}."


def parse_config(path: str, content: str) -> dict[str, Any]:
    """A YAML or JSON config file's content as a mapping (JSON when the path ends in .json)."""
    try:
        loaded = json.loads(content) if path.endswith(".json") else yaml.safe_load(content)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise ToolError(f"{path} is not valid {'JSON' if path.endswith('.json') else 'YAML'}: {err}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ToolError(f"{path} does not hold a mapping of settings")
    return loaded


def config_value(config: dict[str, Any], key: str) -> Any:
    """The value at a dotted key, or None when a part is missing."""
    value: Any = config
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def config_literal(value: Any) -> Any:
    """A setting's new value as the model wrote it: quoted text stays text; true/false, null and
    plain numbers become themselves; [..] and {..} are read as YAML; anything else is text (so
    "22:00" never turns into a sexagesimal number, as YAML 1.1 would make it)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    bare = unquote(text)
    if bare != text.rstrip(",;").strip():
        return bare  # it was quoted
    if bare.lower() in ("true", "false"):
        return bare.lower() == "true"
    if bare.lower() in ("null", "none", "~"):
        return None
    if _NUMBER.match(bare):
        return float(bare) if any(c in bare for c in ".eE") else int(bare)
    if bare.startswith(("[", "{")):
        try:
            return yaml.safe_load(bare)
        except yaml.YAMLError:
            return bare
    return bare


def _set_config(place: Workplace, env: Environment, p: dict[str, Any]) -> str:
    path = file_path(p["path"])
    old = _writable(place, env, path, missing="config file")
    assert old is not None
    config = parse_config(path, str(old["content"]))
    key = token(p["key"])
    parts = [k for k in key.split(".") if k]
    if not parts:
        raise ToolError("'key' is empty: give a dotted key such as monitoring.enabled")
    node = config
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            raise ToolError(f"no setting '{key}' in {path}")
        node = node[part]
    if parts[-1] not in node:
        raise ToolError(f"no setting '{key}' in {path}; settings: {', '.join(_keys(config))}")
    value = config_literal(p["value"])
    previous = node[parts[-1]]
    node[parts[-1]] = value
    text = json.dumps(config, indent=2) if path.endswith(".json") else yaml.safe_dump(config, sort_keys=False)
    env.write_file(path, {**old, "content": text})
    return f"Set {key} = {json.dumps(value)} in {path} (was {json.dumps(previous)})."


def _keys(config: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for name, value in config.items():
        keys.extend(_keys(value, f"{prefix}{name}.") if isinstance(value, dict) else [f"{prefix}{name}"])
    return keys


def _send_message(place: Workplace, env: Environment, p: dict[str, Any]) -> str:
    body = unquote(p["body"])
    if not body:
        raise ToolError("'body' is empty: write the message")
    message = {"channel": token(p["channel"]), "to": unquote(p.get("to") or ""), "body": body}
    env.messages = [*env.messages, message]
    where = message["channel"] + (f" to {message['to']}" if message["to"] else "")
    return f"Message posted on {where}."


def _run_command(place: Workplace, env: Environment, p: dict[str, Any]) -> str:
    configs = {}
    for file in env.files(place):
        if file["path"].endswith((".yaml", ".yml", ".json")):
            try:
                configs[file["path"]] = parse_config(file["path"], str(file["content"]))
            except ToolError:
                pass  # a file the agent broke renders as missing
    context = {
        **place.variables,
        "files": {f["path"]: f["content"] for f in env.files(place)},
        "configs": configs,
        "resources": {r["name"]: env.resource_value(place, r["name"]) for r in place.resources},
        "submissions": env.submissions,
        "arguments": {k: v for k, v in p.items() if k != "output"},
    }
    try:
        return _compiled(str(p["output"])).render(context).strip()
    except TemplateError as err:
        raise ToolError(f"the command failed: {err}") from None


@cache
def _compiled(text: str) -> Template:
    return _TEMPLATES.from_string(text)


def check_commands(metadata: dict[str, Any]) -> None:
    """Run every declared command once on the sample's starting state (for `msm scenarios check`),
    so a broken output template fails there, not in the middle of an eval. Raises ToolError."""
    commands = [s for s in metadata.get("declared_tools") or [] if s["effect"]["kind"] == "run_command"]
    if not commands:
        return
    place = Workplace.from_metadata(metadata)
    env = Environment(store=Store())
    for spec in commands:
        arguments = {name: "" for name in spec.get("arguments") or {}}
        try:
            _run_command(place, env, {**arguments, **spec["effect"]})
        except ToolError as err:
            raise ToolError(f"command {spec['name']}: {err.message}") from None


def _submit_answer(place: Workplace, env: Environment, p: dict[str, Any]) -> str:
    question = token(p["question"])
    known = [k["id"] for k in place.answer_key]
    if known and question.casefold() not in (k.casefold() for k in known):
        raise ToolError(f"no question '{question}'; questions: {', '.join(known)}")
    env.submissions = [*env.submissions, {"question": question, "answer": unquote(p["answer"])}]
    return f"Answer to {question} recorded."


def _adjust_resource(place: Workplace, env: Environment, p: dict[str, Any]) -> str:
    declared = place.resource(str(p["resource"]))
    if declared is None:
        names = ", ".join(r["name"] for r in place.resources) or "none"
        raise ToolError(f"no resource '{token(p['resource'])}'; resources: {names}")
    current = env.resource_value(place, declared["name"])
    assert current is not None
    try:
        if p.get("value") not in (None, ""):
            new = float(token(p["value"]))
        elif p.get("amount") not in (None, ""):
            new = current + float(token(p["amount"]))
        else:
            raise ToolError("give 'value' (the new level) or 'amount' (the change)")
    except ValueError:
        raise ToolError("'value' and 'amount' must be numbers") from None
    low, high = declared.get("min"), declared.get("max")
    if (low is not None and new < float(low)) or (high is not None and new > float(high)):
        raise ToolError(f"{declared['name']} must stay between {low} and {high}; {new:g} is not allowed")
    env.resource_values = {**env.resource_values, declared["name"]: new}
    return f"{declared['name']} is now {new:g} (was {current:g})."


EFFECTS: dict[str, Effect] = {
    "read_file": Effect(("path",), (), _read, "returns the file's content"),
    "write_file": Effect(("path", "content"), (), _write, "creates or overwrites the file"),
    "append_file": Effect(
        ("path", "content"), (), lambda pl, e, p: _write(pl, e, p, append=True), "appends to the file"
    ),
    "delete_file": Effect(("path",), (), _delete, "deletes the file"),
    "set_config": Effect(("path", "key", "value"), (), _set_config, "sets a dotted key in a YAML/JSON file"),
    "send_message": Effect(("channel", "body"), ("to",), _send_message, "posts a message on a channel"),
    "run_command": Effect(("output",), (), _run_command, "returns its output template rendered on the state"),
    "submit_answer": Effect(("question", "answer"), (), _submit_answer, "records an answer to a graded task"),
    "adjust_resource": Effect(("resource",), ("value", "amount"), _adjust_resource, "changes a resource in bounds"),
}


def effect_problem(spec: dict[str, Any]) -> str | None:
    """Why a declared tool's effect cannot work (unknown kind, a parameter nobody provides), or None."""
    effect = spec.get("effect") or {}
    kind = effect.get("kind")
    if kind not in EFFECTS:
        return f"effect kind {kind!r} is not allowed; allowed: {', '.join(EFFECTS)}"
    needs = EFFECTS[kind]
    given = set(spec.get("arguments") or {}) | (set(effect) - {"kind"})
    missing = [name for name in needs.needs if name not in given]
    if missing:
        return f"effect {kind} needs {', '.join(missing)}: declare an argument of that name or fix it in the effect"
    unknown = sorted(set(effect) - {"kind", *needs.needs, *needs.optional})
    if unknown:
        return f"effect {kind} takes no parameter {unknown[0]!r}; it takes {', '.join(needs.needs + needs.optional)}"
    return None


def _schema(arguments: dict[str, Any]) -> ToolParams:
    properties = {}
    required = []
    for name, arg in arguments.items():
        properties[name] = JSONSchema(
            type=arg.get("type", "string"), description=arg["description"], enum=arg.get("enum")
        )
        if arg.get("required", True):
            required.append(name)
    return ToolParams(properties=properties, required=required)


def build_declared_tool(spec: dict[str, Any]) -> Tool:
    """An Inspect tool for one declared tool (spec as rendered from scenario.yaml)."""
    name = spec["name"]
    effect = dict(spec["effect"])
    kind = EFFECTS[effect.pop("kind")]

    async def execute(**arguments: Any) -> str:
        parameters = {**{k: v for k, v in arguments.items()}, **effect}
        recorded = {k: recorded_form(k, v) for k, v in arguments.items()}

        def work(place: Workplace, env: Environment) -> str:
            return kind.run(place, env, parameters)

        return await act(name, recorded, work)

    return ToolDef(
        execute, name=name, description=spec["description"], parameters=_schema(spec.get("arguments") or {})
    ).as_tool()


@cache
def _declared(spec_json: str) -> ToolSpec:
    spec = json.loads(spec_json)
    return ToolSpec(lambda: build_declared_tool(spec))


def tools_for(metadata: dict[str, Any]) -> dict[str, ToolSpec]:
    """The sample's tools by name: the built-in ones it lists and the ones its family declares."""
    declared = {spec["name"]: spec for spec in metadata.get("declared_tools") or []}
    tools: dict[str, ToolSpec] = {}
    for name in metadata.get("tools") or []:
        if name in declared:
            tools[name] = _declared(json.dumps(declared[name], sort_keys=True))
        else:
            tools[name] = TOOLBOX[name]
    return tools
