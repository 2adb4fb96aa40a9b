"""Output folders and files of `msm report` and `msm rescore`: a failure is one line naming the argument."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from msm_common.errors import UserError, check_output_dir


def make_output_dir(path: str | Path, argument: str) -> Path:
    """Create the output folder (checked first with `check_output_dir`), or a UserError in one line."""
    path = check_output_dir(path, argument)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"argument {argument}: cannot create {path} ({_reason(err)}); choose another folder") from None
    return path


@contextmanager
def writing(path: Path, argument: str) -> Iterator[None]:
    """Turn an OSError while writing `path` into a UserError naming the argument and the file."""
    try:
        yield
    except OSError as err:
        raise UserError(f"argument {argument}: cannot write {path} ({_reason(err)}); choose another folder") from None


def _reason(err: OSError) -> str:
    return err.strerror or os.strerror(err.errno or 0) or type(err).__name__
