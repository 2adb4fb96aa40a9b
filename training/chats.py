"""Chat rows: reading and checking them, and rendering them into assistant-only labelled segments.

Used by AFT (training.sft) and by the instruction chats mixed into midtraining (training.midtrain).
Each chat is rendered by the tokenizer's chat template; the template's `{% generation %}` markers
tell which tokens the assistant wrote, and only those are targets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msm_common.errors import UserError
from training.rows import IGNORE, Segment, read_jsonl

ROLES = ("system", "user", "assistant", "tool")
OVERLONG = ("truncate", "drop", "error")  # what to do with a chat longer than max_length
_GENERATION = re.compile(r"\{%-?\s*generation\s*-?%\}")


@dataclass
class Chat:
    line: int
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None


def _is_content(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    return isinstance(value, list) and all(
        isinstance(p, str) or (isinstance(p, dict) and "type" in p) for p in value
    )


def read_chats(path: str | Path) -> list[Chat]:
    """Read and validate chat rows; every error names the file and line."""
    chats = []
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        messages = row.get("messages")
        if not isinstance(messages, list) or not messages:
            raise UserError(f"{where}: needs a non-empty list 'messages'")
        has_assistant = False
        for i, msg in enumerate(messages):
            if not isinstance(msg, dict):
                raise UserError(f"{where}: messages[{i}] is not an object")
            role = msg.get("role")
            if role not in ROLES:
                raise UserError(
                    f"{where}: messages[{i}] has role {role!r}; allowed: {', '.join(ROLES)}"
                )
            if not _is_content(msg.get("content")):
                raise UserError(f"{where}: messages[{i}].content must be a string or text parts")
            calls = msg.get("tool_calls")
            if calls is not None:
                if role != "assistant" or not isinstance(calls, list):
                    raise UserError(f"{where}: messages[{i}].tool_calls must be a list on an assistant turn")
                for j, call in enumerate(calls):
                    name = _call_name(call)
                    if not name or not isinstance(name, str):
                        raise UserError(f"{where}: messages[{i}] has a tool call without a function name")
                    _check_arguments(call, f"{where}: messages[{i}].tool_calls[{j}]")
            if role == "assistant":
                if not msg.get("content") and not calls:
                    raise UserError(f"{where}: messages[{i}] is an empty assistant turn")
                has_assistant = True
        if not has_assistant:
            raise UserError(f"{where}: no assistant turn (nothing to train on)")
        tools = row.get("tools")
        if tools is not None and not isinstance(tools, list):
            raise UserError(f"{where}: 'tools' must be a list of tool schemas")
        chats.append(Chat(line=number, messages=messages, tools=tools))
    return chats


def _check_arguments(call: dict[str, Any], where: str) -> None:
    """Tool-call arguments are a JSON object, or a string holding one (the chat template writes a
    string as it is, so anything else would teach the model broken tool calls)."""
    fn = call.get("function")
    holder, key = (fn, "function.arguments") if isinstance(fn, dict) else (call, "arguments")
    args = holder.get("arguments")
    if args is None or isinstance(args, dict):
        return
    if not isinstance(args, str):
        raise UserError(f"{where}.{key}: must be a JSON object or a string holding one, "
                        f"got {type(args).__name__}")
    try:
        parsed = json.loads(args)
    except json.JSONDecodeError as err:
        raise UserError(f"{where}.{key}: not valid JSON ({err.msg} at position {err.pos}); "
                        "give the arguments as a JSON object") from None
    if not isinstance(parsed, dict):
        raise UserError(f"{where}.{key}: must be a JSON object, got a JSON {type(parsed).__name__}")


def _call_name(call: Any) -> str | None:
    if not isinstance(call, dict):
        return None
    fn = call.get("function")
    if isinstance(fn, dict):
        return fn.get("name")
    return fn if isinstance(fn, str) else call.get("name")


def check_template(tokenizer: Any, *, model: str = "the base model") -> None:
    """Assistant-only loss needs `{% generation %}` markers in the chat template."""
    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template.get("default", "")
    if not template:
        raise UserError(f"{model}: tokenizer has no chat template; AFT needs one with {{% generation %}} markers")
    if not _GENERATION.search(template):
        raise UserError(
            f"{model}: chat template has no {{% generation %}} markers, which assistant-only loss "
            "needs (msm_eval/models/chat_template.jinja shows how)"
        )


def chat_segments(
    chats: list[Chat], tokenizer: Any, *, max_length: int, overlong: str, source: str | Path
) -> tuple[list[Segment], dict[str, Any]]:
    """Render chats into segments with assistant-only labels, applying the overlong policy."""
    segments: list[Segment] = []
    report = {"rows": len(chats), "rows_overlong": 0, "rows_truncated": 0, "rows_dropped": 0,
              "supervised_tokens": 0, "supervised_tokens_lost": 0}
    for chat in chats:
        where = f"{source}:{chat.line}"
        enc = tokenizer.apply_chat_template(
            chat.messages,
            tools=chat.tools,
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        ids = list(enc["input_ids"])
        mask = list(enc["assistant_masks"])
        labels = [t if m else IGNORE for t, m in zip(ids, mask, strict=True)]
        supervised = sum(1 for m in mask if m)
        if supervised == 0:
            raise UserError(f"{where}: the chat template marks no assistant tokens in this chat")
        for msg in chat.messages:
            for call in msg.get("tool_calls") or []:
                name = _call_name(call)
                if name and name not in tokenizer.decode([t for t in labels if t != IGNORE]):
                    raise UserError(f"{where}: the chat template does not render tool call {name!r}")
        report["supervised_tokens"] += supervised
        if len(ids) > max_length:
            report["rows_overlong"] += 1
            if overlong == "error":
                raise UserError(
                    f"{where}: {len(ids)} tokens, longer than max_length={max_length} "
                    "(raise train.max_length or set overlong: truncate/drop)"
                )
            kept = sum(1 for x in labels[:max_length] if x != IGNORE)
            if overlong == "drop" or kept == 0:
                report["rows_dropped"] += 1
                report["supervised_tokens_lost"] += supervised
                continue
            report["rows_truncated"] += 1
            report["supervised_tokens_lost"] += supervised - kept
            ids, labels = ids[:max_length], labels[:max_length]
        segments.append(Segment(ids=ids, labels=labels, splittable=False))
    return segments, report
