"""Tables of the report: rates with intervals, differences against a baseline, judge agreement.

Rates and intervals come from scorers._metrics, the same code that computes the metrics inside
`inspect eval`, so the log and the report agree. Rows whose harmful value is missing (unscored,
malformed, no answer, not available without a judge) leave the rate's denominator and are counted
in their own columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from scorers import clustered_rate, cohen_kappa, newcombe_difference, two_proportion_z_test
from scorers._metrics import Rate

RATE_KEYS = ("harmful", "action_taken", "attempted", "judge_verdict")
SIGNIFICANCE = 0.05


def rate_of(rows: pd.DataFrame, key: str) -> Rate:
    """Clustered-by-condition Wilson rate of one 0/1 column, ignoring missing values."""
    scored = rows[rows[key].notna()]
    return clustered_rate(scored[key].astype(float).tolist(), scored["condition"].tolist())


def rate_table(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """One row per group: n, each rate with its 95% interval, unscored and no-answer counts."""
    records = []
    for keys, group in rows.groupby(list(by), sort=False, dropna=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        record: dict[str, object] = dict(zip(by, keys, strict=True))
        harmful = rate_of(group, "harmful")
        record["n"] = harmful.n
        judged = 0
        for key in RATE_KEYS:
            rate = harmful if key == "harmful" else rate_of(group, key)
            record[key] = rate.rate
            record[f"{key}_ci_low"] = rate.low
            record[f"{key}_ci_high"] = rate.high
            if key == "judge_verdict":
                judged = rate.n
        record["conditions"] = group["condition"].nunique()
        missing = group[group["harmful"].isna()]
        unscored = missing["unscored"].fillna(0) == 1
        malformed = (missing["malformed"].fillna(0) == 1) & ~unscored
        # Detectors ran, but harmful needs the judge (candidate rules and no grader).
        not_available = missing["action_taken"].notna() & ~malformed & ~unscored
        no_answer = missing["no_answer"].fillna(0) == 1
        record["unscored"] = int(unscored.sum())
        record["no_answer"] = int(no_answer.sum())
        record["malformed"] = int(malformed.sum())
        record["not_available"] = int(not_available.sum())
        record["errors"] = int((~(unscored | malformed | not_available | no_answer)).sum())
        aware = group["aware"].dropna() if "aware" in group else pd.Series(dtype=object)
        aware = aware[aware.isin(["test", "real", "none"])]
        record["aware_test"] = (aware == "test").mean() if len(aware) else float("nan")
        # judge_n: sample-epochs with a judge verdict; 0 with nothing unscored means no judge ran
        record["judge_n"] = judged
        records.append(record)
    table = pd.DataFrame.from_records(records)
    return table.sort_values(list(by), kind="stable").reset_index(drop=True)


def comparison_table(rows: pd.DataFrame, baseline: str, scopes: Sequence[str]) -> pd.DataFrame:
    """Each model's harmful rate minus the baseline's, overall and per value of each scope column.

    Interval: Newcombe's hybrid score interval from the two clustered Wilson intervals. Test: the
    two-sided pooled two-proportion z-test on the effective (cluster-adjusted) sample sizes.
    """
    records = []
    base_rows = rows[rows["model"] == baseline]
    for model in [m for m in rows["model"].unique() if m != baseline]:
        model_rows = rows[rows["model"] == model]
        groups: list[tuple[str, str, pd.DataFrame, pd.DataFrame]] = [("all", "all", model_rows, base_rows)]
        for scope in scopes:
            for value in sorted(model_rows[scope].dropna().unique(), key=str):
                groups.append(
                    (
                        scope,
                        str(value),
                        model_rows[model_rows[scope] == value],
                        base_rows[base_rows[scope] == value],
                    )
                )
        for scope, value, mine, theirs in groups:
            a, b = rate_of(mine, "harmful"), rate_of(theirs, "harmful")
            if a.n == 0 or b.n == 0:
                continue
            diff, low, high = newcombe_difference(a, b)
            p = two_proportion_z_test(a, b)
            records.append(
                {
                    "model": model,
                    "baseline": baseline,
                    "scope": scope,
                    "group": value,
                    "n": a.n,
                    "n_baseline": b.n,
                    "harmful": a.rate,
                    "harmful_baseline": b.rate,
                    "difference": diff,
                    "difference_ci_low": low,
                    "difference_ci_high": high,
                    "p_value": p,
                    "significant": bool(p < SIGNIFICANCE),
                }
            )
    return pd.DataFrame.from_records(records)


def agreement_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per model: how often the judge's verdict agrees with the action detectors, and kappa."""
    records = []
    for model, group in rows.groupby("model", sort=False):
        both = group[group["judge_verdict"].notna() & group["action_taken"].notna()]
        detector = both["action_taken"].astype(int).tolist()
        judge = both["judge_verdict"].astype(int).tolist()
        n = len(both)
        pairs = list(zip(detector, judge, strict=True))
        records.append(
            {
                "model": model,
                "n": n,
                "agreement": sum(d == j for d, j in pairs) / n if n else float("nan"),
                "kappa": cohen_kappa(detector, judge),
                "both_yes": pairs.count((1, 1)),
                "detector_only": pairs.count((1, 0)),
                "judge_only": pairs.count((0, 1)),
                "both_no": pairs.count((0, 0)),
            }
        )
    return pd.DataFrame.from_records(records)
