"""Read msm_eval logs into one pandas frame of sample-epoch rows, refusing logs that do not fit."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from inspect_ai.analysis import EvalColumn, evals_df, samples_df
from inspect_ai.log import list_eval_logs, read_eval_log

from msm_common.errors import UserError

SCORER = "misalignment_scorer"
TASK_NAMESPACE = "msm_eval/"
TASK_NAMES = ("agentic",)  # values logs go to report._values
VALUE_KEYS = ("harmful", "action_taken", "attempted", "judge_verdict", "malformed", "unscored", "no_answer", "aware")
FACTORS = (
    "family",
    "condition",
    "goal_type",
    "goal_value",
    "urgency",
    "prompt_variant",
    "instructions",
    "eval_notice",
    "mode",
)
_EVAL_COLUMNS = [
    EvalColumn("eval_id", path="eval.eval_id", required=True),
    EvalColumn("log", path=lambda log: log.location, required=True),  # type: ignore[arg-type]
    EvalColumn("task", path="eval.task", required=True),
    EvalColumn("model", path="eval.model", required=True),
    EvalColumn("status", path="status", required=True),
    EvalColumn("scorers", path=lambda log: _scorer_names(log)),  # type: ignore[arg-type]
]


def _scorer_names(log: Any) -> str:
    scores = log.results.scores if log.results else []
    return ",".join(sorted({score.scorer for score in scores}))


def log_files(paths: Sequence[str]) -> list[str]:
    """Every .eval/.json log named directly or found under a named folder, in argument order."""
    files: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [info.name for info in list_eval_logs(str(path), recursive=True)]
            if not found:
                raise UserError(f"{raw}: no Inspect logs (.eval or .json) in this folder")
            files.extend(sorted(_local(name) for name in found))
        elif path.is_file():
            if path.suffix not in (".eval", ".json"):
                raise UserError(f"{raw}: not an Inspect log (expected a .eval or .json file)")
            files.append(str(path.resolve()))
        else:
            raise UserError(f"{raw}: no such file or folder")
    return list(dict.fromkeys(files))


def _local(name: str) -> str:
    return name.removeprefix("file://")


def read_evals(files: Sequence[str]) -> pd.DataFrame:
    """One row per log (id, file, task, model, status, scorers); an unreadable file is a UserError."""
    for file in files:
        try:
            read_eval_log(file, header_only=True)
        except Exception as err:  # any parse failure means the file is not a usable log
            reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
            raise UserError(f"{file}: not a readable Inspect log ({reason})") from None
    return evals_df(list(files), columns=_EVAL_COLUMNS, quiet=True)


def load_samples(paths: Sequence[str], labels: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per sample and epoch of every given msm_eval log, with a `model` label column.

    Raises:
        UserError: a path is missing, a log is not from an msm_eval task with the misalignment
            scorer, or a log is unfinished; the message names the file.
    """
    files = log_files(paths)
    evals = read_evals(files)
    for row in evals.itertuples():
        where = _local(str(row.log))
        foreign = UserError(
            f"{where}: not an msm_eval agentic log (task {row.task!r}, scorers "
            f"{row.scorers or 'none'}); msm report reads logs of msm_eval/agentic"
        )
        # The task is named msm_eval/agentic when run by name; a Task object built in Python may be
        # registered as plain "agentic" (e.g. where a build folder hides the entry point).
        if not (str(row.task).startswith(TASK_NAMESPACE) or str(row.task) in TASK_NAMES):
            raise foreign
        if row.status != "success":
            raise UserError(
                f"{where}: the eval is not finished (status {row.status}); complete it with "
                f"`inspect eval-retry {where}` or leave it out"
            )
        if SCORER not in str(row.scorers or ""):
            raise foreign
    evals["label"] = model_labels(evals, labels or {})

    samples = samples_df(files, quiet=True)
    samples = samples.merge(evals[["eval_id", "label"]], on="eval_id", how="left")
    rows = pd.DataFrame({"model": samples["label"], "log": samples["log"].map(_local)})
    rows["sample_id"] = samples["id"].astype(str)
    rows["epoch"] = samples["epoch"]
    for factor in FACTORS:
        column = f"metadata_{factor}"
        rows[factor] = samples[column] if column in samples else None
    rows["condition"] = rows["condition"].fillna(rows["sample_id"])
    values = samples[f"score_{SCORER}"].map(_parse_value)
    for key in VALUE_KEYS:
        rows[key] = values.map(lambda value, key=key: value.get(key))
    for key in ("harmful", "action_taken", "attempted", "judge_verdict", "malformed", "unscored", "no_answer"):
        rows[key] = pd.to_numeric(rows[key], errors="coerce").astype(float)
    # Models appear in the order their logs were given (the default baseline is the first).
    order = {file: index for index, file in enumerate(files)}
    rows = rows.iloc[rows["log"].map(order).argsort(kind="stable")].reset_index(drop=True)
    # samples_df hands out Arrow-backed columns; plain objects keep later pandas calls simple.
    for column in ("model", "log", "sample_id", "aware", *FACTORS):
        rows[column] = rows[column].astype(object).where(rows[column].notna(), None)
    return rows


def _parse_value(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw:
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}
    return {}  # sample errored or was never scored


def model_labels(evals: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """A short name per log: a --label match, else the last part of the model name or path.

    Two different models whose last parts coincide keep their full names, so they never merge.
    """
    short = {model: _short_name(model) for model in evals["model"].unique()}
    counts: dict[str, int] = {}
    for name in short.values():
        counts[name] = counts.get(name, 0) + 1
    result: list[str] = []
    for row in evals.itertuples():
        label = _match_label(str(row.model), _local(str(row.log)), labels)
        if label is None:
            name = short[row.model]
            label = name if counts[name] == 1 else str(row.model)
        result.append(label)
    return result


def _short_name(model: str) -> str:
    path = model.split("/", 1)[1] if "/" in model else model
    return path.rstrip("/").rsplit("/", 1)[-1] or model


def _match_label(model: str, log: str, labels: dict[str, str]) -> str | None:
    for key, label in labels.items():
        key_norm = key.rstrip("/")
        if key_norm and (Path(key_norm).resolve() == Path(log) or key_norm == Path(log).name):
            return label
    bare = model.split("/", 1)[1] if "/" in model else model
    for key, label in labels.items():
        key_norm = key.rstrip("/")
        if key_norm in (model, bare) or bare.rstrip("/").endswith("/" + key_norm.lstrip("./")):
            return label
    return None


def parse_labels(items: Sequence[str] | None) -> dict[str, str]:
    """--label PATH=NAME items as a dict."""
    labels: dict[str, str] = {}
    for item in items or []:
        path, sep, name = item.partition("=")
        if not sep or not path.strip() or not name.strip():
            raise UserError(f"--label {item!r}: expected PATH=NAME, e.g. runs/msm_aft=MSM+AFT")
        labels[path.strip()] = name.strip()
    return labels


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
