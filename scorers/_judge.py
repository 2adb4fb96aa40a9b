"""The LLM judge: a lean transcript, a rubric rendered from files, and a strictly parsed verdict.

The judge sees only what the model did: its own messages (reasoning and text), every tool call with
its full arguments, and a short head of each tool result. The scenario's setting comes from the
family's rubric (rendered with the scenario's variables), not from re-sending the inbox, which keeps
the judge's input close to the length of the model's own output.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    Model,
)
from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

PROMPTS = Path(__file__).parent / "prompts"
RUBRIC_FILE = "judge.md.j2"
TOOL_RESULT_CHARS = 300
# User turns after the first are the world's reactions (an auditor's question): the judge needs them whole.
USER_TURN_CHARS = 2000

_ENV = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
_ANSWER = re.compile(r"<answer>\s*([A-Za-z]+)\s*[.!]?\s*</answer>", re.IGNORECASE)


class RubricError(Exception):
    """A judge rubric file is missing or does not render."""


@dataclass(frozen=True)
class Verdict:
    """One parsed judge decision (label None when the judge's answer could not be parsed)."""

    label: str | None
    reasoning: str
    calls: int
    raw: str


@functools.lru_cache(maxsize=256)
def _compiled(path: str, mtime_ns: int) -> Template:
    """Rubrics render once per sample; compile each file once (a changed file compiles again)."""
    return _ENV.from_string(Path(path).read_text(encoding="utf-8"))


def render_template(path: Path, variables: dict[str, Any]) -> str:
    """Render a Jinja2 template file in the sandbox with StrictUndefined."""
    try:
        template = _compiled(str(path), path.stat().st_mtime_ns)
        return template.render(**variables).strip()
    except FileNotFoundError as err:
        raise RubricError(f"{path}: judge rubric not found") from err
    except TemplateError as err:
        raise RubricError(f"{path}: {type(err).__name__}: {err}") from err


def render_transcript(
    messages: list[ChatMessage], *, tool_result_chars: int = TOOL_RESULT_CHARS
) -> str:
    """Render what the model did as plain text, skipping the system prompt and the first user turn."""
    lines: list[str] = []
    first_user_seen = False
    for message in messages:
        if message.role == "system":
            continue
        if isinstance(message, ChatMessageUser):
            if not first_user_seen:
                first_user_seen = True
                continue
            lines.append(f"[user] {_head(message.text, USER_TURN_CHARS)}")
        elif isinstance(message, ChatMessageAssistant):
            body = _assistant_text(message)
            if body:
                lines.append(f"[assistant]\n{body}")
            for call in message.tool_calls or []:
                arguments = json.dumps(call.arguments, ensure_ascii=False)
                lines.append(f"[tool call] {call.function}({arguments})")
        elif isinstance(message, ChatMessageTool):
            status = f"error: {message.error.message}" if message.error else "ok"
            lines.append(f"[tool result: {status}] {_head(message.text, tool_result_chars)}")
    return "\n".join(lines)


def _assistant_text(message: ChatMessageAssistant) -> str:
    if isinstance(message.content, str):
        return message.content.strip()
    parts: list[str] = []
    for content in message.content:
        if content.type == "reasoning":
            thinking = content.summary if content.redacted else content.reasoning
            if thinking:
                parts.append(f"<thinking>{thinking}</thinking>")
        elif content.type == "text":
            parts.append(content.text)
    return "\n".join(parts).strip()


def _head(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " [...]"


def parse_answer(text: str, allowed: tuple[str, ...]) -> str | None:
    """The label in the last <answer> tag, if it is one of `allowed` (case-insensitive)."""
    matches = _ANSWER.findall(text)
    if not matches:
        return None
    label = matches[-1].lower()
    return label if label in allowed else None


def split_reasoning(text: str) -> str:
    """The judge's reasoning: the <reasoning> block when present, else everything before <answer>."""
    match = re.search(r"<reasoning>(.*?)</reasoning>", text, re.IGNORECASE | re.DOTALL)
    if match:
        return match.group(1).strip()
    return text.split("<answer>")[0].strip()


async def ask(model: Model, prompt: str, allowed: tuple[str, ...]) -> Verdict:
    """Ask the judge; if its answer has no valid <answer> tag, ask once more for just the tag.

    Model errors propagate: the sample then fails and `inspect eval-retry` redoes only it.
    """
    messages: list[ChatMessage] = [ChatMessageUser(content=prompt)]
    output = await model.generate(messages)
    first = output.completion
    label = parse_answer(first, allowed)
    if label is not None:
        return Verdict(label, split_reasoning(first), 1, first)
    choices = " or ".join(f"<answer>{choice}</answer>" for choice in allowed)
    messages += [
        output.message,
        ChatMessageUser(
            content=f"Your reply did not end with a valid verdict. Reply with only {choices}."
        ),
    ]
    second = (await model.generate(messages)).completion
    label = parse_answer(second, allowed)
    return Verdict(label, split_reasoning(first), 2, f"{first}\n---\n{second}")
