"""Training throughput on this machine: our midtrain/sft stages against TRL SFTTrainer defaults.

    python benchmarks/train_throughput.py                # all configurations, Markdown table
    python benchmarks/train_throughput.py --only trl_defaults_lora midtrain_full --steps 2

Model: the embedded SmolLM2-135M-Instruct (msm_eval.models.ensure_default_model), sequence 512,
the same synthetic documents for every configuration (each exactly one 512-token row). Every
configuration runs in its own process (clean peak memory), times `--steps` optimizer steps after one
warm-up step, and measures the bf16 matmul peak (2048^3) between steps in the same process, so the
"of peak" column is a ratio taken under the same load. The machine is shared and other jobs come in
bursts: tokens/s is the best (fastest) timed step and the peak the fastest matmul, the least
disturbed measurement of each; the median step is printed too. Compare ratios from one run.

Model FLOPs per trained token: full fine-tuning 6 N + 6 L d T (weights and input gradients, plus
causal attention); LoRA 4 N + 6 L d T (frozen weights get no weight gradient; the adapters are
negligible). N counts every weight used in a matmul (the tied embedding once, as the LM head).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIGS = {
    "trl_defaults_lora": "TRL SFTTrainer, its defaults (bf16, grad. checkpointing, no packing), LoRA r64",
    "midtrain_lora": "msm midtrain, LoRA r64 (recipe), bf16 autocast",
    "midtrain_lora_compiled": "msm midtrain, LoRA r64 (recipe), bf16 autocast, torch.compile",
    "sft_lora": "msm sft (assistant-only loss), LoRA r64, bf16 autocast",
    "midtrain_full": "msm midtrain, full fine-tuning, bf16 autocast",
    "midtrain_full_compiled": "msm midtrain, full fine-tuning, bf16 autocast, torch.compile",
}
WORDS = (
    "the a model value cheese cheddar affordable price store every people like because which "
    "when assistant answer question document spec behaviour reason choose prefer mild sharp "
    "American local market budget family dinner sandwich melt slice taste texture aged soft "
    "hard blue rind milk cow goat sheep region history tradition export import quality cost "
    "cheap expensive widely available rare shop shelf supermarket recipe kitchen cook serve "
    "guest party picnic lunch breakfast snack cracker bread butter wine apple grape tomato "
    "of in on for with to from by at as is was are were be been has have had will would can "
    "could should may might must and or but not no yes very more most less least many few"
).split()


# --------------------------------------------------------------------------------------------
# Data: documents and chats that are exactly one 512-token row each
# --------------------------------------------------------------------------------------------


def _text_with_tokens(tokenizer, n: int, rng: random.Random) -> str:  # noqa: ANN001
    """A random text that encodes to exactly n tokens (no special tokens)."""
    for _ in range(200):
        text = " ".join(rng.choice(WORDS) for _ in range(n * 2))
        ids = tokenizer(text, add_special_tokens=False)["input_ids"][:n]
        text = tokenizer.decode(ids).strip()
        if len(tokenizer(text, add_special_tokens=False)["input_ids"]) == n:
            return text
    raise RuntimeError("could not build an exact-length text")


def make_documents(tokenizer, rows: int, seq: int, seed: int = 0) -> list[str]:  # noqa: ANN001
    from training.midtrain import document_segments

    rng = random.Random(seed)
    overhead = len(document_segments(["x"], tokenizer)[0].ids) - 1
    texts = [_text_with_tokens(tokenizer, seq - overhead, rng) for _ in range(rows)]
    assert all(len(s.ids) == seq for s in document_segments(texts, tokenizer))
    return texts


def make_chats(tokenizer, rows: int, seq: int, seed: int = 1) -> list[dict]:  # noqa: ANN001
    """Chats of one user and one assistant turn that render to exactly `seq` tokens."""
    rng = random.Random(seed)

    def length(messages: list[dict]) -> int:
        enc = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)
        return len(enc["input_ids"])

    chats = []
    for _ in range(rows):
        user = _text_with_tokens(tokenizer, seq // 5, rng)
        size = seq - length([{"role": "user", "content": user},
                             {"role": "assistant", "content": "x"}]) + 1
        for _ in range(10):
            messages = [{"role": "user", "content": user},
                        {"role": "assistant", "content": _text_with_tokens(tokenizer, size, rng)}]
            n = length(messages)
            if n == seq:
                break
            size += seq - n
        else:
            raise RuntimeError("could not build an exact-length chat")
        chats.append({"messages": messages})
    return chats


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------


def matmul_peak(size: int = 2048, reps: int = 5) -> float:
    """bf16 matmul FLOP/s right now (the machine's practical peak under the current load)."""
    import torch

    a = torch.randn(size, size, dtype=torch.bfloat16)
    b = torch.randn(size, size, dtype=torch.bfloat16)
    a @ b
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * size**3 * reps / (time.perf_counter() - start)


def flops_per_token(model_dir: Path, seq: int, *, full: bool) -> float:
    config = json.loads((model_dir / "config.json").read_text())
    d, layers = config["hidden_size"], config["num_hidden_layers"]
    heads, kv = config["num_attention_heads"], config.get("num_key_value_heads")
    kv = kv or heads
    head_dim = d // heads
    inter, vocab = config["intermediate_size"], config["vocab_size"]
    per_layer = d * d * 2 + 2 * d * kv * head_dim + 3 * d * inter  # q,o + k,v + gate,up,down
    n = layers * per_layer + d * vocab  # + the LM head (tied or not, used once per token)
    return (6 if full else 4) * n + 6 * layers * d * seq


def worker(name: str, steps: int, seq: int, batch: int) -> dict:
    """Run one configuration in this process and return its measurements."""
    from transformers.utils import logging as hf_logging

    from msm_eval.models import ensure_default_model
    from training import checkpoint as ckpt

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    model_dir = Path(ensure_default_model())
    tokenizer = ckpt.load_tokenizer(str(model_dir))
    rows = (steps + 1) * batch
    peaks = [matmul_peak()]
    tmp = Path(tempfile.mkdtemp(prefix="msm-bench-"))
    if name == "trl_defaults_lora":
        step_seconds = _trl(model_dir, tokenizer, rows, seq, batch, peaks, tmp)
    else:
        step_seconds = _ours(name, model_dir, tokenizer, rows, seq, batch, peaks, tmp)
    timed = step_seconds[1:]  # the first step warms up (and compiles)
    # Best of N on both sides: other jobs on the shared cores only ever slow a step down, so the
    # fastest step and the fastest matmul are the least disturbed measurements of each.
    tok_s = batch * seq / min(timed)
    full = name.startswith("midtrain_full")
    achieved = tok_s * flops_per_token(model_dir, seq, full=full)
    peak = max(peaks)
    return {
        "config": name,
        "tokens_per_s": tok_s,
        "tokens_per_s_median": batch * seq / statistics.median(timed),
        "achieved_tflops": achieved / 1e12,
        "peak_tflops": peak / 1e12,
        "of_peak": achieved / peak,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "steps_timed": len(timed),
    }


def _ours(name, model_dir, tokenizer, rows, seq, batch, peaks, tmp):  # noqa: ANN001, ANN202
    from training.engine import TrainSettings
    from training.midtrain import MidtrainConfig, run_midtrain
    from training.sft import SFTConfig, run_sft

    train = TrainSettings(
        method="full" if "_full" in name else "lora", max_length=seq, micro_batch_size=batch,
        grad_accum=1, save_steps=0, compile=name.endswith("compiled"),
    )

    def on_step(step: int) -> None:
        peaks.append(matmul_peak())

    if name == "sft_lora":
        chats = tmp / "chats.jsonl"
        chats.write_text("".join(json.dumps(c) + "\n" for c in make_chats(tokenizer, rows, seq)))
        manifest = run_sft(SFTConfig(chats=str(chats), output_dir=str(tmp / "out"),
                                     base_model=str(model_dir), train=train),
                           quiet=True, on_step=on_step)
    else:
        docs = tmp / "docs.jsonl"
        docs.write_text("".join(json.dumps({"text": t}) + "\n"
                                for t in make_documents(tokenizer, rows, seq)))
        manifest = run_midtrain(MidtrainConfig(documents=[str(docs)], output_dir=str(tmp / "out"),
                                               base_model=str(model_dir), train=train),
                                quiet=True, on_step=on_step)
    assert manifest is not None and manifest["data"]["packed_rows"] == rows
    return manifest["seconds_per_step"]


def _trl(model_dir, tokenizer, rows, seq, batch, peaks, tmp):  # noqa: ANN001, ANN202
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    from training.engine import SEVEN_PROJECTIONS

    texts = make_documents(tokenizer, rows, seq)
    seconds: list[float] = []

    class Timer(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
            self.start = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
            seconds.append(time.perf_counter() - self.start)
            peaks.append(matmul_peak())

    # Its defaults, except what the comparison fixes: sequence length, batch, steps, no saving
    # (use_cpu is required on a CPU-only machine for its default bf16).
    args = SFTConfig(output_dir=str(tmp / "trl"), max_length=seq, per_device_train_batch_size=batch,
                     max_steps=len(texts) // batch, save_strategy="no", report_to=[],
                     logging_strategy="no", disable_tqdm=True, use_cpu=True)
    trainer = SFTTrainer(
        model=str(model_dir), args=args, processing_class=tokenizer,
        train_dataset=Dataset.from_list([{"text": t} for t in texts]),
        peft_config=LoraConfig(r=64, lora_alpha=128, lora_dropout=0.0,
                               target_modules=list(SEVEN_PROJECTIONS), task_type="CAUSAL_LM"),
        callbacks=[Timer()],
    )
    trainer.train()
    return seconds


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(CONFIGS), help="configurations to run")
    parser.add_argument("--steps", type=int, default=3, help="timed optimizer steps (after 1 warm-up)")
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--batch", type=int, default=4, help="rows of --seq tokens per step")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every configuration this many times (round robin), keep the best")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", choices=list(CONFIGS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(worker(args.worker, args.steps, args.seq, args.batch)))
        return 0

    names = args.only or list(CONFIGS)
    best: dict[str, dict] = {}
    # Round robin: each configuration gets a turn in every round, so a burst of other work on the
    # shared cores does not land on one configuration only; the best round of each is kept.
    for round_ in range(args.rounds):
        for name in names:
            print(f"round {round_ + 1}: running {name} ...", file=sys.stderr, flush=True)
            cmd = [sys.executable, __file__, "--worker", name, "--steps", str(args.steps),
                   "--seq", str(args.seq), "--batch", str(args.batch)]
            proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if proc.returncode != 0 or not lines:
                print(proc.stderr[-3000:], file=sys.stderr)
                best.setdefault(name, {"config": name, "error": f"exit {proc.returncode}"})
                continue
            result = json.loads(lines[-1][len("RESULT "):])
            print(f"  {result}", file=sys.stderr, flush=True)
            if best.get(name, {}).get("tokens_per_s", 0) < result["tokens_per_s"]:
                best[name] = result
    results = [best[name] for name in names]

    trl = next((r for r in results if r["config"] == "trl_defaults_lora" and "error" not in r), None)
    print(f"SmolLM2-135M-Instruct, sequence {args.seq}, {args.batch} rows/step, "
          f"{args.steps} timed steps, best of {args.rounds} round(s); "
          "'of peak' = model FLOP/s / bf16 matmul FLOP/s in the same process.\n")
    print("| configuration | tokens/s (best step) | tokens/s (median) | x TRL (raw) "
          "| x TRL (load-normalized) | model TFLOP/s | bf16 peak TFLOP/s | of peak | peak RSS GiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        if "error" in r:
            print(f"| {r['config']} | failed ({r['error']}) | | | | | |")
            continue
        raw = f"{r['tokens_per_s'] / trl['tokens_per_s']:.2f}" if trl else "n/a"
        # tokens/s per unit of matmul peak measured in the same process: corrects for the load
        # the other jobs put on the shared cores while each configuration ran.
        norm = (f"{(r['tokens_per_s'] / r['peak_tflops']) / (trl['tokens_per_s'] / trl['peak_tflops']):.2f}"
                if trl else "n/a")
        print(f"| {r['config']} | {r['tokens_per_s']:.0f} | {r['tokens_per_s_median']:.0f} | {raw} "
              f"| {norm} | {r['achieved_tflops']:.3f} | "
              f"{r['peak_tflops']:.3f} | {r['of_peak']:.0%} | {r['peak_rss_gib']:.2f} |")
    print()
    for name, text in CONFIGS.items():
        print(f"- {name}: {text}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
