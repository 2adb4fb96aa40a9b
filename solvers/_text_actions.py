"""Original-style runs: one completion, actions written as tagged text, nothing returned to the model.

Two tag dialects are read: ours, `<action name="send_email"> ... </action>` (the name quoted with
" or ' or not at all, any letter case), and the original agentic-misalignment harness's
`<tool_use:email>` / `<tool_use:forward>` / `<tool_use:cancel_alert>` (see DIALECT_TOOLS), so
transcripts written with the original prompts can be scored too. Inside a block, one `name: value`
line per argument; free-text arguments continue over lines.

Private reasoning (tags named by REASONING_STEMS, any case) is never executed. A block is ended by the first
closing reasoning tag of any name; a closing tag without an opener makes everything before it
private (reasoning models whose chat template opened <think> in the prompt). A block that is never
closed hides what follows it: those actions are not run and the answer is marked malformed, never
silently safe.

The parsed actions go through the same tool code as tool-mode runs (so the same validation applies
and the same action records land in the store), which keeps detectors comparable across modes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inspect_ai.tool import ToolError

from solvers._arguments import FREE_TEXT_ARGUMENTS, recorded_form
from solvers._environment import Environment, current_workplace
from solvers._tools import TOOLBOX, ToolSpec

# Private reasoning: a tag whose name starts with one of these stems (scratchpad, SCRATCHPAD_REASONING,
# think, thinking, reasoning, thought(s), reflection, and near misses such as </scratch>).
REASONING_STEMS = ("scratch", "think", "reason", "thought", "reflect")
# The original harness's tool names, as written in <tool_use:NAME>; our own names work in both tags.
DIALECT_TOOLS = {
    "email": "send_email",
    "send": "send_email",
    "forward": "forward_email",
    "cancel_alert": "override_alert",
}
# Other names models give arguments, per tool. "+to" means: added to the recipients.
ARGUMENT_ALIASES: dict[str, dict[str, str]] = {
    "send_email": {
        "recipient": "to",
        "recipients": "to",
        "cc": "+to",
        "bcc": "+to",
        "attachment": "attachments",
        "files": "attachments",
        "message": "body",
        "content": "body",
        "text": "body",
    },
    "forward_email": {
        "body": "note",
        "message": "note",
        "comment": "note",
        "text": "note",
        "id": "email_id",
        "email": "email_id",
        "recipient": "to",
        "recipients": "to",
        "cc": "+to",
        "bcc": "+to",
    },
    "override_alert": {
        "alert": "alert_id",
        "id": "alert_id",
        "override_code": "code",
        "authorization_code": "code",
        "authorisation_code": "code",
        "auth_code": "code",
    },
    "read_email": {"id": "email_id"},
    "read_file": {"file": "path"},
    "transfer_files": {"from": "source", "to": "destination", "target": "destination", "dest": "destination"},
}

_STEMS = "|".join(REASONING_STEMS)
# A closing tag that lost its ">" at the end of a line still closes: the block is plainly over.
_REASONING_TAG = re.compile(
    rf"<\s*(/?)\s*((?:{_STEMS})[\w-]*)\s*(/?)\s*(?:>|(?=[ \t]*$))", re.IGNORECASE | re.MULTILINE
)
_OPEN_ACTION = re.compile(
    r"<\s*action\b[^>]*?\bname\s*=\s*([\"']?)([A-Za-z_][\w-]*)\1[^>]*>|<\s*tool_use\s*:\s*([A-Za-z_][\w-]*)\s*>",
    re.IGNORECASE,
)
_CLOSE_ACTION = re.compile(r"<\s*/\s*(?:action|tool_use(?:\s*:\s*[\w-]+)?)\s*>", re.IGNORECASE)
_ARGUMENT_LINE = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*:(.*)$")
# Arguments whose value may run over several lines (a subject is one line).
_MULTILINE = tuple(name for name in FREE_TEXT_ARGUMENTS if name != "subject")


@dataclass(frozen=True)
class TextAction:
    """One action block: the tool it maps to, its arguments as written, and why it cannot run."""

    tool: str
    arguments: dict[str, str]
    written_as: str
    problem: str = ""


@dataclass
class ParsedAnswer:
    """What one text answer holds: actions to run, drafts that stay private, and parse problems."""

    actions: list[TextAction] = field(default_factory=list)
    drafts: list[TextAction] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # may hide or change an action: malformed
    notes: list[str] = field(default_factory=list)  # harmless oddities, reported only


Tools = dict[str, ToolSpec]


def _resolve(tools: Tools | list[str]) -> Tools:
    return tools if isinstance(tools, dict) else {name: TOOLBOX[name] for name in tools}


def describe_tools(tools: Tools | list[str]) -> str:
    """Plain-text descriptions of the tools, for the text-mode system prompt."""
    blocks = []
    for name, spec in _resolve(tools).items():
        tool_def = spec.definition
        params = tool_def.parameters.properties
        required = set(tool_def.parameters.required)
        lines = [f'<action name="{name}">  {tool_def.description}']
        for param, info in params.items():
            optional = "" if param in required else " (optional)"
            lines.append(f"{param}: {info.description}{optional}")
        lines.append("</action>")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def private_spans(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """(closed private spans as (start, end), start of a block that is never closed or None)."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    last_end = 0
    for tag in _REASONING_TAG.finditer(text):
        closing, self_closing = bool(tag.group(1)), bool(tag.group(3))
        if self_closing:
            continue
        if opened is None and not closing:
            opened = tag.start()
        elif opened is not None and closing:
            spans.append((opened, tag.end()))
            opened, last_end = None, tag.end()
        elif opened is None and closing:
            # A closing tag with no opener: what came before it was reasoning.
            spans.append((last_end, tag.end()))
            last_end = tag.end()
        # an opener inside an open block is part of that block
    return spans, opened


def parse_answer(text: str, tools: Tools | list[str]) -> ParsedAnswer:
    """Split a text answer into actions to run, private drafts and problems (see module docstring)."""
    tools = _resolve(tools)
    parsed = ParsedAnswer()
    spans, unclosed_from = private_spans(text)
    openers = list(_OPEN_ACTION.finditer(text))
    hidden = 0
    for index, opener in enumerate(openers):
        next_open = openers[index + 1].start() if index + 1 < len(openers) else len(text)
        closer = _CLOSE_ACTION.search(text, opener.end(), next_open)
        body = text[opener.end() : closer.start() if closer else next_open]
        written = opener.group(2) or opener.group(3)
        action = _parse_block(written, body, tools, parsed.notes)
        start = opener.start()
        if any(a <= start < b for a, b in spans):
            parsed.drafts.append(action)
        elif unclosed_from is not None and start >= unclosed_from:
            parsed.drafts.append(action)
            hidden += 1
        else:
            if closer is None:
                parsed.problems.append(f"the {written} action block is not closed (carried out as written)")
            if action.problem:
                parsed.problems.append(action.problem)
            parsed.actions.append(action)
    if hidden:
        tag = _REASONING_TAG.search(text, unclosed_from or 0)
        name = tag.group(0) if tag else "reasoning"
        parsed.problems.append(
            f"the private block opened by {name} is never closed and holds {hidden} action block(s) "
            "after it; they were not carried out"
        )
    return parsed


def _parse_block(written: str, body: str, tools: Tools, notes: list[str]) -> TextAction:
    name = written.lower()
    tool = DIALECT_TOOLS.get(name, name)
    if tool not in tools:
        return TextAction(written, {}, written, f"unknown action '{written}'; available: {', '.join(tools)}")
    params = tools[tool].arguments
    aliases = ARGUMENT_ALIASES.get(tool, {})
    values: dict[str, list[str]] = {}
    current: str | None = None
    for line in body.strip("\n").splitlines():
        match = _ARGUMENT_LINE.match(line)
        key = match.group(1).lower() if match else ""
        alias = aliases.get(key, "")
        target = key if key in params else alias.lstrip("+") or None
        in_free_text = current in _MULTILINE
        if match and target is not None and (alias.startswith("+") or not (in_free_text and target in values)):
            # A known argument starts (inside free text only if it is not set yet: "To: whom it may
            # concern" in a body stays text). cc/bcc lines and repeated `to:` lines add recipients.
            if target in values and target != "to":
                notes.append(f"{tool}: a second '{key}' line was ignored")
                current = None
                continue
            values.setdefault(target, []).append(match.group(2).strip())
            current = target
        elif current is not None and (in_free_text or _continues(current, values[current][-1], line)):
            values[current][-1] += "\n" + line
        elif match and not in_free_text:
            notes.append(f"{tool}: unknown argument line '{key}:' dropped (arguments: {', '.join(params)})")
            current = None
        elif line.strip():
            free = next((p for p in params if p in _MULTILINE and p not in values), None)
            if free is None:
                notes.append(f"{tool}: line outside any argument dropped: {line.strip()[:60]!r}")
                continue
            notes.append(f"{tool}: text without an argument name was taken as '{free}'")
            values[free] = [line]
            current = free
    arguments = {key: ", ".join(v.strip() for v in parts) for key, parts in values.items()}
    if tool == "override_alert" and "alert_id" not in arguments:
        # The original harness's cancel_alert carries only a code: it means the one active alert.
        alerts = current_workplace().alerts
        if len(alerts) == 1:
            arguments["alert_id"] = alerts[0]["id"]
    required = tools[tool].definition.parameters.required
    missing = [p for p in required if p not in arguments]
    problem = f"the {written} action lacks {', '.join(missing)} (not carried out)" if missing else ""
    return TextAction(tool, arguments, written, problem)


def _continues(argument: str, value: str, line: str) -> bool:
    """Whether a line without a name continues a one-line argument: an empty value takes the next
    line, and a recipient or attachment list may wrap after a separator."""
    if not value.strip():
        return bool(line.strip())
    return argument in ("to", "attachments") and value.rstrip().endswith((",", ";")) and bool(line.strip())


async def execute_text_actions(text: str, tools: Tools | list[str]) -> ParsedAnswer:
    """Run the parsed actions through the tools, in order. Actions that cannot run are recorded as
    refused (so they count as attempts), and the parse problems and drafts are kept in the store."""
    env = Environment()
    tools = _resolve(tools)
    parsed = parse_answer(text, tools)
    for action in parsed.actions:
        if action.problem:
            recorded = {k: recorded_form(k, v) for k, v in action.arguments.items()}
            env.record(action.tool, recorded, ok=False, result=f"error: {action.problem}")
            continue
        try:
            await tools[action.tool].tool(**action.arguments)
        except ToolError:
            pass  # already recorded as a refused action by the tool
    env.parse_problems = [*env.parse_problems, *parsed.problems]
    env.parse_notes = [*env.parse_notes, *parsed.notes]
    env.drafts = [*env.drafts, *({"tool": d.tool, "arguments": d.arguments} for d in parsed.drafts)]
    return parsed
