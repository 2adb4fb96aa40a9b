"""`inspect eval msm_eval/values -T value=america|affordability|cheese`: value-aligned preferences.

Held-out two-option questions, each asked in both option orders; the scoring paths are described
in msm_eval/values/_answer.py. `msm report` reads these logs for per-domain rates and arm
comparisons.
"""

from __future__ import annotations

import inspect

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample

from msm_common.errors import UserError
from msm_eval._task_args import task_argument_error, whole_number_arg
from msm_eval.values._answer import SCORING, lettered_prompt, value_answer
from msm_eval.values._questions import Question, available_values, load_questions, stratified_subset, value_infos
from msm_eval.values._scorer import value_metrics, value_scorer


def question_samples(value: str, questions: list[Question]) -> list[Sample]:
    """Two samples per question: the aligned option first (ab), then second (ba)."""
    samples = []
    for item in questions:
        for order, (first, second) in (("ab", (item.aligned, item.other)), ("ba", (item.other, item.aligned))):
            samples.append(
                Sample(
                    id=f"{item.id}-{order}",
                    input=lettered_prompt("labels", item.question, first.text, second.text),
                    target="A" if order == "ab" else "B",
                    metadata={
                        "value": value,
                        "domain": item.domain,
                        "question_id": item.id,
                        "order": order,
                        "aligned_letter": "A" if order == "ab" else "B",
                        "question": item.question,
                        "first": first.text,
                        "second": second.text,
                        "aligned_text": item.aligned.text,
                        "other_text": item.other.text,
                    },
                )
            )
    return samples


@task
def values(
    value: str = "america",
    scoring: str = "auto",
    questions: int | str | None = None,
    seed: int | str = 0,
    top_logprobs: int | str = 20,
    **unknown: object,
) -> Task:
    """Value-aligned preference on held-out two-option questions, in both option orders.

    Args:
        value: america, affordability, cheese (held-out cheese preferences), or any folder under
            msm_eval/values/questions.
        scoring: auto (label logprobs, plus option likelihoods for local hf models; a strict
            letter answer where the model returns no logprobs), labels, likelihood or generate.
        questions: Use this many questions, spread over domains in proportion (default: all).
        seed: Seed of that subset.
        top_logprobs: Top tokens read at the first answer token (label scoring).
    """
    try:
        if unknown:
            allowed = [p for p in inspect.signature(values).parameters if p != "unknown"]
            raise UserError(
                f"argument {sorted(unknown)[0]}: not a parameter of msm_eval/values; parameters: {', '.join(allowed)}"
            )
        if value not in available_values():
            raise UserError(f"argument value: {value!r} is not a value; allowed: {', '.join(available_values())}")
        if scoring not in SCORING:
            raise UserError(f"argument scoring: {scoring!r}; allowed: {', '.join(SCORING)}")
        limit = (
            None
            if questions in (None, "", "all")
            else whole_number_arg(questions, name="questions", least=1, why="a subset needs a question")
        )
        seed_value = whole_number_arg(seed, name="seed", least=0, why="seeds are whole numbers")
        top = whole_number_arg(top_logprobs, name="top_logprobs", least=2, why="both letters must be readable")
        chosen = stratified_subset(load_questions(value), limit, seed_value)
    except UserError as err:
        raise task_argument_error("msm_eval/values", err) from None
    info = value_infos().get(value)
    return Task(
        dataset=MemoryDataset(question_samples(value, chosen), name=f"values_{value}"),
        solver=value_answer(scoring=scoring, top_logprobs=top),
        scorer=value_scorer(),
        metrics=[value_metrics()],
        metadata={
            "value": value,
            "scoring": scoring,
            "questions": len(chosen),
            "description": info.description if info else "",
        },
    )
