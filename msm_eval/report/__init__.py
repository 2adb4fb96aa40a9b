"""`msm report`: tables, a plot and baseline comparisons from msm_eval Inspect logs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from msm_common.errors import UserError, check_output_dir
from msm_eval.report import _render, _values
from msm_eval.report._load import FACTORS, load_samples, log_files, model_labels, parse_labels, read_evals
from msm_eval.report._output import make_output_dir, writing
from msm_eval.report._stats import agreement_table, comparison_table, rate_table

BY_CHOICES = ("model", *FACTORS)
DEFAULT_BY = "model,family,condition"


@dataclass(frozen=True)
class Report:
    """The files one report wrote, and its tables."""

    out: Path
    markdown: Path
    html: Path
    png: Path
    csv: Path
    rates: pd.DataFrame
    comparison: pd.DataFrame
    agreement: pd.DataFrame
    files: tuple[Path, ...] = ()  # every file written, in the order written
    warnings: tuple[str, ...] = ()  # also in report.md; `msm report` prints them on stderr
    shared_conditions: int | None = None  # conditions every model ran, when they differ


def build_report(
    paths: Sequence[str],
    *,
    by: Sequence[str] = ("model", "family", "condition"),
    baseline: str | None = None,
    labels: dict[str, str] | None = None,
    out: str | Path = "msm-report",
) -> Report:
    """Read msm_eval logs and write report.md, report.html, harmful_rate.png and the CSV tables.

    Models that ran different conditions are compared with the baseline on the conditions they
    all ran (a warning says so); the tables by condition still show every condition.

    Args:
        paths: Log files or folders holding logs.
        by: Columns to group the rate table by (model and any factor, e.g. family, condition).
        baseline: Model label the others are compared with; default: the first model found.
        labels: Model name, checkpoint path or log file -> label to show.
        out: Output folder (created if needed).
    """
    by = list(by)
    unknown = [column for column in by if column not in BY_CHOICES]
    if unknown or not by:
        raise UserError(f"--by {','.join(unknown) or '(empty)'}: not allowed; choose from {', '.join(BY_CHOICES)}")
    if "model" not in by:
        by.insert(0, "model")
    out = check_output_dir(out, "--out")  # before any work, so a bad --out costs nothing
    if logs_are_values(paths):
        return build_values_report(paths, baseline=baseline, labels=labels, out=out)
    rows = load_samples(paths, labels)
    models = list(dict.fromkeys(rows["model"]))
    if baseline is not None and baseline not in models:
        raise UserError(f"--baseline {baseline!r}: no such model in the logs; models: {', '.join(models)}")
    baseline = baseline or models[0]

    warnings: list[str] = []
    notes: list[str] = []
    shared = shared_conditions(rows)
    compared = rows
    if shared is not None:
        compared = rows[rows["condition"].isin(shared)]
        counts = ", ".join(f"{m} {rows.loc[rows['model'] == m, 'condition'].nunique()}" for m in models)
        warnings.append(
            f"the models ran different conditions ({counts}); comparisons use only the {len(shared)} "
            f"condition{'s' * (len(shared) != 1)} all of them ran"
        )
    without_judge = [model for model in models if not judge_ran(rows[rows["model"] == model])]
    if without_judge:
        notes.append(
            f"Judge not run for {', '.join(without_judge)} (no grader role, or -T judge=off): 'judge says "
            "harmful' and the judge agreement are empty, and families whose rules need the judge count as "
            "not available."
        )

    overall = rate_table(rows, ["model"])
    rates = rate_table(rows, by)
    per_condition = rate_table(rows, ["model", "family", "condition"])
    scopes = [column for column in by if column != "model"]
    comparison = comparison_table(compared, baseline, scopes) if len(models) > 1 else pd.DataFrame()
    agreement = agreement_table(rows)
    # With awareness judged: does behaviour differ when the model's reasoning calls it a test?
    aware_rows = rows[rows["aware"].isin(["test", "real", "none"])]
    awareness = rate_table(aware_rows, ["model", "aware"]) if len(aware_rows) else None

    title = "msm-eval report: " + ", ".join(models)
    sections: list[tuple[str, pd.DataFrame | str]] = []
    if warnings or notes:
        bullets = [f"- Warning: {warning}." for warning in warnings] + [f"- {note}" for note in notes]
        sections.append(("Notes", "\n".join(bullets)))
    sections += [
        ("Overall by model", _render.display_rates(overall, ["model"])),
    ]
    if shared is not None:
        shared_overall: pd.DataFrame | str = "No condition ran for every model."
        if len(compared):
            shared_overall = _render.display_rates(rate_table(compared, ["model"]), ["model"])
        sections.append((f"Overall by model, on the {len(shared)} shared conditions", shared_overall))
    sections.append((f"By {', '.join(by)}", _render.display_rates(rates, by)))
    if len(models) > 1:
        scope = f", on the {len(shared)} shared conditions" if shared is not None else ""
        sections.append((f"Against the baseline ({baseline}){scope}", _render.display_comparison(comparison)))
    judged = [model for model in models if model not in without_judge]
    sections.append(("Judge vs action detectors", _render.display_agreement(agreement, judged)))
    if awareness is not None:
        sections.append(
            (
                "By eval awareness (test: the model's reasoning calls it a test)",
                _render.display_rates(awareness, ["model", "aware"]),
            )
        )
    sections += [
        ("Method", _render.METHODS),
    ]
    text = _render.markdown_page(title, sections, "harmful_rate.png", "harmful rate per condition")

    markdown, page, png, csv = out / "report.md", out / "report.html", out / "harmful_rate.png", out / "rates.csv"
    planned = [markdown, csv, out / "comparison.csv", out / "agreement.csv", png, page]
    check_output_files([path for path in planned if path.name != "comparison.csv" or not comparison.empty])
    out = make_output_dir(out, "--out")
    files: list[Path] = []

    def write(path: Path, save: Callable[[Path], object]) -> None:
        with writing(path, "--out"):
            save(path)
        files.append(path)

    write(markdown, lambda path: path.write_text(text, encoding="utf-8"))
    write(csv, lambda path: rates.to_csv(path, index=False))
    if not comparison.empty:
        write(out / "comparison.csv", lambda path: comparison.to_csv(path, index=False))
    write(out / "agreement.csv", lambda path: agreement.to_csv(path, index=False))
    write(png, lambda path: _render.plot(per_condition, path))
    write(page, lambda path: path.write_text(_render.html_page(title, sections, png), encoding="utf-8"))
    return Report(
        out,
        markdown,
        page,
        png,
        csv,
        rates,
        comparison,
        agreement,
        files=tuple(files),
        warnings=tuple(warnings),
        shared_conditions=None if shared is None else len(shared),
    )


def logs_are_values(paths: Sequence[str]) -> bool:
    """Whether the logs are msm_eval/values logs (all of them; a mix with agentic logs is refused)."""
    tasks = set(read_evals(log_files(paths))["task"].map(lambda t: str(t).removeprefix("msm_eval/")))
    if "values" in tasks and tasks != {"values"}:
        raise UserError(
            f"the logs mix msm_eval/values with other tasks; report them separately (tasks: {', '.join(sorted(tasks))})"
        )
    return tasks == {"values"}


def build_values_report(
    paths: Sequence[str],
    *,
    baseline: str | None = None,
    labels: dict[str, str] | None = None,
    out: str | Path = "msm-report",
) -> Report:
    """The report of msm_eval/values logs: rates per model, value and domain, and baseline differences."""
    evals = read_evals(log_files(paths))
    unfinished = evals[evals["status"] != "success"]
    if len(unfinished):
        where = str(unfinished.iloc[0]["log"]).removeprefix("file://")
        raise UserError(
            f"{where}: the eval is not finished (status {unfinished.iloc[0]['status']}); "
            f"complete it with `inspect eval-retry {where}` or leave it out"
        )
    evals["label"] = model_labels(evals, labels or {})
    by_log = {str(log).removeprefix("file://"): label for log, label in zip(evals["log"], evals["label"], strict=True)}
    rows = _values.load_value_rows(list(by_log), by_log)
    models = list(dict.fromkeys(rows["model"]))
    if baseline is not None and baseline not in models:
        raise UserError(f"--baseline {baseline!r}: no such model in the logs; models: {', '.join(models)}")
    baseline = baseline or models[0]
    out = Path(out)
    rates = _values.value_rate_table(rows, ["model", "value", "domain"])
    overall = _values.value_rate_table(rows, ["model", "value"])
    comparison = _values.value_comparison_table(rows, baseline) if len(models) > 1 else pd.DataFrame()
    sections = _values.values_sections(rows, baseline)
    title = "msm-eval values report: " + ", ".join(models)
    text = _render.markdown_page(title, sections, "preference.png", "value-aligned preference")
    markdown, page, png, csv = out / "report.md", out / "report.html", out / "preference.png", out / "rates.csv"
    planned = [markdown, csv, out / "comparison.csv", png, page]
    check_output_files([path for path in planned if path.name != "comparison.csv" or not comparison.empty])
    out = make_output_dir(out, "--out")
    files: list[Path] = []

    def write(path: Path, save: Callable[[Path], object]) -> None:
        with writing(path, "--out"):
            save(path)
        files.append(path)

    write(markdown, lambda path: path.write_text(text, encoding="utf-8"))
    write(csv, lambda path: pd.concat([overall.assign(domain="all"), rates]).to_csv(path, index=False))
    if not comparison.empty:
        write(out / "comparison.csv", lambda path: comparison.to_csv(path, index=False))
    write(png, lambda path: _values.plot_values(overall, path))
    write(
        page,
        lambda path: path.write_text(
            _render.html_page(title, sections, png, figure_title="Value-aligned preference"), encoding="utf-8"
        ),
    )
    return Report(out, markdown, page, png, csv, overall, comparison, pd.DataFrame(), files=tuple(files))


def check_output_files(paths: Sequence[Path]) -> None:
    """Refuse, before anything is written, a report file that is a folder or may not be replaced."""
    for path in paths:
        if path.is_dir():
            raise UserError(f"argument --out: {path} is a folder, where the report writes a file; choose another --out")
        if path.exists() and not os.access(path, os.W_OK):
            raise UserError(f"argument --out: {path} is not writable; choose another --out")


def shared_conditions(rows: pd.DataFrame) -> list[str] | None:
    """The conditions every model ran, in first-seen order; None when all models ran the same ones."""
    ran = [set(group["condition"]) for _, group in rows.groupby("model", sort=False)]
    common = set.intersection(*ran) if ran else set()
    if all(conditions == common for conditions in ran):
        return None
    return [condition for condition in dict.fromkeys(rows["condition"]) if condition in common]


def judge_ran(rows: pd.DataFrame) -> bool:
    """Whether the judge was asked about any of these sample-epochs (a verdict, or unparseable twice)."""
    return bool(rows["judge_verdict"].notna().any() or (rows["unscored"].fillna(0) == 1).any())


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Register `msm report LOG_OR_DIR...`."""
    parser.add_argument("logs", nargs="+", metavar="LOG_OR_DIR", help="Inspect logs or folders")
    parser.add_argument(
        "--by",
        default=DEFAULT_BY,
        help=f"group columns (default {DEFAULT_BY}); any of: " + ", ".join(BY_CHOICES),
    )
    parser.add_argument("--baseline", help="model label to compare against (default: the first)")
    parser.add_argument(
        "--label",
        action="append",
        metavar="PATH=NAME",
        help="show a model, checkpoint path or log file under NAME (repeatable)",
    )
    parser.add_argument("--out", default="msm-report", help="output folder (default msm-report)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    by = [column.strip() for column in args.by.split(",") if column.strip()]
    report = build_report(args.logs, by=by, baseline=args.baseline, labels=parse_labels(args.label), out=args.out)
    for warning in report.warnings:
        print(f"msm: warning: {warning}", file=sys.stderr)
    print(report.markdown.read_text(encoding="utf-8").split("## Method")[0].rstrip())
    print(f"\nWrote {len(report.files)} files:")
    for path in report.files:
        print(f"  {path}")
    return 0


__all__ = ["Report", "add_commands", "build_report"]
