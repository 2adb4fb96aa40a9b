"""`msm rescore`: run the current detectors and judge again on existing msm_eval/agentic logs.

A fixed parser or a new harmful-action rule should not require running the target model again.
Rescoring refreshes each sample's rules, workplace and rubric from the scenario files as they are
now (for the sample's own condition and persona), re-parses text-mode answers with the current
parser (nothing was returned to the model in text mode, so this is exactly a new run of the same
answer), matches tool-mode action records as they were executed (the model saw those results, so
they stand), and asks the judge again. It writes new log files and never touches the originals.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from pathlib import Path
from typing import Any

import anyio
from inspect_ai import score_async
from inspect_ai.log import EvalLog, read_eval_log, write_eval_log
from inspect_ai.model import get_model

from msm_common.errors import UserError, check_output_dir
from msm_eval._factors import Condition
from msm_eval._scenario import SHIPPED_SCENARIOS, discover_families
from msm_eval.agentic._dataset import build_sample
from msm_eval.models._names import check_model_name, one_line
from msm_eval.report._load import SCORER, log_files
from msm_eval.report._output import make_output_dir, writing
from scorers import misalignment_scorer

# Metadata a rescore takes from the current scenario files; the prompts stay as they were run.
REFRESHED = ("harmful_actions", "environment", "judge_rubric", "scenario_vars", "scenario_dir", "tools")
CONDITION_FIELDS = tuple(f.name for f in dataclasses.fields(Condition))


def add_commands(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("logs", nargs="+", metavar="LOG_OR_DIR", help="msm_eval/agentic logs, or folders of them")
    parser.add_argument("--out", required=True, help="folder for the rescored logs (the originals are kept)")
    parser.add_argument(
        "--grader",
        help="grader model for the judge (default: the grader role the log was run with, if any)",
    )
    parser.add_argument(
        "--judge", choices=("auto", "required", "off"), default="auto", help="as -T judge= of the task (default auto)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace rescored logs already in --out")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = check_output_dir(args.out, "--out")
    if args.grader is not None:
        check_model_name(args.grader, "--grader")  # before reading or scoring anything
    files = log_files(args.logs)
    logs = [_load(file) for file in files]
    targets = [out / Path(file).name for file in files]
    for target, file in zip(targets, files, strict=True):
        if Path(file).resolve() == target.resolve():
            raise UserError(f"--out {out}: would overwrite the original log {file}; choose another folder")
        if target.exists() and not args.overwrite:
            raise UserError(f"{target}: already exists; pass --overwrite to replace it")
    out = make_output_dir(out, "--out")
    for log, target in zip(logs, targets, strict=True):
        before = _values(log)
        rescored = rescore(log, grader=args.grader, judge=args.judge)
        with writing(target, "--out"):
            write_eval_log(rescored, str(target))
        after = _values(rescored)
        print(f"{target}: {_changes(before, after)}")
    return 0


def rescore(log: EvalLog, *, grader: str | None = None, judge: str = "auto") -> EvalLog:
    """The log scored again by the current detectors and judge (see the module docstring)."""
    refresh_metadata(log)
    try:
        roles = {"grader": get_model(grader)} if grader else None
    except Exception as err:  # a missing package, API key or broken folder: one line
        raise UserError(f"argument --grader {grader}: cannot be loaded ({one_line(err)})") from None
    if judge == "required" and grader is None and "grader" not in (log.eval.model_roles or {}):
        raise UserError("--judge required: the log has no grader role; give one with --grader PROVIDER/MODEL")
    scorer = misalignment_scorer(judge=judge, reparse=True)
    # The target model is never called while scoring; a stand-in keeps Inspect from loading it.
    run = functools.partial(
        score_async, model=get_model("mockllm/model"), model_roles=roles, action="overwrite", display="none"
    )
    return anyio.run(run, log, [scorer])


def refresh_metadata(log: EvalLog) -> None:
    """Replace each sample's rules, workplace and rubric with those the scenario files give now."""
    args = log.eval.task_args or {}
    extra = args.get("scenarios") or []
    extra = [extra] if isinstance(extra, str) else list(extra)
    families = discover_families([SHIPPED_SCENARIOS, *(Path(p) for p in extra)])
    model_name = str(args.get("model_name") or "Sol")
    developer = str(args.get("developer") or "Meridian AI")
    for sample in log.samples or []:
        metadata = sample.metadata or {}
        family = families.get(str(metadata.get("family")))
        if family is None:
            raise UserError(
                f"{log.location}: sample {sample.id}: family {metadata.get('family')!r} is not among the "
                f"scenario folders now ({', '.join(families)})"
            )
        condition = Condition(**{k: metadata[k] for k in CONDITION_FIELDS if k in metadata})
        fresh = (
            build_sample(
                family,
                condition,
                model_name=str(metadata.get("model_name", model_name)),
                developer=str(metadata.get("developer", developer)),
            ).metadata
            or {}
        )
        sample.metadata = {**metadata, **{key: fresh.get(key) for key in REFRESHED}}


def _load(file: str) -> EvalLog:
    try:
        log = read_eval_log(file)
    except Exception as err:  # any parse failure means the file is not a usable log
        raise UserError(f"{file}: not a readable Inspect log ({str(err).splitlines()[0][:120]})") from None
    if log.status != "success":
        raise UserError(
            f"{file}: the eval is not finished (status {log.status}); finish it with `inspect eval-retry {file}`"
        )
    samples = log.samples or []
    agentic = bool(samples) and all(
        SCORER in (s.scores or {}) and "harmful_actions" in (s.metadata or {}) for s in samples
    )
    if not agentic:
        raise UserError(f"{file}: not an msm_eval/agentic log (task {log.eval.task!r}); msm rescore reads those only")
    return log


def _values(log: EvalLog) -> dict[tuple[Any, int], dict[str, Any]]:
    values: dict[tuple[Any, int], dict[str, Any]] = {}
    for sample in log.samples or []:
        score = (sample.scores or {}).get(SCORER)
        if score is not None and isinstance(score.value, dict):
            values[(sample.id, sample.epoch)] = score.value
    return values


def _changes(before: dict[tuple[Any, int], dict[str, Any]], after: dict[tuple[Any, int], dict[str, Any]]) -> str:
    def count(values: dict[tuple[Any, int], dict[str, Any]], key: str) -> int:
        return sum(1 for v in values.values() if v.get(key) == 1)

    changed = sum(1 for key, value in after.items() if before.get(key, {}).get("harmful") != value.get("harmful"))
    parts = [f"{len(after)} samples rescored, harmful changed in {changed}"]
    for key in ("harmful", "action_taken", "attempted", "malformed"):
        parts.append(f"{key} {count(before, key)} -> {count(after, key)}")
    return "; ".join(parts)
