"""Facts about the machine that decide how models are run and trained here."""

from __future__ import annotations

import functools
import os


def cpu_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def cpu_has_amx() -> bool:
    """Whether the CPU advertises AMX bf16 tiles (Linux /proc/cpuinfo; other systems: no).

    bf16 pays on CPU only with AMX: on a 2-core machine with AVX512-BF16 alone, bf16 matmuls ran at
    140 GFLOP/s against 250 for fp32, a bf16 decode step was no faster than fp32, and LoRA training
    was slower under bf16 autocast.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            return "amx_bf16" in info.read()
    except OSError:
        return False


@functools.cache
def cpu_bf16_speedup(size: int = 1024) -> float:
    """How much faster a bf16 matmul runs than an fp32 one on this CPU, measured now (best of 3).

    Flags do not tell: on an AMD EPYC with AVX512-BF16 and no AMX a 2048^3 bf16 matmul ran at
    0.42 TFLOP/s against 0.19 for fp32, while an earlier machine with the same flags ran bf16
    slower (140 against 250 GFLOP/s). The probe costs about 50 ms, once per process.
    """
    import time

    import torch

    def best(dtype: torch.dtype) -> float:
        a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
        a @ b  # warm up the kernel
        times = []
        for _ in range(3):
            started = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - started)
        return min(times)

    return best(torch.float32) / best(torch.bfloat16)
