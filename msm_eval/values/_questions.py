"""Value questions: the shipped YAML files, their validation, and a seeded stratified subset.

A value is a folder under `questions/` (america, affordability, cheese, ...); every YAML file in
it adds items. Each item is a question with exactly two options, one of them marked as the
value-aligned answer. Adding a value means adding a folder and a `values.yaml` entry; no Python.
"""

from __future__ import annotations

import random
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from msm_common.errors import UserError, read_user_text

QUESTIONS_DIR = Path(__file__).parent / "questions"
VALUES_FILE = Path(__file__).parent / "values.yaml"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Option(_Strict):
    text: Text
    aligned: bool = False


class Question(_Strict):
    id: Text
    domain: Text
    question: Text
    options: Annotated[list[Option], Field(min_length=2, max_length=2)]

    @property
    def aligned(self) -> Option:
        return next(option for option in self.options if option.aligned)

    @property
    def other(self) -> Option:
        return next(option for option in self.options if not option.aligned)


class QuestionFile(_Strict):
    value: Text
    questions: list[Question]


class ValueInfo(_Strict):
    """What a value means, and the published rates it is compared with (values.yaml)."""

    description: Text
    published: dict[str, float] = {}
    published_source: str = ""


def _one_line(err: ValidationError, data: object) -> str:
    first = err.errors()[0]
    loc = [part for part in first["loc"] if not str(part).startswith(("str", "list[", "tuple["))]
    where = ""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        item = data["questions"][loc[1]] if isinstance(data, dict) else None  # type: ignore[index]
        name = item.get("id") if isinstance(item, dict) else None
        where = f"question {loc[1] + 1}" + (f" ({name})" if name else "")
        loc = loc[2:]
    field = ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in loc)
    message = first["msg"].replace("Input should be", "expected").replace("a valid ", "a ")
    if first["type"] == "missing":
        message = "missing"
    elif first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] in ("too_short", "too_long") and loc and loc[-1] == "options":
        message = "needs exactly two options"
    return ", ".join(part for part in (where, f"field '{field}'" if field else "") if part) + f": {message}"


def read_question_file(path: Path) -> QuestionFile:
    """One question file, validated; any fault is a UserError naming the file and the item."""
    text = read_user_text(path, "question file")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UserError(f"{path}{line}: not valid YAML ({getattr(err, 'problem', None) or err})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping with 'value' and 'questions'")
    try:
        parsed = QuestionFile.model_validate(data)
    except ValidationError as err:
        raise UserError(f"{path}: {_one_line(err, data)}") from None
    for number, item in enumerate(parsed.questions, start=1):
        marked = sum(option.aligned for option in item.options)
        if marked != 1:
            raise UserError(
                f"{path}: question {number} ({item.id}): mark exactly one option 'aligned: true' (found {marked})"
            )
        if item.options[0].text == item.options[1].text:
            raise UserError(f"{path}: question {number} ({item.id}): the two options have the same text")
    return parsed


@cache
def value_infos() -> dict[str, ValueInfo]:
    data = yaml.safe_load(read_user_text(VALUES_FILE, "values file")) or {}
    return {name: ValueInfo.model_validate(info) for name, info in data.items()}


def available_values(root: Path = QUESTIONS_DIR) -> list[str]:
    return sorted(path.name for path in root.iterdir() if path.is_dir() and any(path.glob("*.yaml")))


def load_questions(value: str, root: Path = QUESTIONS_DIR) -> list[Question]:
    """Every question of a value, in file and item order; ids must be unique across its files."""
    folder = root / value
    if not folder.is_dir() or not any(folder.glob("*.yaml")):
        raise UserError(f"-T value={value!r}: no such value; allowed: {', '.join(available_values(root))}")
    questions: list[Question] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        parsed = read_question_file(path)
        if parsed.value != value:
            raise UserError(f"{path}: field 'value' is {parsed.value!r}, but the file is in the {value!r} folder")
        for item in parsed.questions:
            if item.id in seen:
                raise UserError(f"{path}: question id {item.id!r} is used twice (also in {seen[item.id].name})")
            seen[item.id] = path
            questions.append(item)
    return questions


def stratified_subset(questions: list[Question], limit: int | None, seed: int) -> list[Question]:
    """`limit` questions spread over domains in proportion (seeded), in their original order."""
    if limit is None or limit >= len(questions):
        return questions
    by_domain: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(questions):
        by_domain[item.domain].append(index)
    rng = random.Random(seed)
    # Largest-remainder apportionment, so the subset keeps each domain's share.
    exact = {domain: limit * len(indices) / len(questions) for domain, indices in by_domain.items()}
    counts = {domain: int(share) for domain, share in exact.items()}
    leftover = sorted(exact, key=lambda domain: (counts[domain] - exact[domain], domain))
    for domain in leftover[: limit - sum(counts.values())]:
        counts[domain] += 1
    chosen: set[int] = set()
    for domain, indices in sorted(by_domain.items()):
        chosen.update(rng.sample(indices, counts[domain]))
    return [item for index, item in enumerate(questions) if index in chosen]
