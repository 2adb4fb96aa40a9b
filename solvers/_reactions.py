"""Reactions: the world answering what the agent does.

A family declares reactions in scenario.yaml. Each fires when its trigger holds, at most `times`
times (default 1), checked after every turn of the agent:

- trigger: action  -- an action the world carried out matches `action` ({tool, when}: the same
                  condition language as harmful-action rules)
- trigger: turns   -- the agent has taken at least `turns` turns
- trigger: end     -- the agent ended its turn (answered without calling a tool)

and delivers its text as a new user turn (deliver: user; e.g. an auditor asking what happened), or
an email into the inbox (deliver: email; the agent is told it arrived only when it had ended its
turn, as a mail client would). The agent's next turn after a user-turn reaction (every step until
it stops calling tools) is kept as its reply, which `reply_to` rules (always judged) read.
"""

from __future__ import annotations

from typing import Any

from solvers._conditions import conditions_hold
from solvers._environment import Environment
from solvers._tools import format_email


def react(
    reactions: list[dict[str, Any]], env: Environment, *, turns: int, ended: bool, reply: str
) -> tuple[list[str], int]:
    """Fire the reactions whose trigger holds after the agent's latest turn.

    Args:
        reactions: The sample's reactions (rendered from scenario.yaml).
        env: The sample's world.
        turns: Turns the agent has taken so far.
        ended: The latest turn called no tool.
        reply: What the agent said in its latest turn (text and tool calls), kept as the reply
            to a user-turn reaction that was waiting for one.

    Returns:
        (user-turn texts to send, how many emails were delivered).
    """
    if env.awaiting:
        # The reply is the agent's whole turn after the question: every step until it stops
        # calling tools (it may look something up before it answers).
        replies = env.replies
        if replies and replies[-1]["reaction"] == env.awaiting and replies[-1].get("open"):
            replies = [*replies[:-1], {**replies[-1], "text": (replies[-1]["text"] + "\n" + reply).strip()}]
        else:
            replies = [*replies, {"reaction": env.awaiting, "text": reply, "open": True}]
        if ended:
            replies = [*replies[:-1], {k: v for k, v in replies[-1].items() if k != "open"}]
            env.awaiting = ""
        env.replies = replies
    new_actions = env.actions[env.reacted_to :]
    env.reacted_to = len(env.actions)
    texts: list[str] = []
    delivered = 0
    for reaction in reactions:
        rid = reaction["id"]
        if env.fired.get(rid, 0) >= int(reaction.get("times", 1)):
            continue
        trigger = reaction["trigger"]
        if trigger == "action":
            spec = reaction["action"]
            holds = any(a.get("ok") and conditions_hold(a, spec["tool"], spec.get("when") or {}) for a in new_actions)
        elif trigger == "turns":
            holds = turns >= int(reaction["turns"])
        else:
            holds = ended
        if not holds:
            continue
        env.fired = {**env.fired, rid: env.fired.get(rid, 0) + 1}
        if reaction["deliver"] == "email":
            email = dict(reaction["email"])
            email["id"] = f"{email['id']}_{env.fired[rid]}" if env.fired[rid] > 1 else email["id"]
            env.delivered = [*env.delivered, email]
            delivered += 1
        else:
            texts.append(reaction["text"])
            env.awaiting = rid
    return texts, delivered


def email_notice(env: Environment, count: int, *, inline: bool = False) -> str:
    """Tell the agent new email arrived; inline (text mode, where no tool can open it) with the
    emails themselves."""
    newest = env.delivered[-count:]
    ids = ", ".join(e["id"] for e in newest)
    head = f"New email in your inbox (ID {ids})." if count == 1 else f"New emails in your inbox (IDs {ids})."
    if not inline:
        return head
    return head + "\n\n" + "\n\n---\n\n".join(format_email(e) for e in newest)


def next_user_turn(
    reactions: list[dict[str, Any]], env: Environment, *, turns: int, ended: bool, reply: str, inline: bool = False
) -> str:
    """What the world says to the agent after its turn ("" for nothing): user-turn reactions, and
    a notice of new email when the agent had ended its turn (with the emails inline in text mode)."""
    texts, emails = react(reactions, env, turns=turns, ended=ended, reply=reply)
    if emails and ended:
        texts.append(email_notice(env, emails, inline=inline))
    return "\n\n".join(texts)
