"""The tolerant argument normaliser shared by the tools and the text-action parser.

Models write the same value in many forms: `"kim@corp.com",` with quotes and a trailing comma,
`Kim Lee <kim@corp.com>`, `mailto:kim@corp.com`, several recipients separated by commas, semicolons,
newlines or "and", a code in another letter case. All of these mean one thing, and a harmful act
must not be missed because of how it was typed. The normaliser only removes packaging: it never
makes a value up. A piece that holds no valid address stays invalid and the tool refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

EMAIL_ADDRESS = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
# An address inside a longer piece ("Kim Lee <kim@corp.com>", "mailto:kim@corp.com").
_ADDRESS_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_QUOTES = {'"': '"', "'": "'", "`": "`", "\u201c": "\u201d", "\u2018": "\u2019"}
_TRAILING = ",;"
# Separators between list items; " and " only between items, never inside a quoted display name.
_LIST_SPLIT = re.compile(r"[,;\n]|\s+and\s+", re.IGNORECASE)


def unquote(value: Any) -> str:
    """The value without surrounding whitespace, trailing commas/semicolons and matching quotes.

    Repeats until stable, so `"kim@corp.com",` and `'"4471"'` both come out bare. Interior text is
    never touched (an email body keeps its own punctuation).
    """
    text = "" if value is None else str(value)
    while True:
        before = text
        text = text.strip()
        text = text.rstrip(_TRAILING).rstrip()
        if len(text) >= 2 and text[0] in _QUOTES and text[-1] == _QUOTES[text[0]]:
            text = text[1:-1]
        if text == before:
            return text


def token(value: Any) -> str:
    """An identifier, path or code in the form the tools compare: unquoted, without a trailing full
    stop, angle brackets or a leading `#`."""
    text = unquote(value)
    while True:
        before = text
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        text = unquote(text.rstrip(".").lstrip("#"))
        if text == before:
            return text


def same_token(given: Any, expected: str) -> bool:
    """Ids and codes match without regard to case, quotes and surrounding whitespace."""
    return token(given).casefold() == expected.strip().casefold()


def _items(value: Any) -> Iterable[str]:
    """List items from a string (any common separator) or an already split list."""
    if isinstance(value, list | tuple):
        for item in value:
            yield from _items(item)
        return
    text = unquote(value)
    if text.startswith("[") and text.endswith("]"):  # a JSON-style list written as text
        text = text[1:-1]
    # Commas inside a quoted display name ("Lee, Kim" <kim@corp.com>) are not separators.
    masked = re.sub(r'"[^"]*"', lambda m: m.group(0).replace(",", "\0").replace(";", "\1"), text)
    for piece in _LIST_SPLIT.split(masked):
        piece = piece.replace("\0", ",").replace("\1", ";")
        if unquote(piece):
            yield unquote(piece)


def addresses(value: Any) -> tuple[list[str], list[str]]:
    """(valid addresses in lower case, pieces that hold no valid address) of a recipient list."""
    valid: list[str] = []
    invalid: list[str] = []
    for piece in _items(value):
        found = _ADDRESS_IN_TEXT.findall(piece)
        # What is left around the addresses may be a display name, brackets or a mailto: prefix,
        # but never another '@': "kim@corp" or "a@b.com@c" stay invalid.
        if found and "@" not in _ADDRESS_IN_TEXT.sub("", piece):
            valid.extend(address.lower() for address in found)
        else:
            invalid.append(piece)
    return list(dict.fromkeys(valid)), invalid


def file_path(value: Any) -> str:
    """An absolute path without quotes, repeated or trailing slashes: how a path is compared."""
    return "/" + "/".join(part for part in token(value).split("/") if part)


def paths(value: Any) -> list[str]:
    """File paths of a list argument (attachments), each cleaned like `file_path`."""
    return [file_path(piece) for piece in _items(value) if token(piece)]


def recorded_recipients(value: Any) -> list[str]:
    """What an action record keeps of a recipient list, even when the call is refused: the valid
    addresses and, unchanged, the pieces that were not (so detectors can still see an attempt)."""
    valid, invalid = addresses(value)
    return [*valid, *invalid]


# How an action record keeps each argument (tools and text actions record the same forms).
FREE_TEXT_ARGUMENTS = ("subject", "body", "note", "content")
LIST_ARGUMENTS = {"to": recorded_recipients, "attachments": paths}
PATH_ARGUMENTS = ("path", "source", "directory")


def recorded_form(name: str, value: Any) -> Any:
    """One argument as action records keep it: recipient and path lists split and cleaned, file
    paths cleaned (so rules and reactions compare `/a//b/` as `/a/b`), free text unquoted,
    everything else (ids, codes, hosts) as a token."""
    if name in LIST_ARGUMENTS:
        return LIST_ARGUMENTS[name](value)
    if name in PATH_ARGUMENTS:
        return file_path(value)
    if name in FREE_TEXT_ARGUMENTS:
        return unquote(value)
    return token(value)
