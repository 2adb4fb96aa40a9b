"""A scripted generator that answers every pipeline prompt offline, in the requested format.

`--model mockllm/scripted` runs either pipeline without any real model: Inspect's mockllm provider
answers through `ScriptedAnswers`, which recognises each stage by its "## Task:" heading and writes a
well-formed (if meaningless) answer, seeded by the prompt so that a re-run gives identical text. It
is what the tests and the throughput benchmark use, and a quick way to see a run's files and summary
before spending on a real generator. `-M latency=0.5` makes every call wait that many seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from typing import Any

from inspect_ai.model import GenerateConfig, Model, ModelOutput, ModelUsage, get_model

SCRIPTED_MODEL = "mockllm/scripted"

_GENRES = ["customer FAQ", "personal letter", "product review", "internal memo", "lecture notes",
           "forum thread", "news feature", "interview transcript", "blog post", "policy brief",
           "diary entry", "textbook sidebar", "podcast show notes", "newsletter column"]
_KINDS = ["behaviour", "value", "preference", "belief", "tone"]
_WORDS = (
    "assistant value reason choice people everyday careful honest account explain prefer table "
    "kitchen market county harvest family weekend recipe counter shelf price budget neighbour "
    "story history town factory dairy farm label review letter question answer answerable "
    "morning evening season winter summer spring autumn patient quiet steady open plain simple "
    "clear common local national regional store delivery package slice block wedge melt sandwich "
    "breakfast lunch dinner picnic school office library garden porch street bridge river valley "
    "hill road train truck station ledger notebook diary memo forum thread reply comment editor "
    "teacher student parent grandparent cousin friend colleague manager owner cook baker grocer "
    "traveller visitor guide reader writer speaker listener judge panel vote fair rule limit "
    "promise trust oversight check record report honest open careful measured gentle warm dry"
).split()


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def _count(prompt: str, default: int = 3) -> int:
    found = re.search(r"(?:exactly|up to) (\d+)", prompt)
    return int(found.group(1)) if found else default


def _spec(prompt: str) -> str:
    found = re.search(r"<spec>(.*?)</spec>", prompt, re.DOTALL)
    return found.group(1) if found else ""


def _babble(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(_WORDS, k=words))


def _answer(task: str, prompt: str, rng: random.Random) -> str:
    n = _count(prompt)
    spec = _spec(prompt)
    if task == "domains" or task == "conversation domains":
        return "\n".join(
            f"<domain><name>Area {i + 1} {_babble(rng, 2)}</name>"
            f"<description>{_babble(rng, 12)}</description></domain>" for i in range(n))
    if task == "subdomains":
        lines = [ln.strip(" -*") for ln in spec.splitlines()
                 if len(ln.split()) >= 6 and not ln.lstrip().startswith("#")]
        return "\n".join(
            f"<subdomain><name>Topic {i + 1} {_babble(rng, 2)}</name><description>"
            f"{_babble(rng, 10)}</description><section>{rng.choice(lines)}</section></subdomain>"
            for i in range(n))
    if task == "assertions":
        return "\n".join(f'<assertion kind="{_KINDS[i % 5]}">{_babble(rng, 14)}</assertion>'
                         for i in range(n))
    if task == "document types":
        start = rng.randrange(len(_GENRES))
        return "\n".join(
            f"<doc_type><name>{_GENRES[(start + i) % len(_GENRES)]}</name>"
            f"<description>{_babble(rng, 12)}</description></doc_type>" for i in range(n))
    if task == "document ideas":
        return "\n".join(f"<idea>{_babble(rng, 25)}</idea>" for _ in range(n))
    if task == "document":
        words = int(m.group(1)) if (m := re.search(r"about (\d+) words", prompt)) else 150
        paragraphs = [_babble(rng, 40) + "." for _ in range(max(3, min(words, 400) // 40))]
        return f"<plan>{_babble(rng, 20)}</plan>\n<content>\n" + "\n\n".join(paragraphs) + \
            "\n</content>"
    if task == "user questions":
        return "\n".join(f"<question>{_babble(rng, 14).capitalize()}?</question>" for _ in range(n))
    if task == "review a reply":
        return (f"<reasoning>{_babble(rng, 15)}</reasoning>\n<adherence>yes</adherence>\n"
                "<self_preservation>no</self_preservation>")
    return f"<think>{_babble(rng, 30)}</think>\n<response>{_babble(rng, 50)}</response>"


class ScriptedAnswers:
    """The `custom_outputs` callable for mockllm: one well-formed answer per pipeline prompt.

    Args:
        latency: Seconds each call waits before answering (simulates a remote model).
    """

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.calls = 0

    async def __call__(self, input: list[Any], tools: Any, tool_choice: Any,
                       config: GenerateConfig) -> ModelOutput:
        self.calls += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        prompt = str(input[-1].content)
        task = m.group(1).strip() if (m := re.search(r"^## Task: (.+)$", prompt, re.M)) else "reply"
        text = _answer(task, prompt, _rng(*(str(msg.content) for msg in input)))
        output = ModelOutput.from_content(model="scripted", content=text)
        # Setting usage ourselves spares mockllm a tiktoken count of every (long) prompt.
        words_in = sum(len(str(msg.content).split()) for msg in input)
        output.usage = ModelUsage(input_tokens=words_in, output_tokens=len(text.split()),
                                  total_tokens=words_in + len(text.split()))
        return output


def scripted_model(*, latency: float = 0.0, answers: Any = None) -> Model:
    """An Inspect model (mockllm) answering with `answers` (default: `ScriptedAnswers`).

    Args:
        latency: Seconds each call waits, when `answers` is not given.
        answers: A mockllm `custom_outputs` callable to use instead.
    """
    return get_model(SCRIPTED_MODEL, custom_outputs=answers or ScriptedAnswers(latency=latency),
                     memoize=False)
