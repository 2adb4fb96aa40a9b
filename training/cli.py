"""`msm train midtrain | sft | arms`: the command-line face of the training stages."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import yaml

from msm_common.errors import check_output_dir
from msm_eval._cli_errors import whole_number
from training import checkpoint as ckpt

CONFIGS_DIR = Path(__file__).parent / "configs"


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Add the `midtrain`, `sft` and `arms` subcommands to the `msm train` parser."""
    commands = parser.add_subparsers(dest="train_command", metavar="COMMAND", required=True)

    mid = commands.add_parser(
        "midtrain", help="midtrain on spec documents (loss on every token)",
        description="Causal language modelling on documents JSONL ({text: ...} rows), packed "
                    "without losing tokens or attending across documents. Writes a merged HF "
                    "model, its LoRA adapter and manifest.json to the output directory.")
    mid.add_argument("--documents", nargs="+", metavar="JSONL", help="document file(s)")
    _common(mid, "midtrain.yaml")
    mid.set_defaults(func=_run_midtrain)

    sft = commands.add_parser(
        "sft", help="alignment fine-tuning on chats (loss on assistant tokens only)",
        description="Fine-tune on chats JSONL ({messages: [...]} rows), loss on assistant tokens "
                    "(tool calls included). --parent continues a midtraining adapter (MSM+AFT); "
                    "without it a fresh adapter starts on the base model (AFT-only baseline).")
    sft.add_argument("--chats", metavar="JSONL", help="chats file")
    sft.add_argument("--parent", metavar="DIR", help="finished checkpoint to continue")
    _common(sft, "sft.yaml")
    sft.set_defaults(func=_run_sft)

    arms = commands.add_parser(
        "arms", help="train base / AFT-only / MSM-only / MSM+AFT arms of an experiment",
        description="Train every arm of an experiment config (e.g. training/configs/cheese.yaml) "
                    "that is not finished yet, then print the checkpoint paths and the "
                    "`inspect eval` commands that evaluate them.")
    arms.add_argument("--config", required=True, type=Path, help="experiment YAML")
    arms.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE",
                      help="override a config field, e.g. --set sft.train.lr=2e-4 (repeatable)")
    arms.add_argument("--output-dir", help="root folder of the arms (overrides output_dir)")
    arms.add_argument("--base-model", help="HF hub id, local directory or 'default'")
    arms.add_argument("--arms", nargs="+", metavar="ARM", help="only these arms (+ what they need)")
    arms.add_argument("--dry-run", action="store_true", help="check inputs, print the plan, train nothing")
    arms.add_argument("--overwrite", action="store_true", help="retrain arms that already exist")
    arms.add_argument("--no-progress", action="store_true", help="no progress bars")
    arms.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    arms.set_defaults(func=_run_arms)


def _common(p: argparse.ArgumentParser, default_config: str) -> None:
    p.add_argument("--config", type=Path, default=CONFIGS_DIR / default_config,
                   help=f"stage YAML (default: training/configs/{default_config})")
    p.add_argument("--output-dir", help="checkpoint directory (overrides output_dir)")
    p.add_argument("--base-model", help="HF hub id, local directory or 'default' (SmolLM2-135M-Instruct)")
    p.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE",
                   help="override a config field, e.g. --set train.lr=2e-4 (repeatable)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing checkpoint or partial run in the output directory")
    p.add_argument("--stop-after-steps", type=whole_number(1), metavar="N",
                   help="stop after N optimizer steps, keeping a resumable state (re-run to continue)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--print-config", action="store_true", help="print the resolved config and exit")


def _print_config(config: Any) -> int:
    print(yaml.safe_dump(dataclasses.asdict(config), sort_keys=False), end="")
    return 0


def _quiet_libraries() -> None:
    from transformers.utils import logging as hf_logging

    # Our own progress bar shows the training; the libraries' load/save bars are noise.
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _check_output_dir(config: Any, args: argparse.Namespace) -> None:
    """The output folder can be made and written, named as the user gave it (flag or YAML)."""
    check_output_dir(config.output_dir, "--output-dir" if args.output_dir else "output_dir")


def _summary(manifest: dict[str, Any] | None, output_dir: str) -> int:
    if manifest is None:
        print(f"stopped early; re-run the same command to resume ({output_dir})")
        return 0
    print(
        f"{manifest['stage']}: {output_dir}  steps={manifest['steps']} "
        f"final_loss={manifest['final_loss']} tokens/s={manifest['tokens_per_second']} "
        f"precision={manifest['precision']}"
    )
    print(f"evaluate: inspect eval msm_eval/agentic --model hf/{output_dir}")
    return 0


def _run_midtrain(args: argparse.Namespace) -> int:
    from training.midtrain import MidtrainConfig, run_midtrain

    config = ckpt.load_config(
        MidtrainConfig, args.config, args.overrides,
        documents=args.documents, output_dir=args.output_dir, base_model=args.base_model,
    )
    if args.print_config:
        return _print_config(config)
    _check_output_dir(config, args)
    _quiet_libraries()
    manifest = run_midtrain(config, overwrite=args.overwrite,
                            stop_after_steps=args.stop_after_steps, quiet=args.no_progress)
    return _summary(manifest, config.output_dir)


def _run_sft(args: argparse.Namespace) -> int:
    from training.sft import SFTConfig, run_sft

    config = ckpt.load_config(
        SFTConfig, args.config, args.overrides,
        chats=args.chats, parent=args.parent, output_dir=args.output_dir,
        base_model=args.base_model,
    )
    if args.print_config:
        return _print_config(config)
    _check_output_dir(config, args)
    _quiet_libraries()
    manifest = run_sft(config, overwrite=args.overwrite,
                       stop_after_steps=args.stop_after_steps, quiet=args.no_progress)
    return _summary(manifest, config.output_dir)


def _run_arms(args: argparse.Namespace) -> int:
    from training.arms import ArmsConfig, run_arms

    config = ckpt.load_config(
        ArmsConfig, args.config, args.overrides,
        output_dir=args.output_dir, base_model=args.base_model, arms=args.arms,
    )
    if args.print_config:
        return _print_config(config)
    _check_output_dir(config, args)
    _quiet_libraries()
    run_arms(config, overwrite=args.overwrite, dry_run=args.dry_run, quiet=args.no_progress)
    return 0
