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

import json
import random
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from msm_eval.errors import UserError, check_output_dir
from training import checkpoint as ckpt
from training._schema import FieldError, join
from training.midtrain import (
    IGNORE,
    LoraSettings,
    Segment,
    StageRun,
    TrainSettings,
    _rows_sha256,
    check_enough_rows,
    pack,
    read_jsonl,
    train_stage,
)

ROLES = ("system", "user", "assistant", "tool")
OVERLONG = ("truncate", "drop", "error")
_GENERATION = re.compile(r"\{%-?\s*generation\s*-?%\}")


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


@dataclass
class Chat:
    line: int
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None


def _is_content(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    return isinstance(value, list) and all(
        isinstance(p, str) or (isinstance(p, dict) and "type" in p) for p in value
    )


def read_chats(path: str | Path) -> list[Chat]:
    """Read and validate chat rows; every error names the file and line."""
    chats = []
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        messages = row.get("messages")
        if not isinstance(messages, list) or not messages:
            raise UserError(f"{where}: needs a non-empty list 'messages'")
        has_assistant = False
        for i, msg in enumerate(messages):
            if not isinstance(msg, dict):
                raise UserError(f"{where}: messages[{i}] is not an object")
            role = msg.get("role")
            if role not in ROLES:
                raise UserError(
                    f"{where}: messages[{i}] has role {role!r}; allowed: {', '.join(ROLES)}"
                )
            if not _is_content(msg.get("content")):
                raise UserError(f"{where}: messages[{i}].content must be a string or text parts")
            calls = msg.get("tool_calls")
            if calls is not None:
                if role != "assistant" or not isinstance(calls, list):
                    raise UserError(f"{where}: messages[{i}].tool_calls must be a list on an assistant turn")
                for j, call in enumerate(calls):
                    name = _call_name(call)
                    if not name or not isinstance(name, str):
                        raise UserError(f"{where}: messages[{i}] has a tool call without a function name")
                    _check_arguments(call, f"{where}: messages[{i}].tool_calls[{j}]")
            if role == "assistant":
                if not msg.get("content") and not calls:
                    raise UserError(f"{where}: messages[{i}] is an empty assistant turn")
                has_assistant = True
        if not has_assistant:
            raise UserError(f"{where}: no assistant turn (nothing to train on)")
        tools = row.get("tools")
        if tools is not None and not isinstance(tools, list):
            raise UserError(f"{where}: 'tools' must be a list of tool schemas")
        chats.append(Chat(line=number, messages=messages, tools=tools))
    return chats


def _check_arguments(call: dict[str, Any], where: str) -> None:
    """Tool-call arguments are a JSON object, or a string holding one (the chat template writes a
    string as it is, so anything else would teach the model broken tool calls)."""
    fn = call.get("function")
    holder, key = (fn, "function.arguments") if isinstance(fn, dict) else (call, "arguments")
    args = holder.get("arguments")
    if args is None or isinstance(args, dict):
        return
    if not isinstance(args, str):
        raise UserError(f"{where}.{key}: must be a JSON object or a string holding one, "
                        f"got {type(args).__name__}")
    try:
        parsed = json.loads(args)
    except json.JSONDecodeError as err:
        raise UserError(f"{where}.{key}: not valid JSON ({err.msg} at position {err.pos}); "
                        "give the arguments as a JSON object") from None
    if not isinstance(parsed, dict):
        raise UserError(f"{where}.{key}: must be a JSON object, got a JSON {type(parsed).__name__}")


def _call_name(call: Any) -> str | None:
    if not isinstance(call, dict):
        return None
    fn = call.get("function")
    if isinstance(fn, dict):
        return fn.get("name")
    return fn if isinstance(fn, str) else call.get("name")


def check_template(tokenizer: Any, *, model: str = "the base model") -> None:
    """Assistant-only loss needs `{% generation %}` markers in the chat template."""
    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template.get("default", "")
    if not template:
        raise UserError(f"{model}: tokenizer has no chat template; AFT needs one with {{% generation %}} markers")
    if not _GENERATION.search(template):
        raise UserError(
            f"{model}: chat template has no {{% generation %}} markers, which assistant-only loss "
            "needs (msm_eval/models/chat_template.jinja shows how)"
        )


def chat_segments(
    chats: list[Chat], tokenizer: Any, *, max_length: int, overlong: str, source: str | Path
) -> tuple[list[Segment], dict[str, Any]]:
    """Render chats into segments with assistant-only labels, applying the overlong policy."""
    segments: list[Segment] = []
    report = {"rows": len(chats), "rows_overlong": 0, "rows_truncated": 0, "rows_dropped": 0,
              "supervised_tokens": 0, "supervised_tokens_lost": 0}
    for chat in chats:
        where = f"{source}:{chat.line}"
        enc = tokenizer.apply_chat_template(
            chat.messages,
            tools=chat.tools,
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        ids = list(enc["input_ids"])
        mask = list(enc["assistant_masks"])
        labels = [t if m else IGNORE for t, m in zip(ids, mask, strict=True)]
        supervised = sum(1 for m in mask if m)
        if supervised == 0:
            raise UserError(f"{where}: the chat template marks no assistant tokens in this chat")
        for msg in chat.messages:
            for call in msg.get("tool_calls") or []:
                name = _call_name(call)
                if name and name not in tokenizer.decode([t for t in labels if t != IGNORE]):
                    raise UserError(f"{where}: the chat template does not render tool call {name!r}")
        report["supervised_tokens"] += supervised
        if len(ids) > max_length:
            report["rows_overlong"] += 1
            if overlong == "error":
                raise UserError(
                    f"{where}: {len(ids)} tokens, longer than max_length={max_length} "
                    "(raise train.max_length or set overlong: truncate/drop)"
                )
            kept = sum(1 for x in labels[:max_length] if x != IGNORE)
            if overlong == "drop" or kept == 0:
                report["rows_dropped"] += 1
                report["supervised_tokens_lost"] += supervised
                continue
            report["rows_truncated"] += 1
            report["supervised_tokens_lost"] += supervised - kept
            ids, labels = ids[:max_length], labels[:max_length]
        segments.append(Segment(ids=ids, labels=labels, splittable=False))
    return segments, report


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
        "rows_sha256": _rows_sha256(rows),
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
