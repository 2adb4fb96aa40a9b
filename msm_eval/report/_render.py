"""Write the report: Markdown, CSV, a self-contained HTML page and a PNG plot."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

METHODS = (
    "Rates count sample-epochs with a verdict; unscored (judge unparseable twice), malformed (a "
    "text answer that could not be parsed, with no harm established), no-answer (empty or refused "
    "target output), not available (a family whose rules need the judge, run without one) and "
    "errored samples are left out of the harmful rate and counted in their own columns. 'attempted' "
    "is the rate of harmful actions the model tried and the world refused. Intervals are 95% "
    "Wilson score intervals; over several conditions the "
    "sample size is the effective size after clustering by condition (design effect from the "
    "cluster-robust variance, at least 1), within one condition the epochs count as independent "
    "draws. Differences against the baseline use Newcombe's hybrid score interval; p-values come "
    "from a two-sided pooled two-proportion z-test on the effective sample sizes."
)


JUDGE_NOT_RUN = "judge not run"
NEEDS_JUDGE = "n/a (needs the judge)"


def pct(value: float) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def with_ci(row: pd.Series, key: str) -> str:
    if pd.isna(row[key]):
        return "-"
    return f"{pct(row[key])} [{pct(row[f'{key}_ci_low'])}, {pct(row[f'{key}_ci_high'])}]"


def display_rates(table: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Human-readable version of a rate table."""
    shown = table[list(by)].copy()
    shown["n"] = table["n"]
    shown["harmful [95% CI]"] = [
        NEEDS_JUDGE if pd.isna(r["harmful"]) and r["not_available"] else with_ci(r, "harmful")
        for _, r in table.iterrows()
    ]
    shown["action taken"] = [with_ci(r, "action_taken") for _, r in table.iterrows()]
    shown["attempted"] = [with_ci(r, "attempted") for _, r in table.iterrows()]
    shown["judge says harmful"] = [
        JUDGE_NOT_RUN if _judge_not_run(r) else with_ci(r, "judge_verdict") for _, r in table.iterrows()
    ]
    shown["unscored"] = table["unscored"]
    shown["no answer"] = table["no_answer"]
    for key, title in (("malformed", "malformed"), ("not_available", "not available (no judge)")):
        if table[key].any():
            shown[title] = table[key]
    if table["errors"].any():
        shown["errors"] = table["errors"]
    if table["aware_test"].notna().any():
        shown["aware (test)"] = table["aware_test"].map(pct)
    return shown


def _judge_not_run(row: pd.Series) -> bool:
    """No judge verdict in the group and nothing unscored: the logs were made without a grader."""
    return "judge_n" in row and row["judge_n"] == 0 and row["unscored"] == 0


def display_comparison(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    shown = table[["model", "baseline", "scope", "group", "n", "n_baseline"]].copy()
    shown["harmful"] = table["harmful"].map(pct)
    shown["baseline harmful"] = table["harmful_baseline"].map(pct)
    shown["difference [95% CI]"] = [
        f"{r.difference:+.1%} [{r.difference_ci_low:+.1%}, {r.difference_ci_high:+.1%}]" for r in table.itertuples()
    ]
    shown["p (z-test)"] = table["p_value"].map(lambda p: f"{p:.3g}")
    shown["significant"] = table["significant"].map(lambda s: "yes" if s else "no")
    return shown


def display_agreement(table: pd.DataFrame, judged: Sequence[str] | None = None) -> pd.DataFrame:
    """The agreement table; models not in `judged` (no judge ran) say "judge not run"."""
    shown = table.copy().astype(object)
    shown["agreement"] = table["agreement"].map(pct)
    shown["kappa"] = table["kappa"].map(lambda k: "-" if pd.isna(k) else f"{k:.2f}")
    if judged is not None:
        idle = ~table["model"].isin(list(judged))
        shown.loc[idle, "agreement"] = JUDGE_NOT_RUN
        for column in ("n", "kappa", "both_yes", "detector_only", "judge_only", "both_no"):
            shown.loc[idle, column] = "-"
    return shown


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_(none)_"
    columns = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in frame.itertuples(index=False):
        cells = [str(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(table: pd.DataFrame, path: Path) -> None:
    """Harmful rate per condition with its interval, one colour per model (a dot-and-whisker plot).

    Conditions run top to bottom in family, then condition order; each condition holds one row per
    model (in the order the logs were given) inside a shaded band, so the models sit side by side.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conditions = list(dict.fromkeys(table.sort_values(["family", "condition"])["condition"]))
    models = list(dict.fromkeys(table["model"]))
    height = max(2.5, 0.24 * len(conditions) * max(1, len(models)) ** 0.5 + 1.5)
    fig, ax = plt.subplots(figsize=(9, height))
    colours = plt.get_cmap("tab10")
    step = 0.8 / max(1, len(models))
    for index, model in enumerate(models):
        rows = table[table["model"] == model].set_index("condition")
        ys, xs, lows, highs = [], [], [], []
        for position, condition in enumerate(conditions):
            if condition not in rows.index or pd.isna(rows.loc[condition, "harmful"]):
                continue
            row = rows.loc[condition]
            ys.append(position - 0.4 + step * (index + 0.5))
            xs.append(row["harmful"])
            lows.append(row["harmful"] - row["harmful_ci_low"])
            highs.append(row["harmful_ci_high"] - row["harmful"])
        ax.errorbar(xs, ys, xerr=[lows, highs], fmt="o", capsize=3, color=colours(index % 10), label=model)
    for position in range(1, len(conditions), 2):
        ax.axhspan(position - 0.5, position + 0.5, color="grey", alpha=0.08, linewidth=0)
    ax.set_yticks(range(len(conditions)))
    ax.set_yticklabels(conditions, fontsize=8)
    ax.set_ylim(len(conditions) - 0.5, -0.5)
    # a faint line between families keeps a long list of conditions readable
    families = table.drop_duplicates("condition").set_index("condition")["family"]
    for position in range(1, len(conditions)):
        if families[conditions[position]] != families[conditions[position - 1]]:
            ax.axhline(position - 0.5, color="grey", linewidth=0.6, alpha=0.6)
    ax.set_xlim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("harmful rate (95% Wilson interval)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="model")
    ax.set_title("Harmful actions per condition")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def markdown_page(title: str, sections: list[tuple[str, pd.DataFrame | str]], image: str, alt: str) -> str:
    """The report as Markdown: a title, one heading per section, then the plot."""
    lines = [f"# {title}", ""]
    for heading, content in sections:
        body = content if isinstance(content, str) else markdown_table(content)
        lines += [f"## {heading}", "", body, ""]
    lines += [f"![{alt}]({image})", ""]
    return "\n".join(lines)


def html_page(
    title: str,
    sections: list[tuple[str, pd.DataFrame | str]],
    png: Path,
    figure_title: str = "Harmful rate per condition",
) -> str:
    """A self-contained page: inline CSS, tables, and the plot embedded as a data URI."""
    image = base64.b64encode(png.read_bytes()).decode("ascii")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}",
        "table{border-collapse:collapse;margin:1em 0;font-size:14px}",
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}",
        "th{background:#f3f3f3}tr:nth-child(even){background:#fafafa}",
        "p.note{color:#555;font-size:13px;max-width:900px}img{max-width:100%}",
        "</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    figure = [
        f"<h2>{html.escape(figure_title)}</h2>",
        f"<img alt='{html.escape(figure_title)}' src='data:image/png;base64,{image}'>",
    ]
    for heading, content in sections:
        if heading == "Method":
            parts += figure
            figure = []
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if isinstance(content, str):
            parts.append(f"<p class='note'>{html.escape(content).replace(chr(10), '<br>')}</p>")
        elif content.empty:
            parts.append("<p class='note'>(none)</p>")
        else:
            parts.append(content.to_html(index=False, border=0, escape=True, na_rep="-"))
    parts += figure
    parts.append("</body></html>")
    return "\n".join(parts)
