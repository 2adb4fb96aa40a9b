"""Type checks of config values against dataclass annotations, with one-line messages.

Both config loaders (training/checkpoint.py for the stages, training/data/config.py for the data
pipelines) check every YAML or `--set` value here, against the field's annotation, with pydantic in
strict mode: a list where a number is expected, a string where a number is, a mapping where a list
is, are refused with the field and the expected type named, never converted with str(). Two
conversions are deliberate: an integer where a number (float) is expected, and a string written
like `1e-4`, which YAML 1.1 (PyYAML) reads as a string although it is plainly a number.
"""

from __future__ import annotations

import functools
import os
import re
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from msm_common.errors import UserError

# A float without a dot but with an exponent ("1e-4", "-2E+3"): a number in YAML 1.2 and JSON,
# a string for PyYAML. Any other string (e.g. a quoted "0.5") stays a string, and is refused.
_EXPONENT_FLOAT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+")

_STRICT = ConfigDict(strict=True, allow_inf_nan=False)

# pydantic error type -> what was expected, in words
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "none_required": "null",
}


class FieldError(UserError):
    """A config field with a bad value: `field` is its dotted name, `problem` what is wrong.

    On its own it reads "config field 'train.lr': must be ..."; the config loaders name where the
    value came from instead (the YAML file, `--set`, a flag), see `origin_label`.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"config field '{field}': {problem}")


def join(where: str, key: str) -> str:
    """The dotted name of `key` inside the section `where` ("" is the top level)."""
    return f"{where}.{key}" if where else key


def show(value: Any, limit: int = 60) -> str:
    """A short one-line repr of a value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(annotation: Any) -> str:
    """An annotation in words: "an integer", "a list of strings", ..."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(a) for a in args)
    if origin is list:
        return f"a list of {_plural(args[0])}" if args else "a list"
    if origin is dict:
        return f"a mapping of names to {_plural(args[1])}" if args else "a mapping"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            type(None): "null"}.get(annotation, str(annotation))


def _plural(annotation: Any) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list:
        return f"lists of {_plural(args[0])}" if args else "lists"
    return {int: "integers", float: "numbers", str: "strings", bool: "booleans"}.get(
        annotation, describe(annotation))


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation, config=_STRICT)


def _optional(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without None, whether None is allowed)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = tuple(a for a in args if a is not type(None))
        if len(rest) < len(args):
            return (rest[0] if len(rest) == 1 else typing.Union[rest]), True  # noqa: UP007
    return annotation, False


def _prepare(value: Any, annotation: Any, wrap_strings: bool) -> Any:
    """The two deliberate conversions (see the module docstring), plus a single name for a list."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is float and isinstance(value, str) and _EXPONENT_FLOAT.fullmatch(value.strip()):
        return float(value)
    if annotation is str and isinstance(value, os.PathLike):
        return os.fspath(value)  # from Python callers; YAML never gives a path object
    if origin is list and wrap_strings and isinstance(value, str | os.PathLike):
        return [_prepare(value, args[0], wrap_strings)] if args else [value]
    if origin is list and args and isinstance(value, list):
        return [_prepare(v, args[0], wrap_strings) for v in value]
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        return {k: _prepare(v, args[1], wrap_strings) for k, v in value.items()}
    return value


def check_type(value: Any, annotation: Any, field: str, *, wrap_strings: bool = False) -> Any:
    """`value` checked against `annotation`, or a FieldError naming the field and expected type.

    Args:
        value: A value read from YAML (or given on the command line).
        annotation: The dataclass field's type (int, float, str, bool, list[str], dict[str, ...],
            or one of these or None).
        field: The dotted field name, for the message.
        wrap_strings: Accept a single string where a list is expected (as a one-item list).
    """
    annotation, nullable = _optional(annotation)
    if value is None:
        if nullable:
            return None
        raise FieldError(field, f"must be {describe(annotation)}, got null")
    value = _prepare(value, annotation, wrap_strings)
    try:
        return _adapter(annotation).validate_python(value)
    except ValidationError as err:
        first = err.errors()[0]
        loc = "".join(f"[{part!r}]" if not isinstance(part, int) else f"[{part}]"
                      for part in first["loc"] if part != "[key]")
        if "[key]" in first["loc"]:
            problem = f"has the key {show(first['input'])}; keys must be strings (names)"
        elif loc:
            expected = _EXPECTED.get(first["type"], first["msg"])
            problem = (f"must be {describe(annotation)}; item {loc} is {show(first['input'])}, "
                       f"not {expected}")
        else:
            problem = f"must be {describe(annotation)}, got {show(value)}"
        raise FieldError(field, problem) from None


def origin_label(field: str, *, path: str | Path | None, set_keys: Iterable[str] = (),
                 flags: Mapping[str, str] | None = None) -> str:
    """Where the value of `field` came from, for the front of an error message.

    Args:
        field: The dotted field name ("train.lr", "specs['a'][0]").
        path: The YAML file the config was read from, if any.
        set_keys: Dotted keys given with `--set KEY=VALUE`.
        flags: Top-level field name -> the command-line flag that set it ("--documents").
    """
    def covers(key: str) -> bool:
        return field == key or field.startswith((key + ".", key + "["))

    for flag_field, flag in (flags or {}).items():
        if covers(flag_field):
            return f"argument {flag}"
    for key in set_keys:
        if covers(key):
            return f"--set {field}"
    if path is not None:
        return f"{path}, field '{field}'"
    return f"config field '{field}'"
