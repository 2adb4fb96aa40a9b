"""Midtraining: causal language modelling on spec documents, loss on every document token.

Documents are tokenized as `<start> text <eos>` (the start token is the tokenizer's BOS when it
adds one, else EOS, the usual document separator) and packed back to back into rows of
`max_length` tokens. Packing keeps every token: a document longer than the space left in a row
continues in the next row, whose first token repeats the last token of the previous piece as
context only, so every text token and the closing EOS is a training target exactly once per epoch.
Position ids restart at 0 at every document (piece), which makes transformers build a
block-diagonal causal mask (sdpa/eager) or use varlen flash attention: no token attends across a
document boundary.
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
from training.chats import chat_segments, check_template, read_chats
from training.engine import LoraSettings, StageRun, TrainSettings, check_enough_rows, train_stage
from training.rows import IGNORE, Segment, pack, read_jsonl, rows_sha256


@dataclass
class MixSettings:
    """Instruction data mixed into midtraining: `ratio` is its share of the trained tokens."""

    chats: str
    ratio: float = 0.1

    def validate(self, where: str) -> None:
        if not self.chats.strip():
            raise FieldError(join(where, "chats"), "must name a chats JSONL file")
        if not 0 < self.ratio < 1:
            raise FieldError(join(where, "ratio"), f"must be between 0 and 1 (exclusive), got {self.ratio}")


@dataclass
class MidtrainConfig:
    """`msm train midtrain` settings (YAML, `--set key=value` overrides).

    Attributes:
        documents: JSONL files with one {"text": ...} row per document.
        output_dir: Where the checkpoint (merged model, adapter, manifest) is written.
        base_model: HF hub id, local directory, or "default" (embedded SmolLM2-135M-Instruct).
        mix: Optional instruction chats mixed in at a stated token share (seeded).
        lora: LoRA settings (used when train.method is "lora").
        train: Optimisation settings.
    """

    documents: list[str]
    output_dir: str
    base_model: str = ckpt.DEFAULT_BASE_MODEL
    mix: MixSettings | None = None
    lora: LoraSettings = field(default_factory=LoraSettings)
    train: TrainSettings = field(default_factory=TrainSettings)

    def validate(self, where: str) -> None:
        if not self.documents:
            raise FieldError(join(where, "documents"), "give at least one JSONL file")
        for key in ("output_dir", "base_model"):
            if not getattr(self, key).strip():
                raise FieldError(join(where, key), "must not be empty")


def read_documents(path: str | Path) -> list[str]:
    """Document texts from a JSONL file; every row needs a non-empty string "text"."""
    texts = []
    for number, row in read_jsonl(path):
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise UserError(f"{path}:{number}: needs a non-empty string field 'text'")
        texts.append(text)
    return texts


def document_segments(texts: list[str], tokenizer: Any) -> list[Segment]:
    """Tokenize documents as `<start> text <eos>`; the start token is context, the rest targets."""
    eos = tokenizer.eos_token_id
    if eos is None:
        raise UserError("tokenizer has no eos token; midtraining needs one to end documents")
    encoded = tokenizer(texts, add_special_tokens=True)["input_ids"]
    bos = tokenizer.bos_token_id
    segments = []
    for ids in encoded:
        ids = list(ids)
        if ids and ids[-1] == eos:
            ids = ids[:-1]
        if not (bos is not None and ids and ids[0] == bos):
            ids = [eos, *ids]  # no BOS added by this tokenizer: EOS separates documents
        ids.append(eos)
        segments.append(Segment(ids=ids, labels=[IGNORE, *ids[1:]], splittable=True))
    return segments


def mix_in_chats(
    doc_segments: list[Segment], chat_segments: list[Segment], ratio: float, seed: int
) -> tuple[list[Segment], dict[str, Any]]:
    """Add seeded chat segments until they make `ratio` of the trained tokens (or run out)."""
    doc_targets = sum(s.targets for s in doc_segments)
    wanted = ratio / (1 - ratio) * doc_targets
    order = list(range(len(chat_segments)))
    random.Random(seed).shuffle(order)
    chosen, got = [], 0
    for i in order:
        if got >= wanted:
            break
        chosen.append(chat_segments[i])
        got += chat_segments[i].targets
    mixed = doc_segments + chosen
    random.Random(seed + 1).shuffle(mixed)
    return mixed, {
        "ratio_requested": ratio,
        "ratio_actual": got / max(1, got + doc_targets),
        "chats_used": len(chosen),
        "chats_available": len(chat_segments),
        "chat_target_tokens": got,
    }


def run_midtrain(
    config: MidtrainConfig,
    *,
    overwrite: bool = False,
    stop_after_steps: int | None = None,
    quiet: bool = False,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, Any] | None:
    """Run (or resume, or skip if finished) a midtraining stage.

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
    base = ckpt.resolve_base_model(config.base_model)
    tokenizer = ckpt.load_tokenizer(base)
    ckpt.check_model(base, attn_implementation=config.train.attn_implementation,
                     target_modules=config.lora.target_modules if config.train.method == "lora" else None)
    texts: list[str] = []
    files = []
    for path in config.documents:
        docs = read_documents(path)
        texts += docs
        files.append({"path": str(path), "sha256": ckpt.file_sha256(path), "rows": len(docs)})
    segments = document_segments(texts, tokenizer)
    random.Random(config.train.seed).shuffle(segments)
    corpus_tokens = sum(s.targets for s in segments)
    mix_report = None
    if config.mix is not None:
        check_template(tokenizer)
        chats = read_chats(config.mix.chats)
        chat_segs, _ = chat_segments(chats, tokenizer, max_length=config.train.max_length,
                                     overlong="drop", source=config.mix.chats)
        segments, mix_report = mix_in_chats(segments, chat_segs, config.mix.ratio,
                                            config.train.seed)
        files.append({"path": config.mix.chats, "sha256": ckpt.file_sha256(config.mix.chats),
                      "rows": len(chats), "role": "mix"})
    rows = pack(segments, config.train.max_length)
    packed_targets = sum(sum(1 for x in r.labels if x != IGNORE) for r in rows)
    all_targets = sum(s.targets for s in segments)
    assert packed_targets == all_targets, "packing lost target tokens"
    data = {
        "files": files,
        "documents": len(texts),
        "corpus_tokens": corpus_tokens,
        "packed_rows": len(rows),
        "tokens_trained_per_epoch": packed_targets,
        "trained_over_corpus": round(packed_targets / max(1, all_targets), 6),
        "padding_tokens": len(rows) * config.train.max_length - sum(len(r.input_ids) for r in rows),
        "rows_sha256": rows_sha256(rows),
        "mix": mix_report,
    }
    check_enough_rows(rows, config.train, "midtrain")
    run_hash = ckpt.config_hash(config, ignore=("output_dir",),
                                extra={"data": [f["sha256"] for f in files], "base": base})
    state = ckpt.prepare_output_dir(output_dir, run_hash=run_hash, overwrite=overwrite)
    if state == "finished":
        print(f"midtrain: {output_dir} is already finished (same config); nothing to do "
              "(--overwrite retrains it)")
        return ckpt.read_manifest(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    run = StageRun(
        stage="midtrain",
        output_dir=output_dir,
        base_model=base,
        train=config.train,
        lora=config.lora,
        run_hash=run_hash,
        config=asdict(config),
        data=data,
        stop_after_steps=stop_after_steps,
        quiet=quiet,
        on_step=on_step,
    )
    return train_stage(run, rows, tokenizer)
