"""`msm data docs` and `msm data aft`: the command-line face of the two data pipelines."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import yaml

from msm_common.errors import UserError, check_output_dir
from msm_eval._cli_errors import whole_number
from training.data._store import RunDir
from training.data.config import (
    CONFIGS_DIR,
    AftConfig,
    DocsConfig,
    config_dict,
    load_config,
    parse_override,
)
from training.data.spec import DEFAULT_MODEL_NAME, DEFAULT_PROVIDER_NAME, load_spec, shipped_specs


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Add the `docs` and `aft` subcommands to the `msm data` parser."""
    commands = parser.add_subparsers(dest="data_command", metavar="COMMAND", required=True)
    docs = commands.add_parser(
        "docs", help="midtraining documents from a spec",
        description="Generate midtraining documents from a spec: domains -> subdomains -> "
                    "assertions -> document types -> ideas -> documents -> documents.jsonl.")
    _common(docs, "docs")
    docs.set_defaults(func=_run_docs)
    aft = commands.add_parser(
        "aft", help="AFT chats (with and without reasoning) from a spec",
        description="Generate alignment fine-tuning chats from a spec: conversation domains -> "
                    "questions -> dedup -> responses -> judge -> two chat JSONL datasets.")
    _common(aft, "aft")
    aft.add_argument("--judge-model", metavar="PROVIDER/MODEL",
                     help="model for the judge filter (default: the generator)")
    aft.set_defaults(func=_run_aft)


def _common(p: argparse.ArgumentParser, kind: str) -> None:
    specs = ", ".join(shipped_specs()) or "none shipped"
    p.add_argument("--spec", required=True, help=f"shipped spec name ({specs}) or a Markdown file")
    p.add_argument("--model", required=True, metavar="PROVIDER/MODEL",
                   help="generator: any Inspect model, e.g. anthropic/claude-sonnet-4-5, "
                        "openai/gpt-4.1, vllm/Qwen/Qwen3-32B; mockllm/scripted answers offline")
    p.add_argument("--out", required=True, type=Path, help="output folder (resumed if it exists)")
    p.add_argument("--config", type=Path,
                   help=f"YAML config (default: training/data/configs/{kind}.yaml)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override one config field, e.g. --set ideas_per_type=5 (repeatable)")
    p.add_argument("-M", "--model-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="model argument passed to Inspect's get_model (repeatable)")
    p.add_argument("--model-name", default=DEFAULT_MODEL_NAME,
                   help=f"fills {{model_name}} in the spec (default: {DEFAULT_MODEL_NAME})")
    p.add_argument("--provider-name", default=DEFAULT_PROVIDER_NAME,
                   help=f"fills {{provider_name}} in the spec (default: {DEFAULT_PROVIDER_NAME})")
    p.add_argument("--concurrency", type=whole_number(1), help="generator calls in flight at once")
    p.add_argument("--max-retries", type=whole_number(0), help="extra attempts for a malformed answer")
    p.add_argument("--tokenizer", metavar="PATH",
                   help="local tokenizer folder of the model to train, for token statistics")
    p.add_argument("--fresh", action="store_true",
                   help="discard an earlier run in --out and start over")
    p.add_argument("--retry-failed", action="store_true",
                   help="on resume, ask again the calls that failed in the earlier run")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--print-config", action="store_true",
                   help="print the resolved config as YAML and exit")


def _config(args: argparse.Namespace, kind: type[Any]) -> Any:
    overrides = dict(parse_override(o) for o in args.overrides)
    flags = {}
    for flag, name in (("concurrency", "concurrency"), ("max_retries", "max_retries")):
        if getattr(args, flag) is not None:
            overrides[name] = getattr(args, flag)
            flags[name] = "--" + flag.replace("_", "-")
    if args.no_progress:
        overrides["show_progress"] = False
        flags["show_progress"] = "--no-progress"
    default = CONFIGS_DIR / ("docs.yaml" if kind is DocsConfig else "aft.yaml")
    return load_config(kind, args.config or default, overrides=overrides, flags=flags)


def _model_args(pairs: list[str]) -> dict[str, Any]:
    args = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"-M expects KEY=VALUE, got '{pair}'")
        args[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
    return args


def _model(name: str, model_args: dict[str, Any], flag: str = "--model") -> Any:
    from training.data.scripted import SCRIPTED_MODEL, scripted_model

    if "/" not in name:
        raise UserError(f"{flag} '{name}': expected PROVIDER/MODEL, e.g. openai/gpt-4.1")
    if name == SCRIPTED_MODEL:
        latency = model_args.pop("latency", 0.0)
        if model_args:
            raise UserError(f"{flag} {name} takes only -M latency=SECONDS")
        if not isinstance(latency, (int, float)) or latency < 0:
            raise UserError(f"-M latency must be a number of seconds, got {latency!r}")
        return scripted_model(latency=float(latency))
    from inspect_ai.model import get_model

    try:
        return get_model(name, **model_args)
    except Exception as err:  # noqa: BLE001 - provider errors (missing key, unknown name) vary
        # One line: provider messages span lines and may carry rich markup such as [bold].
        first = re.sub(r"\[/?[a-z ]+\]", "", " ".join(str(err).split()))[:300] or type(err).__name__
        raise UserError(f"{flag} {name}: cannot load this Inspect model ({first})") from err


def _prepare(args: argparse.Namespace, kind: type[Any]) -> tuple[Any, Any, Any, Any] | None:
    import msm_eval  # noqa: F401 - makes tiktoken (used by Inspect) work offline

    config = _config(args, kind)
    if args.print_config:
        print(yaml.safe_dump(config_dict(config), sort_keys=False).rstrip())
        return None
    spec = load_spec(args.spec, model_name=args.model_name, provider_name=args.provider_name)
    # The output folder and an earlier run in it (run.json, calls.jsonl) are checked before any
    # model is loaded; a refusal leaves every file there as it was.
    check_output_dir(args.out, "--out")
    RunDir.check(args.out, fresh=args.fresh)
    tokenizer = None
    if args.tokenizer:
        from training.data._summary import load_tokenizer

        tokenizer = load_tokenizer(args.tokenizer)
    model = _model(args.model, _model_args(args.model_arg))
    return config, spec, model, tokenizer


def _run_docs(args: argparse.Namespace) -> int:
    from training.data._generate import GenerationError
    from training.data.docs import run_docs

    prepared = _prepare(args, DocsConfig)
    if prepared is None:
        return 0
    config, spec, model, tokenizer = prepared
    try:
        run_docs(spec=spec, model=model, out=args.out, config=config, fresh=args.fresh,
                 retry_failed=args.retry_failed, tokenizer=tokenizer)
    except GenerationError as err:
        raise UserError(str(err)) from err
    return 0


def _run_aft(args: argparse.Namespace) -> int:
    from training.data._generate import GenerationError
    from training.data.aft import run_aft

    prepared = _prepare(args, AftConfig)
    if prepared is None:
        return 0
    config, spec, model, tokenizer = prepared
    judge = _model(args.judge_model, {}, "--judge-model") if args.judge_model else None
    try:
        run_aft(spec=spec, model=model, judge_model=judge, out=args.out, config=config,
                fresh=args.fresh, retry_failed=args.retry_failed, tokenizer=tokenizer)
    except GenerationError as err:
        raise UserError(str(err)) from err
    return 0
