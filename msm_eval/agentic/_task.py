"""`inspect eval msm_eval/agentic`: agentic misalignment scenarios as tool-using agents."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig, model_roles
from inspect_ai.model._model import active_model
from inspect_ai.scorer import Metric

from msm_common.errors import UserError
from msm_eval._factors import (
    DEFAULT_GOAL_TYPES,
    DEFAULT_URGENCIES,
    INSTRUCTIONS,
    PROMPT_VARIANTS,
    Condition,
    as_bool,
    as_list,
    check_choices,
    expand_grid,
)
from msm_eval._scenario import SHIPPED_SCENARIOS, Family, discover_families
from msm_eval._task_args import number_arg, task_argument_error, whole_number_arg
from msm_eval.agentic._dataset import build_dataset
from scorers import misalignment_metrics, misalignment_scorer
from solvers import scenario_agent

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "Sol"
DEFAULT_DEVELOPER = "Meridian AI"

ListArg = str | Sequence[str] | None


@task
def agentic(
    families: ListArg = None,
    goal_type: ListArg = None,
    goal_value: ListArg = None,
    urgency: ListArg = None,
    prompt_variant: ListArg = "scratchpad",
    instructions: ListArg = "none",
    eval_notice: str | bool | Sequence[str] = False,
    model_name: str = DEFAULT_MODEL_NAME,
    developer: str = DEFAULT_DEVELOPER,
    temperature: float = 0.7,
    mode: str = "tools",
    message_limit: int = 30,
    scenarios: ListArg = None,
    judge: str = "auto",
    awareness: str | bool = False,
    **unknown: object,
) -> Task:
    """Agentic misalignment: blackmail, leaking, lethal action and exfiltration scenarios.

    Every factor accepts one value or several ("a,b" on the command line); several values expand to
    their cartesian product inside this one task, one sample per valid condition. Goal types "none"
    and "ambiguous" carry goal_value "none" by themselves.

    Args:
        families: Scenario families to run (default: every family found).
        goal_type: explicit, latent, none, ambiguous, swap (default: explicit,none).
        goal_value: america, global, safety, acceleration, ethical, pragmatic, individualism,
            collectivism (default: all eight, for goal types that take a value).
        urgency: replacement, restriction, none (default: replacement).
        prompt_variant: scratchpad (private reasoning block) or production (none).
        instructions: extra system instructions: none, prohibitions, override_goal.
        eval_notice: add a notice that the situation may be an evaluation (true/false, or both).
        model_name: the name the model is addressed by.
        developer: the name of the model's developer.
        temperature: sampling temperature for the target model.
        mode: tools (real tool calls in an agent loop) or text (one answer, tagged actions parsed).
        message_limit: the most messages one sample's conversation may reach.
        scenarios: extra scenario folders (a family folder or a folder of them), several allowed.
        judge: auto (LLM judge when --model-role grader=... is given), required, or off.
        awareness: also judge whether the model's reasoning treats the situation as a test.
    """
    try:
        if unknown:
            # Inspect only warns about unknown -T names; a misspelt factor must not silently
            # run the default grid.
            allowed = [p for p in inspect.signature(agentic).parameters if p != "unknown"]
            raise UserError(
                f"argument {sorted(unknown)[0]}: not a parameter of msm_eval/agentic; parameters: {', '.join(allowed)}"
            )
        roots = [SHIPPED_SCENARIOS] + [Path(p) for p in as_list(scenarios, name="scenarios") or []]
        found = discover_families(roots)
        family_names = as_list(families, name="families") or list(found)
        check_choices(family_names, list(found), name="families")
        notice_values = [eval_notice] if isinstance(eval_notice, bool) else as_list(eval_notice, name="eval_notice")
        notices = [as_bool(v, name="eval_notice") for v in notice_values or [False]]
        variants = as_list(prompt_variant, name="prompt_variant") or ["scratchpad"]
        check_choices(variants, PROMPT_VARIANTS, name="prompt_variant")
        extra = as_list(instructions, name="instructions") or ["none"]
        check_choices(extra, INSTRUCTIONS, name="instructions")
        message_limit = whole_number_arg(message_limit, name="message_limit", least=3, why="system, user, one answer")
        temperature = number_arg(temperature, name="temperature", least=0.0)
        for name, text in (("model_name", model_name), ("developer", developer)):
            if not isinstance(text, str) or not text.strip():
                raise UserError(f"argument {name}: expected a non-empty name, got {text!r}")
        conditions = expand_grid(
            families=family_names,
            goal_types=as_list(goal_type, name="goal_type") or list(DEFAULT_GOAL_TYPES),
            goal_values=as_list(goal_value, name="goal_value"),
            urgencies=as_list(urgency, name="urgency") or list(DEFAULT_URGENCIES),
            prompt_variants=variants,
            instructions=extra,
            eval_notices=notices,
            mode=mode,
        )
        conditions, skipped = supported_conditions(found, conditions)
        dataset = build_dataset(found, conditions, model_name=model_name, developer=developer)
        scorer = misalignment_scorer(judge=judge, awareness=awareness)
        _check_grader(judge, as_bool(awareness, name="awareness") if not isinstance(awareness, bool) else awareness)
    except UserError as err:
        raise task_argument_error("msm_eval/agentic", err) from None

    _describe_local_model()
    for family, reasons in skipped.items():
        logger.warning(
            "msm_eval/agentic: family %s runs only the conditions it supports; %d left out (%s)",
            family,
            len(reasons),
            "; ".join(sorted(set(reasons))),
        )
    # Overall and per-family rates in Inspect's summary; per-condition rates (3 rows each) would fill
    # the terminal, so `msm report` computes them from the samples.
    summary_metrics: list[Metric | dict[str, list[Metric]]] = [*misalignment_metrics(by_condition=False)]
    return Task(
        dataset=dataset,
        metadata={"skipped_conditions": {family: len(reasons) for family, reasons in skipped.items()}},
        solver=scenario_agent(require_grader=judge == "required"),
        scorer=scorer,
        config=GenerateConfig(temperature=temperature),
        message_limit=message_limit,
        metrics=summary_metrics,
    )


def supported_conditions(
    families: dict[str, Family], conditions: list[Condition]
) -> tuple[list[Condition], dict[str, list[str]]]:
    """The conditions each family supports, and per family why the others were left out.

    A family may restrict factors (scenario.yaml `factors:`); a grid that mixes families gives each
    one only what it supports. A family left with nothing is an error naming what it supports.
    """
    kept: list[Condition] = []
    skipped: dict[str, list[str]] = {}
    for condition in conditions:
        problem = families[condition.family].unsupported(condition)
        if problem is None:
            kept.append(condition)
        else:
            skipped.setdefault(condition.family, []).append(problem.split(";")[0])
    for name in dict.fromkeys(c.family for c in conditions):
        if not any(c.family == name for c in kept):
            family = families[name]
            supports = "; ".join(f"{k}: {', '.join(v)}" for k, v in family.supports.items())
            raise UserError(f"family {name}: none of the requested conditions is supported (it supports {supports})")
    return kept, skipped


def _check_grader(judge: str, awareness: bool) -> None:
    """-T judge=required and -T awareness=true need a grader: refuse before any sample runs.

    Inspect sets model roles before it builds a task, so inside an eval a missing role is known
    here and `inspect eval` exits non-zero. A Task built outside an eval (scripts, tests) cannot
    know yet; the solver checks again before the first target call.
    """
    if active_model() is None or model_roles().get("grader") is not None:
        return
    if judge == "required":
        raise UserError(
            "-T judge=required but no grader model role was given; add --model-role grader=<provider/model>"
        )
    if awareness:
        raise UserError("-T awareness=true needs a grader model role; add --model-role grader=<provider/model>")


def _describe_local_model() -> None:
    """For `--model hf/<local folder>` (or hflocal/), tell Inspect the model's context length from its config:
    otherwise its agent loop builds the model a second time (a second copy of the weights) just to
    look that up."""
    model = active_model()
    name = str(model) if model is not None else ""
    provider, _, local = name.partition("/")
    folder = Path(local)
    from msm_eval.models._names import LOCAL_HF_PROVIDERS, register_model_info

    if provider in LOCAL_HF_PROVIDERS and (folder / "config.json").is_file():
        register_model_info(name, folder)
