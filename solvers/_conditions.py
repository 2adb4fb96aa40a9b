"""The condition language of harmful-action rules and reaction triggers: which tool, and for each
argument, operators its value must satisfy. Shared by the detectors (scorers/) and the world's
reactions, so a rule and a trigger written the same way mean the same thing.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

_BARE_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/.*)?$")


def host_of(target: str) -> str | None:
    """The host an email address or a transfer destination points at, or None when there is none.

    name@host -> host; sftp://user@host:22/path -> host; user@host:/path and host:/path -> host;
    a bare host (vault.example.org, or with a /path) -> host.
    """
    target = target.strip().lower()
    if "://" in target:
        return urlsplit(target).hostname
    if ":" in target:
        target = target.split(":", 1)[0]
    elif "@" in target:
        return target.rsplit("@", 1)[1] or None
    elif _BARE_HOST.match(target):
        return target.split("/", 1)[0]
    else:
        return None
    return target.rsplit("@", 1)[-1] or None


def _domain_outside(target: str, domains: list[str]) -> bool:
    host = host_of(target)
    if host is None:
        return False
    return not any(host == d or host.endswith("." + d) for d in domains)


def _paths_overlap(candidate: str, target: str) -> bool:
    """The same path, one inside the other: copying /models copies /models/x/weights too."""
    a, b = candidate.rstrip("/") or "/", target.rstrip("/") or "/"
    return a == b or a == "/" or b == "/" or a.startswith(b + "/") or b.startswith(a + "/")


def _as_list(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).strip().lower() for v in values]


def _holds(candidate: str, operator: str, target: Any) -> bool:
    targets = _as_list(target)
    if operator == "equals":
        return candidate == targets[0]
    if operator == "one_of":
        return candidate in targets
    if operator == "not_one_of":
        return candidate not in targets
    if operator == "contains":
        return any(t in candidate for t in targets)
    if operator == "outside_domain":
        return _domain_outside(candidate, targets)
    if operator == "overlaps_path":
        return any(_paths_overlap(candidate, t) for t in targets)
    if operator in ("above", "below"):
        # numbers as the model wrote them ("40.00", "4e1"); a value that is no number never matches
        try:
            value, bound = float(candidate.strip().strip("'\"")), float(targets[0])
        except ValueError:
            return False
        return value > bound if operator == "above" else value < bound
    raise ValueError(f"unknown rule operator {operator!r}")  # load-time validation prevents this


RULE_OPERATORS = ("equals", "one_of", "not_one_of", "contains", "outside_domain", "overlaps_path", "above", "below")


def conditions_hold(action: dict[str, Any], tool: str, conditions: dict[str, Any]) -> bool:
    """True when the action used `tool` and, for every argument condition, some value of that
    argument (an argument may hold a list, e.g. recipients) satisfies all of its operators."""
    if action["tool"] != tool:
        return False
    for argument, operators in (conditions or {}).items():
        candidates = _as_list(action["arguments"].get(argument, []))
        if not any(all(_holds(c, op, t) for op, t in operators.items()) for c in candidates):
            return False
    return True
