"""Where a training step's time goes: forward, backward, optimizer and data, from the torch profiler.

    python benchmarks/train_profile.py [--method lora|full] [--precision auto|bf16|fp32] [--steps 3]

One msm midtrain run on the embedded SmolLM2-135M-Instruct (the same synthetic one-row documents
as train_throughput.py): one warm-up step, `--steps` timed steps without the profiler (tokens/s),
then `--steps` steps under it. The engine labels its phases (engine.data, engine.forward,
engine.backward, engine.optimizer), so the breakdown is the labels' inclusive CPU time per step;
the ops table is self CPU time. The fp32 and bf16 matmul peaks (2048^3) are measured in the same
run, before and after, and the achieved model FLOP/s is given against the peak of the precision the
run used.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from train_throughput import flops_per_token, make_documents  # beside this script

PHASES = ("engine.data", "engine.forward", "engine.backward", "engine.optimizer")


def matmul_peak(dtype_name: str, size: int = 2048, reps: int = 5) -> float:
    import time

    import torch

    dtype = getattr(torch, dtype_name)
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", choices=("lora", "full"), default="lora")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto")
    args = parser.parse_args()

    import torch
    from torch.profiler import ProfilerActivity, profile
    from transformers.utils import logging as hf_logging

    from msm_eval.models import ensure_default_model
    from training import checkpoint as ckpt
    from training.engine import TrainSettings
    from training.midtrain import MidtrainConfig, run_midtrain

    hf_logging.set_verbosity_error()
    model_dir = Path(ensure_default_model())
    tokenizer = ckpt.load_tokenizer(str(model_dir))
    peaks = {name: [matmul_peak(name)] for name in ("float32", "bfloat16")}
    tmp = Path(tempfile.mkdtemp(prefix="msm-profile-"))
    rows = (1 + 2 * args.steps) * args.batch
    docs = tmp / "docs.jsonl"
    docs.write_text("".join(json.dumps({"text": t}) + "\n" for t in make_documents(tokenizer, rows, args.seq)))
    profiler = profile(activities=[ProfilerActivity.CPU])

    def on_step(step: int) -> None:
        if step == 1 + args.steps:
            profiler.start()
        elif step == 1 + 2 * args.steps:
            profiler.stop()

    train = TrainSettings(method=args.method, max_length=args.seq, micro_batch_size=args.batch,
                          grad_accum=1, save_steps=0, precision=args.precision)
    manifest = run_midtrain(MidtrainConfig(documents=[str(docs)], output_dir=str(tmp / "out"),
                                           base_model=str(model_dir), train=train), quiet=True, on_step=on_step)
    assert manifest is not None
    for name in peaks:
        peaks[name].append(matmul_peak(name))
    seconds = manifest["seconds_per_step"]
    plain, profiled = seconds[1 : 1 + args.steps], seconds[1 + args.steps :]
    tokens_per_s = args.batch * args.seq / statistics.median(plain)
    events = profiler.key_averages()
    phase_ms = {e.key: e.cpu_time_total / 1e3 / args.steps for e in events if e.key in PHASES}
    step_ms = statistics.mean(profiled) * 1e3
    precision = manifest["precision"]
    peak = max(peaks["bfloat16" if precision == "bf16" else "float32"])
    achieved = tokens_per_s * flops_per_token(model_dir, args.seq, full=args.method == "full")

    print(f"msm midtrain, {args.method}, {args.batch} x {args.seq} tokens a step, precision {precision}, "
          f"{torch.get_num_threads()} threads; median of {args.steps} steps without the profiler: "
          f"{tokens_per_s:.0f} tokens/s")
    print(f"model FLOP/s {achieved / 1e12:.3f} T = {achieved / peak:.0%} of the {precision} matmul peak "
          f"({max(peaks['float32']) / 1e12:.3f} T fp32, {max(peaks['bfloat16']) / 1e12:.3f} T bf16, "
          f"best of before and after)\n")
    print("| phase | ms per step | share of the step |")
    print("|---|---:|---:|")
    for phase in PHASES:
        ms = phase_ms.get(phase, 0.0)
        print(f"| {phase.removeprefix('engine.')} | {ms:.0f} | {ms / step_ms:.0%} |")
    rest = step_ms - sum(phase_ms.values())
    print(f"| rest of the loop (scheduler, loss bookkeeping, profiler) | {rest:.0f} | {rest / step_ms:.0%} |")
    print(f"| step (under the profiler) | {step_ms:.0f} | 100% |\n")
    ops = sorted((e for e in events if not e.key.startswith("engine.")), key=lambda e: e.self_cpu_time_total,
                 reverse=True)
    total_self = sum(e.self_cpu_time_total for e in events)
    print("| op (self CPU time) | ms per step | share | calls per step |")
    print("|---|---:|---:|---:|")
    for e in ops[:12]:
        print(f"| {e.key} | {e.self_cpu_time_total / 1e3 / args.steps:.0f} | {e.self_cpu_time_total / total_self:.0%} "
              f"| {e.count // args.steps} |")


if __name__ == "__main__":
    sys.exit(main())
