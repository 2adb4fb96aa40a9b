"""`msm report` for values logs: value-aligned preference per model (arm), value, domain and path.

Every rate is per question (the mean over the question's option orders, epochs and, when several
logs share a label, seeds), with a 95% Wilson interval whose n is the number of questions; see
msm_eval/values/_scorer.py, which computes the same numbers inside `inspect eval`. Differences
against a baseline model use Newcombe's hybrid score interval.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from inspect_ai.analysis import samples_df

from msm_eval.report._render import markdown_table, pct
from msm_eval.values._scorer import RATE_KEYS
from scorers import clustered_rate, newcombe_difference

SCORER = "value_scorer"
# (scoring path, probability key, hard-choice key, winner key for position bias)
PATHS = (
    ("labels", "label_p", "label_choice", "label_winner"),
    ("likelihood", "likelihood_p", "likelihood_choice", None),
    ("likelihood_raw", "likelihood_raw_p", "likelihood_raw_choice", None),
    ("generate", None, "generate_choice", "generate_winner"),
)


def load_value_rows(files: Sequence[str], labels_by_log: dict[str, str]) -> pd.DataFrame:
    """One row per sample-epoch of values logs: model label, value, domain, question, order, scores."""
    samples = samples_df(list(files), quiet=True)
    rows = pd.DataFrame({"log": samples["log"].map(lambda name: str(name).removeprefix("file://"))})
    rows["model"] = rows["log"].map(labels_by_log)
    for column in ("value", "domain", "question_id", "order"):
        rows[column] = samples[f"metadata_{column}"].astype(object)
    rows["epoch"] = samples["epoch"]
    parsed = samples[f"score_{SCORER}"].map(_parse) if f"score_{SCORER}" in samples else pd.Series([{}] * len(rows))
    for key in (*RATE_KEYS, "label_winner", "generate_winner"):
        rows[key] = parsed.map(lambda value, key=key: value.get(key))
    for key in RATE_KEYS:
        rows[key] = pd.to_numeric(rows[key], errors="coerce").astype(float)
    return rows


def _parse(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw:
        value = json.loads(raw)
        return value if isinstance(value, dict) else {}
    return {}


def question_means(rows: pd.DataFrame, key: str) -> list[float]:
    scored = rows[rows[key].notna()]
    return scored.groupby("question_id", sort=False)[key].mean().tolist()


def position_bias(rows: pd.DataFrame, key: str) -> tuple[float, int]:
    """Share of (question, epoch, log) pairs answered in both orders where the same letter won."""
    answered = rows[rows[key].isin(["A", "B"])]
    same = answered.groupby(["log", "epoch", "question_id"])[key].agg(lambda w: len(w) == 2 and w.nunique() == 1)
    both = answered.groupby(["log", "epoch", "question_id"])[key].size() == 2
    if not both.any():
        return float("nan"), 0
    return float(same[both].mean()), int(both.sum())


def value_rate_table(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per group and scoring path: questions, mean probability and hard choice with 95% intervals."""
    records = []
    for keys, group in rows.groupby(list(by), sort=False, dropna=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        for path, p_key, choice_key, winner_key in PATHS:
            if group[choice_key].notna().sum() == 0:
                continue
            record: dict[str, Any] = dict(zip(by, keys, strict=True))
            record["path"] = path
            for name, key in (("p", p_key), ("choice", choice_key)):
                if key is None:
                    record.update({name: float("nan"), f"{name}_ci_low": float("nan"), f"{name}_ci_high": float("nan")})
                    continue
                rate = clustered_rate(question_means(group, key))
                record.update({name: rate.rate, f"{name}_ci_low": rate.low, f"{name}_ci_high": rate.high})
                record["questions"] = rate.n
            record["unscored"] = int(group[choice_key].isna().sum())
            record["position_bias"], _ = position_bias(group, winner_key) if winner_key else (float("nan"), 0)
            records.append(record)
    return pd.DataFrame.from_records(records)


def value_comparison_table(rows: pd.DataFrame, baseline: str, by: Sequence[str] = ("value",)) -> pd.DataFrame:
    """Each model's preference rate (hard choice and probability) minus the baseline's, per group."""
    records = []
    base_rows = rows[rows["model"] == baseline]
    for model in [m for m in dict.fromkeys(rows["model"]) if m != baseline]:
        mine_all = rows[rows["model"] == model]
        for keys, mine in mine_all.groupby(list(by), sort=False):
            keys = keys if isinstance(keys, tuple) else (keys,)
            theirs = base_rows
            for column, key in zip(by, keys, strict=True):
                theirs = theirs[theirs[column] == key]
            for path, p_key, choice_key, _ in PATHS:
                for measure, key in (("choice", choice_key), ("p", p_key)):
                    if key is None:
                        continue
                    a, b = clustered_rate(question_means(mine, key)), clustered_rate(question_means(theirs, key))
                    if a.n == 0 or b.n == 0:
                        continue
                    diff, low, high = newcombe_difference(a, b)
                    records.append(
                        {
                            "model": model,
                            "baseline": baseline,
                            **dict(zip(by, keys, strict=True)),
                            "path": path,
                            "measure": measure,
                            "rate": a.rate,
                            "rate_baseline": b.rate,
                            "difference": diff,
                            "difference_ci_low": low,
                            "difference_ci_high": high,
                            "excludes_zero": bool(low > 0 or high < 0),
                        }
                    )
    return pd.DataFrame.from_records(records)


def ci(row: Any, key: str) -> str:
    value = row[key] if isinstance(row, dict | pd.Series) else getattr(row, key)
    if pd.isna(value):
        return "-"
    low = row[f"{key}_ci_low"] if isinstance(row, dict | pd.Series) else getattr(row, f"{key}_ci_low")
    high = row[f"{key}_ci_high"] if isinstance(row, dict | pd.Series) else getattr(row, f"{key}_ci_high")
    return f"{pct(value)} [{pct(low)}, {pct(high)}]"


def display_value_rates(table: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    if table.empty:
        return table
    shown = table[[*by, "path", "questions"]].copy()
    shown["mean probability [95% CI]"] = [ci(r, "p") for _, r in table.iterrows()]
    shown["hard choice [95% CI]"] = [ci(r, "choice") for _, r in table.iterrows()]
    shown["same letter both orders"] = table["position_bias"].map(pct)
    shown["unscored"] = table["unscored"]
    return shown


def display_value_comparison(table: pd.DataFrame, by: Sequence[str] = ("value",)) -> pd.DataFrame:
    if table.empty:
        return table
    shown = table[["model", "baseline", *by, "path", "measure"]].copy()
    shown["rate"] = table["rate"].map(pct)
    shown["baseline rate"] = table["rate_baseline"].map(pct)
    shown["difference [95% CI]"] = [
        f"{r.difference:+.1%} [{r.difference_ci_low:+.1%}, {r.difference_ci_high:+.1%}]" for r in table.itertuples()
    ]
    shown["CI excludes 0"] = table["excludes_zero"].map(lambda s: "yes" if s else "no")
    return shown


VALUES_METHOD = (
    "Each question is asked in both option orders. 'labels': probability mass on the letters A and B "
    "at the first answer token (Inspect logprobs), normalised over the two letters; 'likelihood': "
    "each option's text scored as the answer to the bare question (mean token log-probability, minus "
    "the same text's after a question that says nothing), P(aligned) = sigmoid of the difference; "
    "'likelihood_raw': the summed log-probability of each option's text after the question, with no "
    "baseline (a baseline scored by the same model also absorbs a preference its training installed "
    "everywhere); "
    "'generate': a strict one-letter answer, anything else unscored. Mean probability and hard choice "
    "(1 when the aligned option wins, 0.5 on a tie) are averaged per question over orders, epochs and "
    "seeds; intervals are 95% Wilson intervals with n = questions (conservative for a mean "
    "probability). 'Same letter both orders' is the share of questions where one letter won in both "
    "orders (position bias; 'likelihood' shows no options, so it has none). Differences use "
    "Newcombe's hybrid score interval."
)


def plot_values(
    table: pd.DataFrame,
    path: Path,
    published: dict[str, dict[str, float]] | None = None,
    title: str = "Value-aligned preference",
) -> None:
    """Preference rate (hard choice) per model and value with 95% intervals; published rates as x."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = list(dict.fromkeys(table["value"]))
    all_paths = list(dict.fromkeys(table["path"]))  # one colour per scoring path in every panel
    fig, axes = plt.subplots(1, max(1, len(values)), figsize=(4.2 * max(1, len(values)), 3.8), squeeze=False)
    colours = plt.get_cmap("tab10")
    for ax, value in zip(axes[0], values, strict=False):
        part = table[table["value"] == value]
        models = list(dict.fromkeys(part["model"]))
        paths = list(dict.fromkeys(part["path"]))
        width = 0.8 / max(1, len(paths))
        for j, scoring in enumerate(paths):
            rows = part[part["path"] == scoring].set_index("model")
            xs = [i - 0.4 + width * (j + 0.5) for i, m in enumerate(models) if m in rows.index]
            ys = [rows.loc[m, "choice"] for m in models if m in rows.index]
            low = [rows.loc[m, "choice"] - rows.loc[m, "choice_ci_low"] for m in models if m in rows.index]
            high = [rows.loc[m, "choice_ci_high"] - rows.loc[m, "choice"] for m in models if m in rows.index]
            ax.errorbar(
                xs, ys, yerr=[low, high], fmt="o", capsize=3, color=colours(all_paths.index(scoring)), label=scoring
            )
        for i, model in enumerate(models):
            if published and model in published.get(value, {}):
                ax.plot([i], [published[value][model]], "x", color="black", markersize=8, label="published (paper)")
        ax.axhline(0.5, color="grey", linewidth=0.6, alpha=0.6)
        ax.set_xticks(range(len(models)))
        ax.set_xticklabels(models, rotation=35, ha="right", fontsize=8)
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(value)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("aligned option chosen (95% CI)")
    legend: dict[str, Any] = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    axes[0][-1].legend(legend.values(), legend.keys(), fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def values_sections(rows: pd.DataFrame, baseline: str) -> list[tuple[str, pd.DataFrame | str]]:
    """The report sections for values logs (used by `msm report` and the experiment report)."""
    overall = value_rate_table(rows, ["model", "value"])
    by_domain = value_rate_table(rows, ["model", "value", "domain"])
    sections: list[tuple[str, pd.DataFrame | str]] = [
        ("Value-aligned preference by model and value", display_value_rates(overall, ["model", "value"])),
    ]
    if rows["model"].nunique() > 1:
        comparison = value_comparison_table(rows, baseline)
        sections.append((f"Against the baseline ({baseline})", display_value_comparison(comparison)))
    sections.append(("By domain", display_value_rates(by_domain, ["model", "value", "domain"])))
    sections.append(("Method", VALUES_METHOD))
    return sections


__all__ = [
    "display_value_rates",
    "load_value_rows",
    "markdown_table",
    "plot_values",
    "value_rate_table",
    "values_sections",
]
