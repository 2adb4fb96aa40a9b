"""The training engine both stages share: settings, model and LoRA setup, precision, the loop.

A stage (training.midtrain: documents; training.sft: chats) turns its data into packed rows
(training.rows) and hands them to `train_stage` with a `StageRun`. The engine then
- loads the base model (or continues a parent's adapter) with the precision that is fastest here,
- runs the optimisation loop: a seeded row order per epoch, the loss summed over the step's target
  tokens on every process, gradient accumulation and clipping,
- saves a resumable state every `save_steps` (into a sibling folder swapped in, so a kill during a
  save leaves the previous state) and resumes from it bit for bit,
- and writes the adapter, the merged model and the manifest when the stage finishes.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msm_common.errors import UserError
from msm_common.hardware import cpu_bf16_speedup
from training import checkpoint as ckpt
from training._schema import FieldError, join
from training.rows import IGNORE, PackedRow

# train.attn_implementation values transformers knows (each may also be given as "paged|<name>")
ATTN_IMPLEMENTATIONS = ("sdpa", "eager", "flash_attention_2", "flash_attention_3", "flash_attention_4",
                        "flex_attention")
SEVEN_PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass
class LoraSettings:
    """LoRA adapter settings; the defaults are the paper's recipe."""

    r: int = 64
    alpha: int = 128
    dropout: float = 0.0
    target_modules: list[str] = field(default_factory=lambda: list(SEVEN_PROJECTIONS))

    def validate(self, where: str) -> None:
        if self.r < 1:
            raise FieldError(join(where, "r"), f"must be >= 1, got {self.r}")
        if self.alpha <= 0:
            raise FieldError(join(where, "alpha"), f"must be > 0, got {self.alpha}")
        if not 0 <= self.dropout < 1:
            raise FieldError(join(where, "dropout"), f"must be >= 0 and < 1, got {self.dropout}")
        if not self.target_modules:
            raise FieldError(join(where, "target_modules"), "name at least one module, e.g. [q_proj, v_proj]")
        for i, name in enumerate(self.target_modules):
            if not name.strip():
                raise FieldError(join(where, f"target_modules[{i}]"), "must be a module name, got ''")


@dataclass
class TrainSettings:
    """Optimisation, batching and precision; the defaults are the paper's recipe."""

    method: str = "lora"  # lora | full
    epochs: int = 1
    lr: float = 1e-4
    lr_scheduler: str = "cosine"  # cosine | linear | constant
    warmup_ratio: float = 0.05
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    max_length: int = 4096
    micro_batch_size: int = 1  # packed rows per forward pass (per process)
    grad_accum: int = 1
    precision: str = "auto"  # auto | bf16 | fp32
    gradient_checkpointing: bool = False
    attn_implementation: str = "sdpa"  # sdpa | eager | flash_attention_2 ...
    compile: bool = False  # torch.compile the model: fuses the elementwise ops (minutes to compile)
    seed: int = 0
    save_steps: int = 50  # save a resumable state every N optimizer steps (0: never)
    log_steps: int = 10

    def validate(self, where: str) -> None:
        choices = {
            "method": ("lora", "full"),
            "lr_scheduler": ("cosine", "linear", "constant"),
            "precision": ("auto", "bf16", "fp32"),
        }
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise FieldError(join(where, key), f"{getattr(self, key)!r}; allowed: {', '.join(allowed)}")
        attn = self.attn_implementation
        if attn.removeprefix("paged|") not in ATTN_IMPLEMENTATIONS and "/" not in attn:
            raise FieldError(join(where, "attn_implementation"),
                             f"{attn!r}; allowed: {', '.join(ATTN_IMPLEMENTATIONS)} "
                             "(or paged|<one of them>, or a kernels-hub repo id)")
        minimum = {"epochs": 1, "micro_batch_size": 1, "grad_accum": 1, "max_length": 8,
                   "save_steps": 0, "log_steps": 0, "seed": 0}
        for key, low in minimum.items():
            if getattr(self, key) < low:
                meaning = " (0: never)" if key == "save_steps" else ""
                raise FieldError(join(where, key), f"must be >= {low}{meaning}, got {getattr(self, key)}")
        if self.seed >= 2**32:
            raise FieldError(join(where, "seed"), f"must be < 2**32, got {self.seed}")
        if self.lr <= 0:
            raise FieldError(join(where, "lr"), f"must be > 0, got {self.lr}")
        if not 0 <= self.warmup_ratio < 1:
            raise FieldError(join(where, "warmup_ratio"), f"must be >= 0 and < 1, got {self.warmup_ratio}")
        for key in ("weight_decay", "max_grad_norm"):
            if getattr(self, key) < 0:
                raise FieldError(join(where, key), f"must be >= 0, got {getattr(self, key)}")


# --------------------------------------------------------------------------------------------
# Precision, schedule, loss
# --------------------------------------------------------------------------------------------


def resolve_precision(precision: str) -> str:
    """"bf16" where bf16 matmuls are faster than fp32, else "fp32".

    On CUDA: bf16 where supported. On a CPU it is measured (msm_common.hardware.cpu_bf16_speedup),
    because the flags do not tell: with AVX512-BF16 and no AMX, bf16 was 2.2x faster than fp32 on
    one machine and slower on another. bf16 must win by 20% to be chosen: it also costs casts.
    """
    if precision != "auto":
        return precision
    import torch

    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_bf16_speedup() >= 1.2 else "fp32"


def lr_lambda(kind: str, total: int, warmup: int) -> Any:
    def factor(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        if kind == "constant":
            return 1.0
        progress = (step - warmup) / max(1, total - warmup)
        if kind == "linear":
            return max(0.0, 1.0 - progress)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def collate(rows: list[PackedRow], pad_id: int, width: int | None = None) -> dict[str, Any]:
    import torch

    width = width or max(len(r.input_ids) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    pos = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r.input_ids)
        ids[i, :n] = torch.tensor(r.input_ids)
        labels[i, :n] = torch.tensor(r.labels)
        pos[i, :n] = torch.tensor(r.position_ids)
        pos[i, n:] = torch.arange(width - n)  # padding is its own segment (and after all others)
    return {"input_ids": ids, "labels": labels, "position_ids": pos}


def sum_loss(model: Any, batch: dict[str, Any]) -> tuple[Any, int]:
    """Summed next-token cross entropy over target positions, and how many there were."""
    import torch
    import torch.nn.functional as F

    out = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False)
    logits = out.logits
    # Position t predicts token t + 1. Shifting the labels (not the logits) keeps the logits one
    # contiguous tensor, so the dense path below copies nothing.
    labels = F.pad(batch["labels"][:, 1:], (0, 1), value=IGNORE)
    keep = labels != IGNORE
    n = int(keep.sum())
    if n == 0:
        return logits.sum() * 0.0, 0  # keeps every process in step under DDP/FSDP
    if logits.dtype == torch.float32 and 2 * n >= keep.numel():
        # Mostly targets (documents): the softmax over every position, ignored ones skipped by the
        # loss. Gathering the targets first copied the whole logits tensor and scattered its
        # gradient back: 5% of a midtraining step here (benchmarks/train_profile.py).
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), ignore_index=IGNORE,
                               reduction="sum")
    else:
        # Few targets (chats) or bf16 logits: gather the targets, and upcast only them to fp32.
        loss = F.cross_entropy(logits[keep].float(), labels[keep], reduction="sum")
    return loss.to(torch.float32), n


def check_enough_rows(rows: list[PackedRow], cfg: TrainSettings, stage: str) -> int:
    """Rows per optimizer step; a UserError if the data cannot fill a single step."""
    from accelerate import PartialState

    per_step = cfg.micro_batch_size * cfg.grad_accum * PartialState().num_processes
    if len(rows) < per_step:
        raise UserError(
            f"{stage}: the data packs into {len(rows)} row(s) of max_length={cfg.max_length} "
            f"tokens, fewer than one optimizer step needs (micro_batch_size x grad_accum x "
            f"processes = {per_step}); add data or lower micro_batch_size/grad_accum"
        )
    return per_step


@dataclass
class StageRun:
    """Everything `train_stage` needs besides the packed rows."""

    stage: str
    output_dir: Path
    base_model: str  # resolved (path or hub id)
    train: TrainSettings
    lora: LoraSettings
    run_hash: str
    config: dict[str, Any]
    parent: str | None = None  # a parent checkpoint directory whose adapter is continued
    data: dict[str, Any] = field(default_factory=dict)  # files, hashes, token counts (manifest)
    stop_after_steps: int | None = None  # stop like an interruption after N steps (state kept)
    quiet: bool = False
    on_step: Callable[[int], None] | None = None  # called after each optimizer step (benchmarks)


# --------------------------------------------------------------------------------------------
# The stage: model, optimizer, loop, saving
# --------------------------------------------------------------------------------------------


def train_stage(run: StageRun, rows: list[PackedRow], tokenizer: Any) -> dict[str, Any] | None:
    """Train on packed rows, save resumable states, then the merged model, adapter and manifest.

    Returns the manifest, or None when stopped early by `stop_after_steps` (the state is kept
    and re-running resumes).
    """
    import torch
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from torch.profiler import record_function
    from tqdm.auto import tqdm

    cfg = run.train
    precision = resolve_precision(cfg.precision)
    mixed_precision = "bf16" if precision == "bf16" else "no"
    _forget_other_precision(mixed_precision)
    accelerator = Accelerator(
        mixed_precision=mixed_precision,
        gradient_accumulation_steps=cfg.grad_accum,
    )
    deepspeed = getattr(accelerator.state, "deepspeed_plugin", None)
    if deepspeed is not None:  # no DataLoader goes through prepare(), so say the batch size
        deepspeed.deepspeed_config["train_micro_batch_size_per_gpu"] = cfg.micro_batch_size
    main = accelerator.is_main_process
    world = accelerator.num_processes
    per_step = check_enough_rows(rows, cfg, run.stage)
    set_seed(cfg.seed)  # before the model: a fresh LoRA adapter's initial weights come from it
    steps_per_epoch = math.ceil(len(rows) / per_step)
    total_steps = steps_per_epoch * cfg.epochs
    warmup = int(round(cfg.warmup_ratio * total_steps))

    model = _load_trainable_model(run, precision)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = _optimizer(params, cfg)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lr_lambda(cfg.lr_scheduler, total_steps, warmup)
    )
    if cfg.compile:
        model.compile()  # in place: parameter names (checkpoints, adapters) stay unchanged
    model, optimizer = accelerator.prepare(model, optimizer)
    accelerator.register_for_checkpointing(scheduler)

    state_dir = run.output_dir / ckpt.STATE_DIR
    progress: dict[str, Any] = {"run_hash": run.run_hash, "step": 0, "losses": [], "tokens": 0,
                                "seconds": 0.0}
    if (state_dir / "progress.json").is_file():
        saved = ckpt.read_progress(state_dir)  # checked before the (slow) state load
        accelerator.load_state(str(state_dir))
        progress = saved
        if main and not run.quiet:
            print(f"{run.stage}: resuming from step {progress['step']} of {total_steps}")

    start_step = progress["step"]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    bar = tqdm(total=total_steps, initial=start_step, desc=run.stage, disable=not main or run.quiet)
    model.train()
    t_start = time.perf_counter()
    tokens_this_session = 0
    step = start_step
    stopped_early = False
    while step < total_steps:
        epoch, index = divmod(step, steps_per_epoch)
        order = list(range(len(rows)))
        random.Random(cfg.seed * 1000 + epoch).shuffle(order)
        step_rows = [rows[i] for i in order[index * per_step : (index + 1) * per_step]]
        mine = step_rows[accelerator.process_index :: world]
        local_targets = sum(sum(1 for x in r.labels[1:] if x != IGNORE) for r in mine)
        global_targets = int(
            accelerator.reduce(torch.tensor(local_targets, device=accelerator.device), "sum").item()
        )
        # Loss per step = summed token loss / all target tokens of the step (every process, every
        # micro-batch); accelerate divides by grad_accum and DDP averages over processes, undo both.
        scale = world * cfg.grad_accum / max(1, global_targets)
        step_loss = 0.0
        t_step = time.perf_counter()
        for m in range(cfg.grad_accum):
            micro = mine[m * cfg.micro_batch_size : (m + 1) * cfg.micro_batch_size]
            tokens_this_session += sum(len(r.input_ids) for r in micro)
            if not micro:  # a short last step: an empty row keeps processes in lockstep
                micro = [PackedRow([pad_id, pad_id], [IGNORE, IGNORE], [0, 1])]
            # A compiled model gets one shape (full rows) instead of recompiling for new widths.
            width = cfg.max_length if cfg.compile else None
            # The phase labels cost nothing unless a profiler runs (benchmarks/train_profile.py).
            with record_function("engine.data"):
                batch = {k: v.to(accelerator.device)
                         for k, v in collate(micro, pad_id, width).items()}
            with accelerator.accumulate(model):
                with record_function("engine.forward"):
                    loss_sum, _ = sum_loss(model, batch)
                with record_function("engine.backward"):
                    accelerator.backward(loss_sum * scale)
                with record_function("engine.optimizer"):
                    if accelerator.sync_gradients and cfg.max_grad_norm > 0:
                        accelerator.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
            step_loss += float(loss_sum.detach())
        scheduler.step()
        total_loss = float(
            accelerator.reduce(torch.tensor(step_loss, device=accelerator.device), "sum").item()
        )
        step += 1
        progress["losses"].append(round(total_loss / max(1, global_targets), 6))
        progress.setdefault("step_seconds", []).append(round(time.perf_counter() - t_step, 4))
        if run.on_step is not None:
            t_hook = time.perf_counter()
            run.on_step(step)
            t_start += time.perf_counter() - t_hook  # the hook's time is not training time
        bar.update(1)
        if step % max(1, cfg.log_steps) == 0 or step == total_steps:
            elapsed = time.perf_counter() - t_start
            bar.set_postfix(loss=f"{progress['losses'][-1]:.4f}",
                            tok_s=f"{tokens_this_session * world / max(elapsed, 1e-9):.0f}")
        stop_now = run.stop_after_steps is not None and step - start_step >= run.stop_after_steps
        if step < total_steps and ((cfg.save_steps and step % cfg.save_steps == 0) or stop_now):
            progress.update(step=step,
                            tokens=progress["tokens"] + tokens_this_session * world,
                            seconds=progress["seconds"] + time.perf_counter() - t_start)
            tokens_this_session, t_start = 0, time.perf_counter()
            _save_state(accelerator, state_dir, progress)
        if stop_now and step < total_steps:
            stopped_early = True
            break
    bar.close()
    if stopped_early:
        return None
    progress.update(step=step,
                    tokens=progress["tokens"] + tokens_this_session * world,
                    seconds=progress["seconds"] + time.perf_counter() - t_start)
    facts = {"precision": precision, "trainable_parameters": sum(p.numel() for p in params),
             "processes": world, "peak_memory_bytes": _peak_memory_bytes()}
    _save_checkpoint(run, accelerator, model, tokenizer, progress, facts)
    return ckpt.read_manifest(run.output_dir)


def _forget_other_precision(mixed_precision: str) -> None:
    """Let this stage run in another precision than the process's last stage.

    accelerate keeps one state per process and refuses a second Accelerator with another mixed
    precision; `msm experiment run` trains every stage in one process, and a config may give the
    stages different precisions. The distributed set-up (PartialState) is kept.
    """
    from accelerate.state import AcceleratorState

    shared = AcceleratorState._shared_state
    if shared and shared.get("_mixed_precision") != mixed_precision:
        AcceleratorState._reset_state(reset_partial_state=False)


def _load_trainable_model(run: StageRun, precision: str) -> Any:
    """The base model, with a fresh LoRA adapter, the parent's adapter continued, or all weights."""
    import torch

    cfg = run.train
    # Trained weights stay fp32 (autocast computes in bf16). Frozen LoRA base weights live in bf16:
    # half the memory, and no fp32 -> bf16 cast of every weight in every forward pass (on this
    # 2-core CPU 246 tokens/s against 207 with fp32 frozen weights, benchmarks/train_profile.py).
    load_dtype = (torch.bfloat16 if (precision == "bf16" and cfg.method == "lora")
                  else torch.float32)
    model = ckpt.load_model(run.base_model, dtype=load_dtype,
                            attn_implementation=cfg.attn_implementation)
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if cfg.method != "lora":
        return model
    from peft import LoraConfig, PeftModel, get_peft_model

    parent_adapter = Path(run.parent) / ckpt.ADAPTER_DIR if run.parent else None
    if parent_adapter is not None and parent_adapter.is_dir():
        model = PeftModel.from_pretrained(model, str(parent_adapter), is_trainable=True)
    else:
        try:
            model = get_peft_model(
                model,
                LoraConfig(
                    r=run.lora.r,
                    lora_alpha=run.lora.alpha,
                    lora_dropout=run.lora.dropout,
                    target_modules=list(run.lora.target_modules),
                    task_type="CAUSAL_LM",
                ),
            )
        except ValueError as err:  # check_model refuses the usual causes before any work
            raise UserError(f"lora.target_modules: {' '.join(str(err).split())[:300]}") from None
    for p in model.parameters():
        if p.requires_grad:
            p.data = p.data.float()
    return model


def _optimizer(params: list[Any], cfg: TrainSettings) -> Any:
    """AdamW without weight decay on biases and norms (tensors of fewer than 2 dimensions)."""
    import torch

    return torch.optim.AdamW(
        [
            {"params": [p for p in params if p.ndim >= 2], "weight_decay": cfg.weight_decay},
            {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
        ],
        lr=cfg.lr,
        betas=(0.9, 0.999),
        eps=1e-8,
        fused=True,  # one kernel per step; the default on CPU is a Python loop over tensors
    )


def _save_checkpoint(run: StageRun, accelerator: Any, model: Any, tokenizer: Any,
                     progress: dict[str, Any], facts: dict[str, Any]) -> None:
    """Adapter (LoRA) or full weights, then the merged HF directory and the manifest."""
    cfg = run.train
    accelerator.wait_for_everyone()
    unwrapped = accelerator.unwrap_model(model)
    state = accelerator.get_state_dict(model)
    if accelerator.is_main_process:
        out = run.output_dir
        adapter_dir = None
        if cfg.method == "lora":
            adapter_dir = out / ckpt.ADAPTER_DIR
            unwrapped.save_pretrained(adapter_dir, state_dict=_adapter_state(state))
            tokenizer.save_pretrained(adapter_dir)
        ckpt.save_merged(
            base_model=run.base_model,
            adapter_dir=adapter_dir,
            full_state=state if cfg.method == "full" else None,
            tokenizer=tokenizer,
            output_dir=out,
            dtype="auto",
        )
        manifest = {
            "status": "finished",
            "stage": run.stage,
            "run_hash": run.run_hash,
            "base_model": run.base_model,
            "parent": run.parent,
            "method": cfg.method,
            "precision": facts["precision"],
            "trainable_parameters": facts["trainable_parameters"],
            "processes": facts["processes"],
            "code_revision": ckpt.code_revision(),
            "library_versions": _versions(),
            "config": run.config,
            "data": run.data,
            "steps": progress["step"],
            "final_loss": progress["losses"][-1] if progress["losses"] else None,
            "loss_per_step": progress["losses"],
            "seconds_per_step": progress.get("step_seconds", []),
            "train_tokens": progress["tokens"],
            "wall_seconds": round(progress["seconds"], 2),
            "tokens_per_second": round(progress["tokens"] / max(progress["seconds"], 1e-9), 1),
            "peak_memory_bytes": facts["peak_memory_bytes"],
        }
        ckpt.write_manifest(out, manifest)
        state_dir = out / ckpt.STATE_DIR
        if state_dir.is_dir():
            import shutil

            shutil.rmtree(state_dir)
    accelerator.wait_for_everyone()


def _adapter_state(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if "lora_" in k}


def _save_state(accelerator: Any, state_dir: Path, progress: dict[str, Any]) -> None:
    """Save to a sibling folder, then swap it in: an interrupted save never corrupts the state."""
    import shutil

    tmp = state_dir.with_name(state_dir.name + ".tmp")
    if accelerator.is_main_process and tmp.exists():
        shutil.rmtree(tmp)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp), safe_serialization=False)  # tied weights
    if accelerator.is_main_process:
        (tmp / "progress.json").write_text(json.dumps(progress))
        if state_dir.exists():
            shutil.rmtree(state_dir)
        tmp.replace(state_dir)
    accelerator.wait_for_everyone()


def _peak_memory_bytes() -> int:
    import torch

    if torch.cuda.is_available():
        return int(torch.cuda.max_memory_allocated())
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for name in ("torch", "transformers", "peft", "accelerate", "trl"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out
