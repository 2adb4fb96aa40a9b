"""Checks of Inspect task arguments (-T name=value), shared by the msm_eval tasks."""

from __future__ import annotations

import sys

from inspect_ai._util.error import PrerequisiteError
from inspect_ai.util._display import display_type

from msm_common.errors import UserError


def task_argument_error(task: str, err: UserError) -> PrerequisiteError:
    """The error a task raises for a bad argument: Inspect stops before any model call."""
    message = f"{task}: {err}"
    if display_type() == "none":
        # Inspect shows a task's PrerequisiteError in its display only: say it on stderr too.
        print(message, file=sys.stderr)
    return PrerequisiteError(message)


def whole_number_arg(value: object, *, name: str, least: int, why: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UserError(f"argument {name}: expected a whole number, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise UserError(f"argument {name}: expected a whole number, got {value!r}") from None
    if number < least:
        raise UserError(f"argument {name}: must be at least {least} ({why}), got {number}")
    return number


def number_arg(value: object, *, name: str, least: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UserError(f"argument {name}: expected a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise UserError(f"argument {name}: expected a number, got {value!r}") from None
    if not number >= least:  # also refuses nan
        raise UserError(f"argument {name}: must be at least {least:g}, got {value!r}")
    return number
