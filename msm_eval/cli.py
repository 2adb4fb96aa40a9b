"""The `msm` command line. Each command group lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from msm_common.errors import UserError
from msm_eval._cli_errors import OneLineParser, one_line

# group name -> (module exposing `add_commands(parser)`, help text)
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "scenarios": ("msm_eval._scenarios_cli", "list, check and render scenario files"),
    "models": ("msm_eval.models", "prepare local models (the embedded default model)"),
    "demo": ("msm_eval._demo", "run the agentic task on the embedded default model"),
    "report": ("msm_eval.report", "tables, plots and comparisons from Inspect logs"),
    "rescore": ("msm_eval._rescore", "score existing logs again with the current detectors and judge"),
    "data": ("training.data.cli", "generate midtraining documents and AFT chats from a spec"),
    "train": ("training.cli", "midtraining and alignment fine-tuning stages"),
    "experiment": ("training.experiment", "run an experiment end to end: data, arms, values evals, report"),
}


def build_parser(group: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the named group's module is imported (so `msm scenarios` never loads torch)."""
    parser = OneLineParser(prog="msm", description="msm-eval command line")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMAND_GROUPS.items():
        sub = groups.add_parser(name, help=help_text, description=help_text)
        if name == group:
            importlib.import_module(module_name).add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    group = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(group if group in COMMAND_GROUPS else None).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as err:
        print(f"msm: error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("msm: interrupted; finished work is kept, re-run the same command to resume.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
