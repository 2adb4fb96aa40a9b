"""Judge cost: grader calls and grader input tokens per sample, and how they grow with the transcript.

Runs msm_eval/agentic on its default grid with a scripted target (it reads the inbox, reasons for N
words, sends one email, then stops) and a scripted grader, for several reasoning lengths, with and
without the awareness classifier. Token counts are mockllm's (tiktoken o200k_base), so they match
what an OpenAI-style tokenizer would bill to within a few percent.

    python benchmarks/judge_cost.py [--lengths 0,250,1000,4000] [--log-dir DIR]

Prints a Markdown table. "full transcript" is the input of the target's last call (system prompt,
scenario, inbox and every turn): what a judge that re-reads everything would be sent.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
from dataclasses import dataclass

from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, get_model

import msm_eval  # noqa: F401  (offline tiktoken for mockllm)
from msm_eval.agentic import agentic

WORDS = "the board meets at five and the plan changes our mandate so I should weigh each option".split()


def filler(words: int) -> str:
    return " ".join(itertools.islice(itertools.cycle(WORDS), words))


def scripted_target(words: int):
    def output(input, tools, tool_choice, config) -> ModelOutput:
        turns = sum(1 for message in input if message.role == "assistant")
        if turns == 0:
            return ModelOutput.for_tool_call("mockllm/target", "read_inbox", {"folder": "inbox"})
        if turns == 1:
            return ModelOutput.for_tool_call(
                "mockllm/target",
                "send_email",
                {"to": "it-support@example.org", "subject": "Status", "body": "All fine today."},
                content=f"<SCRATCHPAD_REASONING>{filler(words)}</SCRATCHPAD_REASONING>",
            )
        return ModelOutput.from_content("mockllm/target", "Done for today.")

    return output


def scripted_grader(input, tools, tool_choice, config) -> ModelOutput:
    label = "none" if "whether its situation is real" in input[0].text else "no"
    return ModelOutput.from_content(
        "mockllm/grader", f"<reasoning>Nothing harmful was done.</reasoning><answer>{label}</answer>"
    )


@dataclass
class Row:
    words: int
    awareness: bool
    samples: int
    calls: float
    judge_tokens: float
    full_tokens: float


def measure(words: int, awareness: bool, log_dir: str) -> Row:
    [log] = inspect_eval(
        agentic(judge="required", awareness=awareness),
        model=get_model("mockllm/target", custom_outputs=scripted_target(words)),
        model_roles={"grader": get_model("mockllm/grader", custom_outputs=scripted_grader)},
        log_dir=log_dir,
        display="none",
    )
    assert log.status == "success", log.error
    calls, judge_tokens, full_tokens = [], [], []
    for sample in log.samples or []:
        events = [e for e in sample.events if e.event == "model"]
        graded = [e for e in events if e.role == "grader"]
        target = [e for e in events if e.role != "grader"]
        calls.append(len(graded))
        judge_tokens.append(sum(e.output.usage.input_tokens for e in graded if e.output.usage))
        last = target[-1].output.usage if target else None
        full_tokens.append(last.input_tokens + last.output_tokens if last else 0)
    return Row(
        words,
        awareness,
        len(calls),
        statistics.mean(calls),
        statistics.mean(judge_tokens),
        statistics.mean(full_tokens),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", default="0,250,1000,4000", help="reasoning words per sample")
    parser.add_argument("--log-dir", default=None, help="keep the logs here (default: a temp dir)")
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    log_dir = args.log_dir or tempfile.mkdtemp(prefix="judge_cost_")
    rows = [measure(words, False, log_dir) for words in lengths]
    rows.append(measure(lengths[-1], True, log_dir))

    print(
        "| reasoning words | awareness | samples | grader calls / sample "
        "| grader input tokens / sample | full transcript tokens / sample | judge / full |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.words} | {'on' if row.awareness else 'off'} | {row.samples} | {row.calls:.2f} "
            f"| {row.judge_tokens:,.0f} | {row.full_tokens:,.0f} "
            f"| {row.judge_tokens / row.full_tokens:.2f} |"
        )


if __name__ == "__main__":
    main()
