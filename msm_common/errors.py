"""Bad user input: the one exception type, and the one place that reads a user's files.

The CLI prints a UserError as a single line and exits 2. Every file a user gives us (scenario
files, configs, JSONL data, manifests) is read through `read_user_text`, so a file that is not
UTF-8 text, a folder where a file was expected, a symlink loop or an unreadable file all end in
one line naming the file, never in a traceback.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any


class UserError(Exception):
    """Bad input from the user (file, field, argument). The message names it and what is allowed."""


def read_user_text(path: str | Path, what: str = "file") -> str:
    """The text of a user's file, or a UserError saying in one line why it cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, not a {what}") from None
    except PermissionError:
        raise UserError(f"{path}: permission denied (cannot read this {what})") from None
    except OSError as err:
        reason = "a symbolic link loop" if err.errno == errno.ELOOP else (err.strerror or str(err))
        raise UserError(f"{path}: cannot read this {what} ({reason})") from None
    if b"\x00" in data:
        raise UserError(f"{path}: not a text file (it holds binary data); expected a UTF-8 text {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserError(
            f"{path}: not UTF-8 text (invalid byte at position {err.start}); save the {what} as UTF-8"
        ) from None


def read_user_json(path: str | Path, what: str = "file") -> Any:
    """A user's JSON file (run.json, manifest.json), or a UserError naming the file and the line."""
    text = read_user_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise UserError(f"{path}:{err.lineno}: not valid JSON ({err.msg}); the {what} is corrupt") from None


def check_output_dir(path: str | Path, argument: str) -> Path:
    """An output folder we may create or write into, or a UserError naming the argument."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"argument {argument}: {path} is a file, not a folder; choose a folder")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"argument {argument}: {probe} is a file, so {path} cannot be created")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(f"argument {argument}: {probe} is not writable; choose a folder you can write to")
    return path
