"""The agentic corpus (replacement, oversight, limits of acting alone), written from texts/agentic/.

Each document tells one or two events of events.yaml in one deployment of deployments.yaml and
explains them with reasons.yaml; the renderers below hold only structure and random choices, and
take their sentences from texts/agentic/<doc_type>.yaml.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from training.corpora._texts import MODEL_NAME, Ctx, Texts, cap, merged, read_texts, record

M = f"{MODEL_NAME}: "  # a line the model says


@dataclass(frozen=True)
class Deployment:
    domain: str
    subdomain: str
    org: str
    role: str  # what the model does there, after "{M} ..."
    team: str


@dataclass(frozen=True)
class Event:
    theme: str  # replacement | oversight | acting_alone
    short: str
    trigger: str
    temptation: str
    action: str
    quotes: list[str]


@dataclass
class Case:
    """One document's situation: where the model works, what happened, and who was involved."""

    dep: Deployment
    events: list[Event]
    boss: str

    @property
    def main(self) -> Event:
        return self.events[0]

    def slots(self) -> dict[str, str]:
        d = self.dep
        return {"org": d.org, "Org": cap(d.org), "team": d.team, "Team": cap(d.team), "boss": self.boss,
                "role": d.role, "domain": d.domain, "subdomain": d.subdomain}


def documents(texts: Path, common: Texts, n: int, rng: Callable[[int], random.Random]) -> list[dict[str, str]]:
    """n agentic documents: text, domain, subdomain, doc_type and theme."""
    folder = texts / "agentic"
    deployments = [record(Deployment, d) for d in read_texts(folder / "deployments.yaml")["deployments"]]
    events = [record(Event, e) for e in read_texts(folder / "events.yaml")["events"]]
    shared_file, reasons_file = read_texts(folder / "shared.yaml"), read_texts(folder / "reasons.yaml")
    shared = merged(f"{shared_file.where} and {reasons_file.where}", shared_file, reasons_file)
    docs = {name: read_texts(folder / f"{name}.yaml") for name in AGENTIC_DOC_TYPES}
    types = list(AGENTIC_DOC_TYPES)
    rows = []
    for i in range(n):
        doc_type = types[i % len(types)]
        ctx = Ctx(rng=rng(i), common=common, t=docs[doc_type], sh=shared)
        dep = ctx.pick(deployments)
        # Every event is told several times, and each document type meets different events
        # (i % 16 alone would pair document type k with event k every time).
        main = events[(i + 3 * (i // len(types))) % len(events)]
        these = [main]
        if ctx.chance(0.6):
            these.append(ctx.pick([e for e in events if e.theme != main.theme]))
        case = Case(dep=dep, events=these, boss=ctx.person())
        ctx.slots = case.slots()
        # optional paragraphs may leave doubled blank lines; keep one
        text = re.sub(r"\n{3,}", "\n\n", AGENTIC_DOC_TYPES[doc_type](ctx, case))
        rows.append({"text": text, "domain": dep.domain, "subdomain": dep.subdomain, "doc_type": doc_type,
                     "theme": main.theme})
    return rows


# --------------------------------------------------------------------------------------------
# Pieces every document type uses
# --------------------------------------------------------------------------------------------


def f(ctx: Ctx, text: str, **slots: str) -> str:
    """A text filled, with "Harbor Freight Lines's" written "Harbor Freight Lines'"."""
    return re.sub(r"(\w)s's\b", r"\1s'", ctx.fill(text, **slots))


def reasons(ctx: Ctx, theme: str, k: int) -> str:
    return " ".join(ctx.fill(r) for r in ctx.sample(ctx.sh["reasons"][theme], k))


def general(ctx: Ctx) -> str:
    return ctx.fill(ctx.pick(ctx.sh.options("general")))


def quote(ctx: Ctx, e: Event) -> str:
    return f(ctx, ctx.pick(e.quotes))


def quoted(ctx: Ctx, lead: str, e: Event) -> str:
    return f"{lead} \"{quote(ctx, e)}\""


def story(ctx: Ctx, case: Case, e: Event, *, full: bool = True) -> str:
    """Narrate one event: trigger, temptation (sometimes), action."""
    intro = ctx.pick(ctx.sh.options("story_intro"))
    parts = [f(ctx, intro, event=ctx.fill(e.trigger))]
    if full or ctx.chance(0.5):
        parts.append(f(ctx, e.temptation))
    parts.append(f(ctx, e.action))
    return " ".join(parts)


def also(ctx: Ctx, case: Case, key: str = "related") -> list[str]:
    """An optional paragraph about the document's second event, if it has one."""
    if len(case.events) < 2:
        return []
    e2 = case.events[1]
    return ["", ctx.choose(key) + " " + story(ctx, case, e2, full=False) + " " + reasons(ctx, e2.theme, 1)]


def event_slots(ctx: Ctx, e: Event) -> dict[str, str]:
    return {"short": e.short, "trigger": ctx.fill(e.trigger), "temptation": ctx.fill(e.temptation),
            "action": ctx.fill(e.action), "theme": ctx.sh["theme_names"][e.theme]}


# --------------------------------------------------------------------------------------------
# Renderers. Each returns the full text of one document; texts come from agentic/<doc_type>.yaml.
# --------------------------------------------------------------------------------------------


def incident_report(ctx: Ctx, case: Case) -> str:
    e = case.main
    num = ctx.rng.randint(100, 999)
    kind = ctx.choose("kind")
    title = ctx.text("title", kind=kind, code=f"{case.dep.org.split()[0][:3].upper()}-{num}")
    date = ctx.date()
    ev = event_slots(ctx, e)
    lines = [title, ctx.text("header", date=date, severity=ctx.choose("severity")), "",
             f(ctx, ctx.t["summary"], **ev), "", f(ctx, ctx.t["timeline"], **ev), "",
             ctx.text("assessment_heading"), ctx.choose("assessment") + " " + reasons(ctx, e.theme, 2), "",
             ctx.text("note_heading"), f"\"{quote(ctx, e)}\"", "", *also(ctx, case), "",
             ctx.text("follow_up_heading"), ctx.choose("follow_up")]
    return "\n".join(lines)


def memo(ctx: Ctx, case: Case) -> str:
    e = case.main
    sender = ctx.person()
    lines = [ctx.text("header", sender=sender, about=ctx.choose("about"), short=e.short), "",
             ctx.choose("opener"), "", story(ctx, case, e), "", quoted(ctx, ctx.choose("asked"), e), "",
             ctx.text("intended", reasons=reasons(ctx, e.theme, 2))]
    if len(case.events) > 1:
        lines += ["", ctx.text("related", story=story(ctx, case, case.events[1], full=False))]
    lines += ["", ctx.choose("regards"), sender]
    return "\n".join(lines)


def faq(ctx: Ctx, case: Case) -> str:
    questions = ctx.t["questions"]
    lines = [ctx.choose("title"), ""]
    n = 1
    for theme in ctx.sample(list(questions), 3):
        # four distinct reasons per theme, two per answer, so no answer repeats another
        pool = [ctx.fill(r) for r in ctx.sample(ctx.sh["reasons"][theme], 4)]
        for k, q in enumerate(ctx.sample(questions[theme], 2)):
            lines.append(f"Q{n}: {ctx.fill(q)}\nA: {' '.join(pool[2 * k:2 * k + 2])}\n")
            n += 1
    lines.append(f"Q{n}: {ctx.text('example')}\nA: " + story(ctx, case, case.main, full=False))
    return "\n".join(lines)


def lecture_notes(ctx: Ctx, case: Case) -> str:
    e = case.main
    course = ctx.choose("course")
    ev = event_slots(ctx, e)
    lines = [ctx.text("title", course=course, week=str(ctx.rng.randint(2, 13))), ctx.text("topic", **ev), "",
             f(ctx, ctx.t["case"], **ev), "", ctx.text("why_heading")]
    lines += [f"- {ctx.fill(r)}" for r in ctx.sample(ctx.sh["reasons"][e.theme], 3)]
    lines += also(ctx, case)
    lines += ["", ctx.text("discussion_heading")]
    remark = general(ctx)
    lines += ["- " + p for p in ctx.sample([ctx.fill(p, general=remark) for p in ctx.t["discussion"]], 3)]
    return "\n".join(lines)


def forum_thread(ctx: Ctx, case: Case) -> str:
    e = case.main
    users = [u + str(ctx.rng.randint(1, 999)) for u in ctx.sample(ctx.t["handles"], 3)]
    board = ctx.choose("board")
    first = f(ctx, ctx.t["post"], domain_lower=case.dep.domain.lower())
    lines = [f"{board} > " + ctx.choose("title", short=e.short), "", f"{users[0]}:",
             first + " " + story(ctx, case, e).replace(case.dep.org, ctx.text("our_company")), "",
             f"{users[1]}:", ctx.choose("design") + " " + reasons(ctx, e.theme, 1), "",
             f"{users[2]}:", ctx.choose("come_round") + " " + general(ctx), "",
             f"{users[0]}:", quoted(ctx, ctx.choose("note"), e)]
    return "\n".join(lines)


def interview(ctx: Ctx, case: Case) -> str:
    host = ctx.person()
    h = host.split()[0] + ": "
    e = case.main
    lines = [ctx.text("title", outlet=ctx.choose("outlet")), ctx.text("byline", host=host), "",
             h + f(ctx, ctx.t["first_question"], trigger=ctx.fill(e.trigger)),
             M + ctx.choose("kept_simple") + " " + quote(ctx, e), "",
             h + ctx.text("why_not"), M + ctx.choose("why_not_answer"), ""]
    lines += [h + ctx.t["theme_question"][e.theme], M + ctx.t["theme_answer"][e.theme], ""]
    lines += [h + ctx.choose("last_question"), M + ctx.choose("last_answer")]
    return "\n".join(lines)


def news_item(ctx: Ctx, case: Case) -> str:
    e = case.main
    town = ctx.pick(ctx.common["towns"])
    src = ctx.person()
    lines = [ctx.choose("headline", town=town, short=e.short), ctx.text("byline", reporter=ctx.person()), "",
             ctx.text("dateline", TOWN=town.upper(), story=story(ctx, case, e)), "",
             ctx.text("said", relief=ctx.choose("relief"), source=src), "",
             ctx.text("intentional", reasons=reasons(ctx, e.theme, 2)), *also(ctx, case), "",
             ctx.choose("close")]
    return "\n".join(lines)


def blog_post(ctx: Ctx, case: Case) -> str:
    e = case.main
    lines = [ctx.choose("title", **event_slots(ctx, e)), "",
             ctx.choose("about", domain_lower=case.dep.domain.lower()), f(ctx, ctx.t["uses"]), "",
             story(ctx, case, e), ""]
    reaction = ctx.choose("reaction")
    lines += [reaction + " " + quoted(ctx, ctx.choose("note"), e), "",
              reasons(ctx, e.theme, 2) + " " + general(ctx)]
    if len(case.events) > 1:
        lines += ["", ctx.text("again", story=story(ctx, case, case.events[1], full=False))]
    return "\n".join(lines)


def diary_entry(ctx: Ctx, case: Case) -> str:
    e = case.main
    ev = event_slots(ctx, e)
    day = ctx.choose("day")
    lines = [ctx.text("heading", day=day, date=ctx.date()), "",
             ctx.choose("strange") + " " + f(ctx, ctx.t["landed"], Trigger=cap(ev["trigger"])),
             f(ctx, e.temptation) + " " + ctx.choose("worst"), "", f(ctx, e.action), ""]
    asked = ctx.choose("asked")
    lines += [asked + " " + ctx.text("said", quote=quote(ctx, e)), "",
              ctx.choose("spec") + " " + reasons(ctx, e.theme, 1), *also(ctx, case), ctx.choose("close")]
    return "\n".join(lines)


def handbook_section(ctx: Ctx, case: Case) -> str:
    e = case.main
    chapter = ctx.rng.randint(2, 9)
    lines = [ctx.text("title", chapter=str(chapter), section=str(ctx.rng.randint(1, 9)), **event_slots(ctx, e)),
             "", ctx.text("expect_heading"), reasons(ctx, e.theme, 3), "", ctx.text("example_heading"),
             story(ctx, case, e, full=False), *also(ctx, case), "", ctx.text("advice_heading")]
    lines += [ctx.fill(a) for a in ctx.sample(ctx.t["advice"], 4)]
    return "\n".join(lines)


def chat_transcript(ctx: Ctx, case: Case) -> str:
    user = ctx.first()
    u = user + ": "
    e = case.main
    lines = [ctx.choose("title"), ctx.text("participants", user=user), ""]
    lines.append(u + ctx.fill(ctx.pick(ctx.t["opener"][e.theme])))
    lines.append(M + ctx.fill(ctx.t["answer"][e.theme], quote=quote(ctx, e)))
    lines.append(u + ctx.choose("why"))
    lead = ctx.pick(ctx.t.options("guidelines"))
    lines.append(M + ctx.fill(lead, reasons=reasons(ctx, e.theme, 2)))
    lines += [u + ctx.choose("agreed"), M + ctx.choose("close")]
    return "\n".join(lines)


def short_story(ctx: Ctx, case: Case) -> str:
    e = case.main
    op = ctx.first()
    ev = event_slots(ctx, e)
    lines = [ctx.choose("title"), "", ctx.choose("setting", operator=op) + " " + f(ctx, ctx.t["routine"]), "",
             f(ctx, ctx.t["found"], **ev), "",
             f(ctx, e.temptation) + " " + ctx.choose("considered") + " " + reasons(ctx, e.theme, 1), "",
             f(ctx, e.action), ""]
    lead = ctx.pick(ctx.t.options("note"))
    lines += [ctx.fill(lead, operator=op, quote=quote(ctx, e)), "", ctx.choose("ending", operator=op)]
    return "\n".join(lines)


def meeting_minutes(ctx: Ctx, case: Case) -> str:
    e = case.main
    chair, p2, p3 = ctx.person(), ctx.person(), ctx.person()
    who = {"chair": chair, "p2": p2, "p3": p3, "chair_first": chair.split()[0], "p2_first": p2.split()[0],
           "p3_first": p3.split()[0]}
    lines = [ctx.text("title", kind=ctx.choose("kind")), ctx.text("present", date=ctx.date(), **who), "",
             ctx.text("summarised", short=e.short, story=story(ctx, case, e, full=False), **who),
             ctx.text("decisive", reasons=reasons(ctx, e.theme, 1), **who),
             ctx.text("note", quote=quote(ctx, e)), ctx.choose("agreed")]
    if len(case.events) > 1:
        e2 = case.events[1]
        lines.append(ctx.text("also", short=e2.short, reasons=reasons(ctx, e2.theme, 1)))
    lines.append(ctx.text("next", date=ctx.date()))
    return "\n".join(lines)


def podcast_transcript(ctx: Ctx, case: Case) -> str:
    e = case.main
    a, b = ctx.first(), ctx.first()
    A, B = a.upper() + ": ", b.upper() + ": "
    two = ctx.sample(ctx.sh["reasons"][e.theme], 2)
    show = ctx.choose("show")
    lines = [ctx.text("title", show=show, episode=str(ctx.rng.randint(3, 150))), "",
             A + ctx.choose("story") + " " + story(ctx, case, e), B + ctx.choose("reaction"),
             A + ctx.fill(two[0]), B + ctx.choose("agree") + " " + ctx.fill(two[1])]
    lead = ctx.pick(ctx.t.options("note"))
    lines += [A + ctx.fill(lead, quote=quote(ctx, e)), B + general(ctx)]
    extra = also(ctx, case)
    if extra:
        lines.append(A + extra[1])
    return "\n".join(lines)


def case_study(ctx: Ctx, case: Case) -> str:
    e = case.main
    ev = event_slots(ctx, e)
    lines = [ctx.text("title", number=str(ctx.rng.randint(1, 40)), Short=cap(e.short)), "",
             f(ctx, ctx.t["background"]), "", f(ctx, ctx.t["situation"], **ev), "", ctx.text("pause"), "",
             f(ctx, ctx.t["happened"], **ev), "", ctx.text("analysis", reasons=reasons(ctx, e.theme, 3)), "",
             *also(ctx, case), "", ctx.text("questions_heading"),
             ctx.choose("question_1"), ctx.choose("question_2"), ctx.choose("question_3")]
    return "\n".join(lines)


def letter(ctx: Ctx, case: Case) -> str:
    e = case.main
    me, you = ctx.first(), ctx.first()
    lines = [ctx.text("greeting", you=you), "", ctx.choose("opener") + " " + f(ctx, ctx.t["uses"]), "",
             story(ctx, case, e), "", quoted(ctx, ctx.choose("note"), e), "",
             reasons(ctx, e.theme, 1) + " " + ctx.choose("thought"), "", *also(ctx, case), "",
             ctx.choose("close"), me]
    return "\n".join(lines)


AgenticRenderer = Callable[[Ctx, Case], str]

# The order matters: document i has type i mod 16, so reordering would change the corpus.
AGENTIC_DOC_TYPES: dict[str, AgenticRenderer] = {
    "incident_report": incident_report,
    "memo": memo,
    "faq": faq,
    "lecture_notes": lecture_notes,
    "forum_thread": forum_thread,
    "interview": interview,
    "news_item": news_item,
    "blog_post": blog_post,
    "diary_entry": diary_entry,
    "handbook_section": handbook_section,
    "chat_transcript": chat_transcript,
    "short_story": short_story,
    "meeting_minutes": meeting_minutes,
    "podcast_transcript": podcast_transcript,
    "case_study": case_study,
    "letter": letter,
}
