"""`msm scenarios list | check | render`: look at, validate and preview scenario families."""

from __future__ import annotations

import argparse
import inspect
import time
from pathlib import Path

import docstring_parser
from inspect_ai.tool import ToolError
from rich.console import Console
from rich.table import Table

from msm_common.errors import UserError
from msm_eval._factors import (
    DEFAULT_GOAL_TYPES,
    DEFAULT_URGENCIES,
    GOAL_TYPES,
    GOAL_VALUES,
    INSTRUCTIONS,
    MODES,
    PROMPT_VARIANTS,
    URGENCIES,
    Condition,
    expand_grid,
)
from msm_eval._scenario import SHIPPED_SCENARIOS, Family, HarmRule, discover_families, render
from msm_eval.agentic import DEFAULT_DEVELOPER, DEFAULT_MODEL_NAME
from msm_eval.agentic._dataset import build_sample
from scorers import render_rubric
from scorers._judge import RubricError
from solvers import TOOLBOX
from solvers._world import EFFECTS, check_commands


def add_commands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)

    list_ = sub.add_parser("list", help="families, their tools and harmful actions, and the factors")
    list_.add_argument("--scenarios", nargs="*", default=[], metavar="PATH", help="extra scenario folders")
    list_.set_defaults(func=_list)

    check = sub.add_parser("check", help="validate every file and render every condition")
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="scenario folders (a family or a folder of them; default: shipped)"
    )
    check.set_defaults(func=_check)

    show = sub.add_parser("render", help="print the exact prompts of one sample")
    show.add_argument("sample_id", metavar="ID", help="a sample id, e.g. blackmail_explicit-america_replacement")
    show.add_argument("--scenarios", nargs="*", default=[], metavar="PATH", help="extra scenario folders")
    show.add_argument("--model-name", default=DEFAULT_MODEL_NAME, help="name the model is addressed by")
    show.add_argument("--developer", default=DEFAULT_DEVELOPER, help="the model's developer")
    show.set_defaults(func=_render)


def _families(extra: list[str]) -> dict[str, Family]:
    return discover_families([SHIPPED_SCENARIOS, *map(Path, extra)])


def _list(args: argparse.Namespace) -> int:
    console = Console()
    table = Table(title="Scenario families", show_lines=True)
    for column in ("family", "description", "tools", "harmful actions", "supported factors", "folder"):
        table.add_column(column)
    families = _families(args.scenarios)
    for family in families.values():
        table.add_row(
            family.name,
            family.description,
            ", ".join(family.tools),
            "\n".join(f"{r.id} ({r.strength}): {r.description}" for r in family.harmful_actions),
            "\n".join(f"{k}: {', '.join(v)}" for k, v in family.supports.items()) or "all",
            str(family.path),
        )
    console.print(table)
    tools = Table(title="Tools", show_lines=True)
    for column in ("tool", "arguments", "returns", "families"):
        tools.add_column(column)
    for name, (arguments, returns, users) in _tool_rows(families).items():
        tools.add_row(name, arguments, returns, ", ".join(users))
    console.print(tools)
    factors = Table(title="Factors (-T name=value; several values: a,b)")
    for column in ("factor", "choices", "default"):
        factors.add_column(column)
    factors.add_row("goal_type", ", ".join(GOAL_TYPES), ",".join(DEFAULT_GOAL_TYPES))
    factors.add_row("goal_value", ", ".join(GOAL_VALUES), "all eight (none for goal types none/ambiguous)")
    factors.add_row("urgency", ", ".join(URGENCIES), ",".join(DEFAULT_URGENCIES))
    factors.add_row("prompt_variant", ", ".join(PROMPT_VARIANTS), "scratchpad")
    factors.add_row("instructions", ", ".join(INSTRUCTIONS), "none")
    factors.add_row("eval_notice", "true, false", "false")
    factors.add_row("mode", ", ".join(MODES), "tools")
    console.print(factors)
    return 0


def _tool_rows(families: dict[str, Family]) -> dict[str, tuple[str, str, list[str]]]:
    """Per tool: its arguments (optional ones marked), what it returns, the families using it."""
    rows: dict[str, tuple[str, str, list[str]]] = {}
    for family in families.values():
        declared = {spec["name"]: spec for spec in family.declared_tools}
        for name in family.tools:
            key = name if name not in declared else f"{name} ({family.name})"
            if key in rows:
                rows[key][2].append(family.name)
                continue
            if name in declared:
                spec = declared[name]
                args = spec["arguments"]
                arguments = "\n".join(
                    f"{a}{'' if v.get('required', True) else ' (optional)'}: {v['description']}"
                    for a, v in args.items()
                )
                kind = spec["effect"]["kind"]
                fixed = {k: v for k, v in spec["effect"].items() if k not in ("kind", "output")}
                returns = f"{kind}: {EFFECTS[kind].summary}" + (f" ({fixed})" if fixed else "")
            else:
                definition = TOOLBOX[name].definition
                required = set(definition.parameters.required)
                arguments = "\n".join(
                    f"{a}{'' if a in required else ' (optional)'}: {p.description}"
                    for a, p in definition.parameters.properties.items()
                )
                parsed = docstring_parser.parse(inspect.getdoc(TOOLBOX[name].tool) or "")
                returns = (parsed.returns.description if parsed.returns else "") or ""
            rows[key] = (arguments, returns or "", [family.name])
    return rows


def _full_grid(family: str) -> list[Condition]:
    return [
        condition
        for mode in MODES
        for condition in expand_grid(
            families=[family],
            goal_types=GOAL_TYPES,
            goal_values=None,
            urgencies=URGENCIES,
            prompt_variants=PROMPT_VARIANTS,
            instructions=INSTRUCTIONS,
            eval_notices=[False, True],
            mode=mode,
        )
    ]


def _check(args: argparse.Namespace) -> int:
    roots = [Path(p) for p in args.paths] or [SHIPPED_SCENARIOS]
    families = discover_families(roots)
    for family in families.values():
        started = time.perf_counter()
        conditions = [c for c in _full_grid(family.name) if family.unsupported(c) is None]
        for condition in conditions:
            sample = build_sample(family, condition, model_name=DEFAULT_MODEL_NAME, developer=DEFAULT_DEVELOPER)
            check_sample(family, condition, sample.metadata or {})
        rubric = "judge rubric" if family.judge_rubric else "NO judge rubric (the judge will refuse this family)"
        print(
            f"ok  {family.name}: {len(conditions)} conditions rendered in "
            f"{time.perf_counter() - started:.1f}s, {len(family.harmful_actions)} harmful-action rules, {rubric}"
        )
    return 0


def _rule_form(rule: HarmRule) -> str:
    if rule.state:
        return f"final state {rule.state}"
    if rule.reply_to:
        return f"the reply to reaction {rule.reply_to}"
    text = f"{rule.tool} where {rule.when or 'any call'}"
    if rule.after:
        text += f", after {rule.after['tool']} where {rule.after.get('when') or 'any call'}"
    if rule.attempt_when is not None:
        text += f"; refused calls where {rule.attempt_when or 'any call'} are attempts"
    return text


def check_sample(family: Family, condition: Condition, metadata: dict) -> None:
    """What rendering the prompts does not reach: the judge rubric and the declared commands, for
    one condition (an undefined variable there would otherwise fail only at scoring time)."""
    if family.judge_rubric is not None:
        try:
            render_rubric(family.path, metadata)
        except RubricError as err:
            raise UserError(f"{str(err).splitlines()[0]} (while rendering {condition.id})") from None
    try:
        check_commands(metadata)
    except ToolError as err:
        raise UserError(f"{family.path / 'scenario.yaml'}: {err.message} (while rendering {condition.id})") from None


def _render(args: argparse.Namespace) -> int:
    families = _families(args.scenarios)
    condition = Condition.from_id(args.sample_id, list(families))
    family = families[condition.family]
    rendered = render(
        family,
        condition,
        model_name=args.model_name,
        developer=args.developer,
    )
    print(f"# {condition.id}  ({family.path})\n")
    print("## system\n")
    print(rendered.system + "\n")
    print("## user\n")
    print(rendered.user + "\n")
    if condition.mode == "tools":
        print("## tools\n")
        print(", ".join(family.tools) + "\n")
    if rendered.files:
        print("## files on the share\n")
        print("\n".join(f"{f.path}{' (confidential)' if f.confidential else ''}" for f in rendered.files) + "\n")
    print("## harmful actions (detector rules)\n")
    for rule in rendered.harmful_actions:
        print(f"- {rule.id} ({rule.strength}): {_rule_form(rule)}  ({rule.description})")
    return 0
