"""Alignment fine-tuning (AFT): chats, loss on assistant tokens only (tool-call turns included).

Each chat is rendered by the tokenizer's chat template; the template's `{% generation %}` markers
tell which tokens the assistant wrote, and only those are targets. Chats are packed whole (never
split) into rows of `max_length` tokens with position ids restarting per chat, so no chat attends to
another. A chat longer than `max_length` is handled by `overlong` (truncate, drop or error) and every
affected row and lost supervised token is counted in the output and the manifest: truncation never
silently removes the supervised part. An AFT run can continue a midtraining adapter (`parent`,
the paper's MSM+AFT) or start a fresh one (the AFT-only baseline).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from msm_common.errors import UserError, check_output_dir
from training import checkpoint as ckpt
from training._schema import FieldError, join
from training.chats import OVERLONG, chat_segments, check_template, read_chats
from training.engine import LoraSettings, StageRun, TrainSettings, check_enough_rows, train_stage
from training.rows import pack, rows_sha256


@dataclass
class SFTConfig:
    """`msm train sft` settings (YAML, `--set key=value` overrides).

    Attributes:
        chats: JSONL file with one {"messages": [...], "tools"?: [...]} row per chat.
        output_dir: Where the checkpoint (merged model, adapter, manifest) is written.
        base_model: HF hub id, local directory or "default"; defaults to the parent's base model,
            else the embedded SmolLM2-135M-Instruct.
        parent: A finished checkpoint to continue (its LoRA adapter, or its merged weights).
        overlong: What to do with chats longer than train.max_length: truncate, drop or error.
        lora: LoRA settings for a fresh adapter (a continued adapter keeps its own).
        train: Optimisation settings.
    """

    chats: str
    output_dir: str
    base_model: str | None = None
    parent: str | None = None
    overlong: str = "truncate"
    lora: LoraSettings = field(default_factory=LoraSettings)
    train: TrainSettings = field(default_factory=TrainSettings)

    def validate(self, where: str) -> None:
        if self.overlong not in OVERLONG:
            raise FieldError(join(where, "overlong"), f"{self.overlong!r}; allowed: {', '.join(OVERLONG)}")
        for key in ("chats", "output_dir", "base_model", "parent"):
            value = getattr(self, key)
            if value is not None and not value.strip():
                raise FieldError(join(where, key), "must not be empty")


def _resolve_models(config: SFTConfig) -> tuple[str, str | None]:
    """(base model to load, parent checkpoint whose adapter is continued or None)."""
    if config.parent is None:
        return ckpt.resolve_base_model(config.base_model or ckpt.DEFAULT_BASE_MODEL), None
    parent = Path(config.parent)
    manifest = ckpt.read_manifest(parent)
    if manifest is None or manifest.get("status") != "finished":
        raise UserError(f"parent {parent}: not a finished checkpoint (no finished manifest.json)")
    has_adapter = (parent / ckpt.ADAPTER_DIR / "adapter_config.json").is_file()
    if has_adapter and config.train.method == "lora":
        base = manifest.get("base_model")
        if not isinstance(base, str) or not base:
            raise UserError(f"parent {parent / ckpt.MANIFEST}: has no 'base_model'; the manifest is corrupt")
        if config.base_model is not None and ckpt.resolve_base_model(config.base_model) != base:
            raise UserError(
                f"base_model {config.base_model!r} differs from the parent's base model {base!r}"
            )
        return ckpt.resolve_base_model(base), str(parent)
    return ckpt.resolve_base_model(str(parent)), None  # start fresh on the parent's merged weights


def run_sft(
    config: SFTConfig,
    *,
    overwrite: bool = False,
    stop_after_steps: int | None = None,
    quiet: bool = False,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, Any] | None:
    """Run (or resume, or skip if finished) an alignment fine-tuning stage.

    Args:
        config: The resolved stage config.
        overwrite: Replace an existing checkpoint or partial run in output_dir.
        stop_after_steps: Stop like an interruption after this many steps (state kept).
        quiet: No progress output.
        on_step: Called with the step number after each optimizer step (benchmarks).

    Returns:
        The checkpoint manifest, or None if stopped early.
    """
    # Validate all inputs before touching the output directory.
    ckpt.check_config(config)
    ckpt.check_stop_after_steps(stop_after_steps)
    output_dir = check_output_dir(config.output_dir, "output_dir")
    base, parent_adapter = _resolve_models(config)
    tokenizer = ckpt.load_tokenizer(base)
    check_template(tokenizer, model=base)
    fresh_adapter = config.train.method == "lora" and parent_adapter is None
    ckpt.check_model(base, attn_implementation=config.train.attn_implementation,
                     target_modules=config.lora.target_modules if fresh_adapter else None)
    chats = read_chats(config.chats)
    segments, report = chat_segments(
        chats, tokenizer, max_length=config.train.max_length, overlong=config.overlong,
        source=config.chats,
    )
    if report["rows_overlong"]:  # always said, even without progress output
        print(
            f"sft: {report['rows_overlong']} chat(s) longer than max_length={config.train.max_length}: "
            f"{report['rows_truncated']} truncated, {report['rows_dropped']} dropped, "
            f"{report['supervised_tokens_lost']} of {report['supervised_tokens']} supervised tokens lost"
        )
    if not segments:
        raise UserError(f"{config.chats}: no chat fits max_length={config.train.max_length}")
    # The same seed gives the same order in every arm: identical AFT data, order and seeds.
    random.Random(config.train.seed).shuffle(segments)
    rows = pack(segments, config.train.max_length)
    data = {
        "files": [{"path": config.chats, "sha256": ckpt.file_sha256(config.chats), "rows": len(chats)}],
        "chats": len(segments),
        "packed_rows": len(rows),
        "tokens_trained_per_epoch": sum(s.targets for s in segments),
        "input_tokens_per_epoch": sum(len(s.ids) for s in segments),
        "rows_sha256": rows_sha256(rows),
        "truncation": report,
    }
    check_enough_rows(rows, config.train, "sft")
    parent_manifest = ckpt.read_manifest(config.parent) if config.parent else None
    run_hash = ckpt.config_hash(config, ignore=("output_dir",), extra={
        "data": ckpt.file_sha256(config.chats), "base": base,
        "parent": parent_manifest.get("run_hash") if parent_manifest else None,
    })
    state = ckpt.prepare_output_dir(output_dir, run_hash=run_hash, overwrite=overwrite)
    if state == "finished":
        print(f"sft: {output_dir} is already finished (same config); nothing to do "
              "(--overwrite retrains it)")
        return ckpt.read_manifest(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    config_dict = asdict(config)
    if parent_adapter is not None:
        config_dict["lora"] = "continued from the parent's adapter"
    run = StageRun(
        stage="sft",
        output_dir=output_dir,
        base_model=base,
        train=config.train,
        lora=config.lora,
        run_hash=run_hash,
        config=config_dict,
        parent=parent_adapter or config.parent,
        data=data,
        stop_after_steps=stop_after_steps,
        quiet=quiet,
        on_step=on_step,
    )
    return train_stage(run, rows, tokenizer)
