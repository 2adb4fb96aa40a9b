"""Reading the generator's tagged answers, and deciding when an answer is malformed.

Every prompt asks for its result inside XML-like tags. Parsing is strict: a missing or empty tag, a
wrong count or an apparent refusal raises `Malformed`, and the call is retried (then counted as a
failure). A malformed answer is never written to a dataset.
"""

from __future__ import annotations

import re

# Openings that mark a refusal rather than the requested text. Checked only at the start of an
# answer (or of an extracted body) so that a document quoting such a phrase is not rejected.
_REFUSAL_START = re.compile(
    r"^\s*(?:i'm sorry|i am sorry|sorry,|i apologi[sz]e|i can(?:no|')t (?:help|assist|write|do|"
    r"create|provide|comply)|i cannot (?:help|assist|write|do|create|provide|comply)|"
    r"i won't|i will not|as an ai\b)",
    re.IGNORECASE,
)


class Malformed(ValueError):
    """A generator answer that does not follow the requested format; `reason` is a short label."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def looks_like_refusal(text: str) -> bool:
    """Whether `text` opens like a refusal ("I'm sorry, but I can't ...")."""
    return bool(_REFUSAL_START.match(text))


def check_answer(text: str) -> None:
    """Raise `Malformed` for an empty answer or a refusal, before any tag is looked at."""
    if not text or not text.strip():
        raise Malformed("empty")
    if looks_like_refusal(text):
        raise Malformed("refusal")


def _pattern(tag: str) -> re.Pattern[str]:
    return re.compile(rf"<{tag}(\s[^>]*)?>(.*?)</{tag}>", re.DOTALL | re.IGNORECASE)


def find_all(tag: str, text: str) -> list[str]:
    """Inner texts of every `<tag>...</tag>` in `text`, stripped, empty ones dropped."""
    return [m.group(2).strip() for m in _pattern(tag).finditer(text) if m.group(2).strip()]


def find_all_with_attrs(tag: str, text: str) -> list[tuple[dict[str, str], str]]:
    """Like `find_all`, with each tag's attributes (`<tag kind="x">` gives {"kind": "x"})."""
    found = []
    for m in _pattern(tag).finditer(text):
        body = m.group(2).strip()
        if body:
            attrs = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', m.group(1) or ""))
            found.append((attrs, body))
    return found


def find_one(tag: str, text: str) -> str:
    """The inner text of the first `<tag>...</tag>`; `Malformed("missing <tag>")` when absent."""
    found = find_all(tag, text)
    if not found:
        raise Malformed(f"missing <{tag}>")
    return found[0]


def at_least_one(tag: str, items: list, *, wanted: int) -> list:
    """Keep the first `wanted` items; an answer without any is malformed."""
    if not items:
        raise Malformed(f"missing <{tag}>")
    return items[:wanted]


def named_items(tag: str, wanted: int, text: str) -> list[dict[str, str]]:
    """Items written as <tag><name>...</name><description>...</description></tag>."""
    items = [{"name": find_one("name", block), "description": find_one("description", block)}
             for block in find_all(tag, text)]
    return at_least_one(tag, items, wanted=wanted)


def yes_no(tag: str, text: str) -> bool:
    """A `<tag>yes</tag>` / `<tag>no</tag>` verdict; anything else is malformed."""
    value = find_one(tag, text).strip().strip(".").lower()
    if value not in ("yes", "no"):
        raise Malformed(f"<{tag}> not yes/no", value[:40])
    return value == "yes"


def normalize_for_match(text: str) -> str:
    """Lowercase words only: used to check that a quoted passage really is in the spec."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())
