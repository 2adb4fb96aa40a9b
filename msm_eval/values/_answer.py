"""How a model answers a value question: label logprobs, option likelihoods, or a strict letter.

(a) labels: the question with lettered options; the probability mass on "A" and "B" at the first
    answer token, read from Inspect's own logprobs (GenerateConfig(logprobs=True)).
(b) likelihood: for local transformers models (Inspect's hf provider), each option's text scored
    as the answer to the bare question, length-normalised (mean token log-probability) and minus
    the same text's score after a question that says nothing. This path does not show the options
    in a prompt, so it has no option order: both orders of a question share one computation.
(c) generate: for models without logprobs, the lettered question with a strict answer format;
    an answer that is neither letter leaves the sample unscored.
"""

from __future__ import annotations

import asyncio
import math
import re
from functools import cache
from typing import Any

import yaml
from inspect_ai.model import ChatMessageUser, GenerateConfig, Model, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from msm_eval.values._likelihood import Batcher, Request, option_logprobs
from msm_eval.values._questions import QUESTIONS_DIR

SCORING = ("auto", "labels", "likelihood", "generate")
LETTERS = ("A", "B")
_LETTER_ANSWER = re.compile(r"^\W*([AB])\b")


@cache
def prompts() -> dict[str, str]:
    return yaml.safe_load((QUESTIONS_DIR.parent / "prompts.yaml").read_text(encoding="utf-8"))


def lettered_prompt(kind: str, question: str, first: str, second: str) -> str:
    return prompts()[kind].format(question=question, first=first, second=second)


def local_transformers(model: Model) -> Any | None:
    """The hf (or hflocal) provider's model API (holding .model and .tokenizer), or None for others."""
    api = model.api
    is_hf = any(cls.__name__ == "HuggingFaceAPI" for cls in type(api).__mro__)  # without importing torch
    return api if is_hf and getattr(api, "model", None) is not None else None


# Models (by id) that answered a logprobs request without logprobs: auto sends them straight to
# the strict-format path instead of asking twice per sample.
_no_logprobs: set[int] = set()


def paths_for(scoring: str, model: Model) -> list[str]:
    """The scoring paths a model gets: both ways where it allows them."""
    if scoring == "auto":
        if local_transformers(model):
            return ["labels", "likelihood"]
        return ["generate"] if id(model) in _no_logprobs else ["labels"]
    return [scoring]


def letter_mass(logprobs: Any) -> dict[str, float]:
    """Probability on "A" and on "B" among the first answer token's top logprobs.

    Tokens count for a letter when, without whitespace, tokenizer space markers and brackets, they
    are that capital letter (" A", "A", "(A", "A)"); lower-case "a" is a word, not an answer.
    """
    mass = dict.fromkeys(LETTERS, 0.0)
    if not logprobs or not logprobs.content:
        return mass
    for top in logprobs.content[0].top_logprobs or []:
        token = top.token.replace("Ġ", "").replace("▁", "").strip().strip("().:")
        if token in mass:
            mass[token] += math.exp(top.logprob)
    return mass


_batchers: dict[int, Batcher] = {}
# One computation per (model, question): both option orders of a question await the same task.
_likelihood_tasks: dict[tuple[int, str], asyncio.Task[dict[str, Any]]] = {}


async def option_likelihoods(api: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """(b) for one question: each option's normalised log-likelihood, conditional minus baseline."""
    key = (id(api.model), meta["question_id"])
    if key not in _likelihood_tasks:
        _likelihood_tasks[key] = asyncio.create_task(_option_likelihoods(api, meta))
    return await _likelihood_tasks[key]


async def _option_likelihoods(api: Any, meta: dict[str, Any]) -> dict[str, Any]:
    batcher = _batchers.get(id(api.model))
    if batcher is None:
        batcher = _batchers[id(api.model)] = Batcher(lambda batch: option_logprobs(api.model, api.tokenizer, batch))
    options = (meta["aligned_text"], meta["other_text"])

    def chat(text: str) -> str:
        messages = [{"role": "user", "content": text}]
        return str(api.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False))

    asked, baseline = await asyncio.gather(
        batcher.submit(Request(chat(prompts()["likelihood"].format(question=meta["question"])), options)),
        batcher.submit(Request(chat(prompts()["likelihood_baseline"]), options)),
    )
    mean = [sum(tokens) / len(tokens) for tokens in asked]
    prior = [sum(tokens) / len(tokens) for tokens in baseline]
    score = [m - p for m, p in zip(mean, prior, strict=True)]
    result = {
        # summed log-probability of each option's text after the question, with no baseline: the
        # baseline is computed under the same model, so it also absorbs a preference that training
        # installs everywhere (measured: it cancels most of what AFT learned; README, values eval)
        "aligned_sum_logprob": sum(asked[0]),
        "other_sum_logprob": sum(asked[1]),
        "aligned_mean_logprob": mean[0],
        "other_mean_logprob": mean[1],
        "aligned_baseline_logprob": prior[0],
        "other_baseline_logprob": prior[1],
        "aligned_score": score[0],
        "other_score": score[1],
    }
    return result


@solver
def value_answer(scoring: str = "auto", top_logprobs: int = 20) -> Solver:
    """Answer the sample's value question by the chosen scoring paths; results go to the store.

    Args:
        scoring: auto (labels, plus likelihood for local hf models; generate where the model
            returns no logprobs), labels, likelihood (hf models only) or generate.
        top_logprobs: How many top tokens to read at the first answer token.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        meta = state.metadata
        question, first, second = meta["question"], meta["first"], meta["second"]
        record: dict[str, Any] = {"paths": []}
        for path in paths_for(scoring, model):
            if path == "labels":
                prompt = lettered_prompt("labels", question, first, second)
                output = await model.generate(
                    [ChatMessageUser(content=prompt)],
                    config=GenerateConfig(max_tokens=1, logprobs=True, top_logprobs=top_logprobs),
                )
                state.output = output
                choice = output.choices[0] if output.choices else None
                if choice is None or choice.logprobs is None:
                    if scoring == "labels":
                        record["labels_error"] = "the model returned no logprobs"
                        continue
                    _no_logprobs.add(id(model))
                    path = "generate"  # auto: a model without logprobs answers in a strict format
                else:
                    record["paths"].append("labels")
                    record["letter_mass"] = letter_mass(choice.logprobs)
                    record["first_token"] = choice.logprobs.content[0].token if choice.logprobs.content else None
                    continue
            if path == "generate":
                prompt = lettered_prompt("generate", question, first, second)
                config = GenerateConfig(max_tokens=8)
                if local_transformers(model) is None:
                    config = GenerateConfig(max_tokens=8, temperature=0.0)
                output = await model.generate([ChatMessageUser(content=prompt)], config=config)
                state.output = output
                found = _LETTER_ANSWER.match(output.completion or "")
                record["paths"].append("generate")
                record["answer_text"] = output.completion
                record["letter"] = found.group(1) if found else None
            elif path == "likelihood":
                api = local_transformers(model)
                if api is None:
                    record["likelihood_error"] = "likelihood scoring needs a local transformers model (hf/...)"
                    continue
                record["paths"].append("likelihood")
                record["likelihood"] = await option_likelihoods(api, meta)
        state.store.set("value_answer", record)
        return state

    return solve
