"""Every refusal of the `msm` command line in one line, in one place.

argparse prints its usage block before an error; `OneLineParser` (the class of `msm`'s parser,
and so of every subcommand's: argparse gives subparsers the class of their parent) prints only
`msm: error: ...; see `msm <command> --help`` and exits 2, like a UserError. Unknown options are
refused by the command's own parser, in one line that names it. `whole_number` is the argparse
type for counts such as --stop-after-steps.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (exit status 2, as argparse's)."""

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        # As a subcommand parser, unknown flags would go up to `msm`'s own parser, which prints
        # its usage block: refuse them here, in one line that names this command.
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"msm: error: {' '.join(message.split())}; see `{self.prog} --help`\n")


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer >= `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {value}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def one_line(text: str) -> str:
    """A message folded onto one line (a library's multi-line message quoted in a UserError)."""
    return " ".join(text.split())
