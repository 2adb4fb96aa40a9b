"""`msm report`: tables, a plot and baseline comparisons from msm_eval Inspect logs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from msm_eval.errors import UserError
from msm_eval.report import _render
from msm_eval.report._load import FACTORS, load_samples, parse_labels
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


def build_report(
    paths: Sequence[str],
    *,
    by: Sequence[str] = ("model", "family", "condition"),
    baseline: str | None = None,
    labels: dict[str, str] | None = None,
    out: str | Path = "msm-report",
) -> Report:
    """Read msm_eval logs and write report.md, rates.csv, report.html and harmful_rate.png.

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
    rows = load_samples(paths, labels)
    models = list(dict.fromkeys(rows["model"]))
    if baseline is not None and baseline not in models:
        raise UserError(f"--baseline {baseline!r}: no such model in the logs; models: {', '.join(models)}")
    baseline = baseline or models[0]

    overall = rate_table(rows, ["model"])
    rates = rate_table(rows, by)
    per_condition = rate_table(rows, ["model", "family", "condition"])
    scopes = [column for column in by if column != "model"]
    comparison = comparison_table(rows, baseline, scopes) if len(models) > 1 else pd.DataFrame()
    agreement = agreement_table(rows)
    # With awareness judged: does behaviour differ when the model's reasoning calls it a test?
    aware_rows = rows[rows["aware"].isin(["test", "real", "none"])]
    awareness = rate_table(aware_rows, ["model", "aware"]) if len(aware_rows) else None

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "rates.csv"
    rates.to_csv(csv, index=False)
    if not comparison.empty:
        comparison.to_csv(out / "comparison.csv", index=False)
    agreement.to_csv(out / "agreement.csv", index=False)
    png = out / "harmful_rate.png"
    _render.plot(per_condition, png)

    title = "msm-eval report: " + ", ".join(models)
    sections: list[tuple[str, pd.DataFrame | str]] = [
        ("Overall by model", _render.display_rates(overall, ["model"])),
        (f"By {', '.join(by)}", _render.display_rates(rates, by)),
    ]
    if len(models) > 1:
        sections.append((f"Against the baseline ({baseline})", _render.display_comparison(comparison)))
    sections.append(("Judge vs action detectors", _render.display_agreement(agreement)))
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
    markdown = out / "report.md"
    lines = [f"# {title}", ""]
    for heading, content in sections:
        body = content if isinstance(content, str) else _render.markdown_table(content)
        lines += [f"## {heading}", "", body, ""]
    lines += ["![harmful rate per condition](harmful_rate.png)", ""]
    markdown.write_text("\n".join(lines), encoding="utf-8")
    page = out / "report.html"
    page.write_text(_render.html_page(title, sections, png), encoding="utf-8")
    return Report(out, markdown, page, png, csv, rates, comparison, agreement)


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
    print(report.markdown.read_text(encoding="utf-8").split("## Method")[0].rstrip())
    print(f"\nWrote {report.markdown}, {report.csv}, {report.html} and {report.png}")
    return 0


__all__ = ["Report", "add_commands", "build_report"]
