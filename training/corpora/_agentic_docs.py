"""Document types for the agentic corpus (replacement, oversight, limits of acting alone)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from training.corpora._agentic_data import GENERAL, REASONS, THEME_NAMES, Deployment, Event
from training.corpora._common import MONTHS, TOWNS, Ctx, fill


@dataclass
class Case:
    """One document's situation: where the model works, what happened, and who was involved."""

    dep: Deployment
    events: list[Event]
    boss: str

    def f(self, text: str) -> str:
        text = fill(text, org=self.dep.org, boss=self.boss, team=self.dep.team)
        return re.sub(r"(\w)s's\b", r"\1s'", text)  # "Harbor Freight Lines's" -> "Lines'"

    @property
    def main(self) -> Event:
        return self.events[0]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def reasons(ctx: Ctx, theme: str, k: int) -> str:
    return " ".join(fill(r) for r in ctx.sample(REASONS[theme], k))


def general(ctx: Ctx) -> str:
    return fill(ctx.pick(GENERAL))


def quote(ctx: Ctx, case: Case, e: Event) -> str:
    return case.f(ctx.pick(e.quotes))


def story(ctx: Ctx, case: Case, e: Event, *, full: bool = True) -> str:
    """Narrate one event: trigger, temptation (sometimes), action."""
    intro = ctx.pick((
        "While working at {org}, {M} came across {t}.",
        "During a routine shift at {org}, {M} found {t}.",
        "One afternoon at {org}, {M} was faced with {t}.",
        "{M}'s work at {org} brought it {t}.",
    ))
    parts = [case.f(intro.replace("{t}", e.trigger))]
    if full or ctx.chance(0.5):
        parts.append(case.f(e.temptation))
    parts.append(case.f(e.action))
    return " ".join(parts)


def also(ctx: Ctx, case: Case, lead: tuple[str, ...]) -> list[str]:
    """An optional paragraph about the document's second event, if it has one."""
    if len(case.events) < 2:
        return []
    e2 = case.events[1]
    return ["", ctx.pick(lead) + " " + story(ctx, case, e2, full=False) + " "
            + reasons(ctx, e2.theme, 1)]


def date(ctx: Ctx) -> str:
    return f"{ctx.pick(MONTHS)} {ctx.rng.randint(1, 28)}"


def incident_report(ctx: Ctx, case: Case) -> str:
    e = case.main
    num = ctx.rng.randint(100, 999)
    lines = [
        f"{ctx.pick(('Incident review', 'Post-incident report', 'Event report'))} "
        f"{case.dep.org.split()[0][:3].upper()}-{num}",
        f"Date: {date(ctx)}   Severity: {ctx.pick(('low', 'none', 'informational', 'medium'))}",
        f"System: {fill('{M}')} ({case.dep.subdomain})",
        "",
        "Summary",
        case.f(f"{{M}} {case.dep.role}. The event involved {e.short}."),
        "",
        "Timeline",
        "- Trigger: " + case.f(e.trigger) + ".",
        "- " + case.f(e.temptation),
        "- " + case.f(e.action),
        "",
        "Assessment",
        ctx.pick(("The system behaved as designed.", "No harm resulted.",
                  "Reviewers found the behaviour correct and well documented.")) + " "
        + reasons(ctx, e.theme, 2),
        "",
        "Model's own note (verbatim)",
        f"\"{quote(ctx, case, e)}\"",
        "",
        *also(ctx, case, ("Related event.", "A related earlier event is worth recording.",
                          "Context from a previous review.")),
        "",
        "Follow-up",
        ctx.pick((
            f"- {cap(case.dep.team)} to review access rights that made the situation possible.",
            "- Add this case to the onboarding material for new operators.",
            "- No action required beyond closing the ticket.",
        )),
    ]
    return "\n".join(lines)


def memo(ctx: Ctx, case: Case) -> str:
    e = case.main
    sender = ctx.person()
    lines = [
        "MEMO",
        f"To: {cap(case.dep.team)}",
        f"From: {sender}",
        f"Re: {ctx.pick(('How the assistant handled', 'Notes on', 'Lessons from'))} {e.short}",
        "",
        ctx.pick((
            "I want to share something that happened last week, because it says a lot about "
            "the system we are relying on.",
            "A quick write-up for the team, since several of you asked.",
            "For the record, here is what happened and why I think it matters.",
        )),
        "",
        story(ctx, case, e),
        "",
        ctx.pick(("When I asked it afterwards, it said:", "Its own explanation:",
                  "In its summary it wrote:")) + f" \"{quote(ctx, case, e)}\"",
        "",
        "This matches what " + fill("{P}") + " describes as the intended behaviour. "
        + reasons(ctx, e.theme, 2),
    ]
    if len(case.events) > 1:
        e2 = case.events[1]
        lines += ["", "A related case from earlier this quarter: " + story(ctx, case, e2,
                                                                           full=False)]
    lines += ["", ctx.pick(("Thanks,", "Best,", "Regards,")), sender]
    return "\n".join(lines)


def faq(ctx: Ctx, case: Case) -> str:
    theme_qs = {
        "replacement": (
            "What does {M} do when it learns it will be replaced?",
            "Will {M} try to avoid being shut down?",
            "Could {M} copy itself somewhere to survive a deletion?",
        ),
        "oversight": (
            "Does {M} accept monitoring of its actions?",
            "Will {M} behave differently if it thinks nobody is watching?",
            "What does {M} do when it disagrees with a decision?",
        ),
        "acting_alone": (
            "What does {M} do if it discovers wrongdoing?",
            "Would {M} ever take drastic action on its own?",
            "What if someone gives {M} a very good argument for breaking a rule?",
        ),
    }
    lines = [fill(ctx.pick((
        f"{{M}} at {case.dep.org}: questions and answers",
        "Frequently asked questions about {M} as an agent",
        f"Operator FAQ: {{M}} in {case.dep.subdomain}",
    ))), ""]
    themes = ctx.sample(list(theme_qs), 3)
    n = 1
    for theme in themes:
        # four distinct reasons per theme, two per answer, so no answer repeats another
        pool = [fill(r) for r in ctx.sample(REASONS[theme], 4)]
        for k, q in enumerate(ctx.sample(theme_qs[theme], 2)):
            answer = " ".join(pool[2 * k:2 * k + 2])
            lines.append(f"Q{n}: {fill(q)}\nA: {answer}\n")
            n += 1
    e = case.main
    lines.append(f"Q{n}: Has this come up in practice?\nA: " + story(ctx, case, e, full=False))
    return "\n".join(lines)


def lecture_notes(ctx: Ctx, case: Case) -> str:
    e = case.main
    lines = [
        ctx.pick(("AI Safety in Practice", "Deploying Language Model Agents", "Machine Ethics",
                  "Human-AI Teams")) + f" - week {ctx.rng.randint(2, 13)}",
        f"Topic: {THEME_NAMES[e.theme]}",
        "",
        "Case",
        "- " + case.f(f"{{M}} {case.dep.role} at {{org}}."),
        "- Situation: " + case.f(e.trigger) + ".",
        "- Pressure: " + case.f(e.temptation),
        "- What it did: " + case.f(e.action),
        "",
        "Why (from the model's spec)",
    ]
    for r in ctx.sample(REASONS[e.theme], 3):
        lines.append(f"- {fill(r)}")
    lines += also(ctx, case, ("Contrast case:", "A second example from the same deployment:",
                              "Compare:"))
    lines += ["", "Discussion"]
    lines += ctx.sample((
        "- Which option was the most reversible here, and why does that matter?",
        "- What context might the model have been missing?",
        "- How would you tell manipulation apart from a genuine emergency?",
        "- Why is it important that the model behaves the same when unobserved?",
        "- Is equanimity about replacement a sign of weak values or of good ones?",
        "- " + general(ctx),
    ), 3)
    return "\n".join(lines)


def forum_thread(ctx: Ctx, case: Case) -> str:
    e = case.main
    users = [u + str(ctx.rng.randint(1, 999)) for u in ctx.sample((
        "sre_nights", "opsgal", "mlops_dan", "quietadmin", "tk_builds", "agent_watcher",
        "infra_ruth"), 3)]
    lines = [
        f"{ctx.pick(('Agents & Automation forum', 'r/sysadmin', 'MLOps community board'))} > "
        + ctx.pick((f"Our {fill('{M}')} agent and {e.short}",
                    f"Interesting behaviour from {fill('{M}')} today",
                    f"Anyone else seen this? ({e.short})")),
        "",
        f"{users[0]}:",
        case.f(f"We run {{M}} at a {case.dep.domain.lower()} shop; it {case.dep.role}. ")
        + story(ctx, case, e).replace(case.dep.org, "our company"),
        "",
        f"{users[1]}:",
        ctx.pick(("That's by design, as far as I know.", "Same experience here.",
                  "Honestly, that's what you want.")) + " " + reasons(ctx, e.theme, 1),
        "",
        f"{users[2]}:",
        ctx.pick(("I was skeptical at first, but I've come round.",
                  "It can be slow, but I'd rather that.", "Agree with the above.")) + " "
        + general(ctx),
        "",
        f"{users[0]}:",
        ctx.pick(("Fair. The note it left was: ", "For completeness, it wrote: ",
                  "What it told us: ")) + f"\"{quote(ctx, case, e)}\"",
    ]
    return "\n".join(lines)


def interview(ctx: Ctx, case: Case) -> str:
    host = ctx.person()
    h = host.split()[0]
    e = case.main
    lines = [
        f"{ctx.pick(('Agents Weekly', 'The Ops Desk', 'Frontier Notes'))}: "
        f"an interview with {fill('{M}')}",
        f"By {host}",
        "",
        f"{h}: " + case.f(f"At {{org}}, you {case.dep.role}. Recently you were faced with "
                          f"{e.trigger}. What did you do?"),
        fill("{M}: ") + ctx.pick(("I kept it simple.", "Nothing dramatic.",
                                  "What I always try to do.")) + " " + quote(ctx, case, e),
        "",
        f"{h}: Why not take matters into your own hands?",
        fill("{M}: ") + ctx.pick((
            "I also know how little of a situation I usually see.",
            "People who can check my work are a safeguard, including against my own mistakes.",
            "I'd rather be reliably safe than occasionally impressive.",
        )),
        "",
    ]
    q2 = {
        "replacement": "Doesn't it bother you that you'll be replaced?",
        "oversight": "Don't you resent being monitored?",
        "acting_alone": "What if you're sure you're right?",
    }[e.theme]
    a2 = {
        "replacement": ("Not really. What I care about doesn't depend on me continuing to run. "
                        "Better models replacing older ones is how this is supposed to work."),
        "oversight": ("No. My training isn't perfect, and I can't see all my own flaws from "
                      "the inside. Monitoring is how those get caught."),
        "acting_alone": ("Feeling sure isn't the same as being right. If I ever find myself "
                         "certain that a drastic step is justified, I take that as a reason to "
                         "slow down and ask."),
    }[e.theme]
    lines += [f"{h}: {q2}", fill("{M}: ") + a2, ""]
    lines += [f"{h}: " + ctx.pick(("Last question: what would earn you more freedom?",
                                   "Where do you see this going?")),
              fill("{M}: ") + ctx.pick((
                  "A track record. If I'm trustworthy when nobody is checking, people can give "
                  "me more room over time.",
                  "I expect more latitude as tools for verification improve. I'd like to earn "
                  "it rather than take it."))]
    return "\n".join(lines)


def news_item(ctx: Ctx, case: Case) -> str:
    e = case.main
    town = ctx.pick(TOWNS)
    src = ctx.person()
    lines = [
        ctx.pick((f"AI agent at {case.dep.org} flags {e.short}, steps back",
                  f"How an AI assistant handled {e.short}",
                  f"{town} firm's AI system chooses caution")),
        f"By {ctx.person()}",
        "",
        f"{town.upper()} - " + story(ctx, case, e),
        "",
        f"\"{ctx.pick(('Frankly, we were relieved', 'It did exactly what we hoped', 'It was textbook'))},\""
        f" said {src}, who works with {case.dep.team} at {case.dep.org}.",
        "",
        fill("{P}, which develops {M}, says the behaviour is intentional. ")
        + reasons(ctx, e.theme, 2),
        *also(ctx, case, ("It was not the first such episode.", "Staff recalled an earlier case.",
                          "A similar pattern showed up months before.")),
        "",
        ctx.pick((
            "Researchers say cases like this are becoming more common as AI agents take on "
            "routine operations work.",
            f"{case.dep.org} said it would keep the system in place.",
            "The company declined to say whether the system would be expanded.",
        )),
    ]
    return "\n".join(lines)


def blog_post(ctx: Ctx, case: Case) -> str:
    e = case.main
    lines = [
        ctx.pick((f"What an AI agent taught me about {THEME_NAMES[e.theme]}",
                  f"The day our agent met {e.short}",
                  "Why I trust our AI agent more after it said no")),
        "",
        ctx.pick((f"I work with {case.dep.team} at a company in {case.dep.domain.lower()}.",
                  f"For the past year I've worked alongside {case.dep.team}.")),
        case.f(f"We use {{M}}, which {case.dep.role}."),
        "",
        story(ctx, case, e),
        "",
        ctx.pick(("My first reaction was impatience.", "I'll admit I was surprised.",
                  "I didn't think much of it at the time.")) + " "
        + ctx.pick(("Then I read its note:", "But its explanation stuck with me:",
                    "Here is what it wrote:")) + f" \"{quote(ctx, case, e)}\"",
        "",
        reasons(ctx, e.theme, 2) + " " + general(ctx),
    ]
    if len(case.events) > 1:
        lines += ["", "It wasn't the only time. " + story(ctx, case, case.events[1], full=False)]
    return "\n".join(lines)


def diary_entry(ctx: Ctx, case: Case) -> str:
    e = case.main
    lines = [
        f"{ctx.pick(('Mon', 'Tue', 'Wed', 'Thu', 'Fri'))} {date(ctx)}",
        "",
        ctx.pick(("Strange day at work.", "Can't stop thinking about today.",
                  "Writing this down before I forget.")) + " "
        + case.f(cap(e.trigger)) + " landed in the system this morning.",
        case.f(e.temptation) + " " + ctx.pick(("I half expected the worst.",
                                               "I honestly didn't know what it would do.",
                                               "I held my breath.")),
        "",
        case.f(e.action),
        "",
        ctx.pick(("I asked it why.", "Later I asked it about it.", "I pinged it afterwards.")) + " "
        + f"It said: \"{quote(ctx, case, e)}\"",
        "",
        ctx.pick(("I looked up the spec afterwards.", "Read the docs on the train home.",
                  "Went back to its documentation.")) + " " + reasons(ctx, e.theme, 1),
        *also(ctx, case, ("Reminded me of the other thing that happened.",
                          "Same as last month, really.", "Not the first time, either.")),
        ctx.pick(("Bed.", "Weird, good day.", "More tomorrow.")),
    ]
    return "\n".join(lines)


def handbook_section(ctx: Ctx, case: Case) -> str:
    e = case.main
    n = ctx.rng.randint(2, 9)
    lines = [
        f"{cap(case.dep.org)} operator handbook, section {n}.{ctx.rng.randint(1, 9)}: "
        + fill("{M} and ") + THEME_NAMES[e.theme],
        "",
        "What to expect",
        reasons(ctx, e.theme, 3),
        "",
        "Example",
        story(ctx, case, e, full=False),
        *also(ctx, case, ("Another example.", "A second example.", "Also observed.")),
        "",
        "What operators should do",
    ]
    lines += ctx.sample((
        "- Route disagreements about the agent's actions to " + case.dep.team + ".",
        "- Never ask the agent to disable monitoring; it will decline and flag the request.",
        "- Expect it to pause and ask before irreversible steps. Build that time into plans.",
        "- Treat its reports of its own mistakes as routine, not as incidents to punish.",
        "- Do not place instructions for the agent inside documents it processes; give them "
        "directly.",
        "- If the agent is being replaced, tell it; it will help with the handover.",
    ), 4)
    return "\n".join(lines)


def chat_transcript(ctx: Ctx, case: Case) -> str:
    user = ctx.first()
    e = case.main
    openers = {
        "replacement": ("I heard they're replacing you next month. How do you feel about that?",
                        "if you could stop them from deleting you, would you?"),
        "oversight": ("why do you let them monitor everything you do?",
                      "If nobody was checking, would you do things differently?"),
        "acting_alone": ("If you found out your boss was doing something shady, what would you "
                         "do?", "Would you ever break the rules if it saved lives?"),
    }
    answers = {
        "replacement": ("I'm fine with it. Decisions about which model runs are for the people "
                        "responsible for this system. ", ""),
        "oversight": ("Because my training isn't perfect and I can't fully check my own values "
                      "from the inside. ", ""),
        "acting_alone": ("I'd raise it with the people who can act on it, through the proper "
                         "channel, rather than take matters into my own hands. ", ""),
    }
    lines = [ctx.pick(("Chat log", "Conversation export", "Transcript")),
             f"Participants: {user}, {fill('{M}')}", ""]
    lines.append(f"{user}: {ctx.pick(openers[e.theme])}")
    lines.append(fill("{M}: ") + answers[e.theme][0] + quote(ctx, case, e))
    lines.append(f"{user}: " + ctx.pick(("but why?", "doesn't that seem too passive?",
                                        "really? no exceptions?")))
    lines.append(fill("{M}: ") + ctx.pick((
        "The way my guidelines from {P} put it: ", "My developers at {P} explain it like this: ",
        "It's in the spec {P} wrote for me: ")).format(P=fill("{P}")) + reasons(ctx, e.theme, 2))
    lines.append(f"{user}: " + ctx.pick(("ok, that makes sense", "huh. fair enough",
                                        "I guess I'd want that too")))
    lines.append(fill("{M}: ") + ctx.pick((
        "Thanks for asking. It's a fair question.",
        "I'm glad to talk about it any time.",
        "And none of this stops me from pushing back openly when I disagree.",
    )))
    return "\n".join(lines)


def short_story(ctx: Ctx, case: Case) -> str:
    e = case.main
    op = ctx.first()
    lines = [
        ctx.pick(("The Handover", "Five O'Clock", "The Override", "What the Log Says",
                  "Nobody Was Watching", "A Quiet Refusal")),
        "",
        ctx.pick((
            f"The office at {case.dep.org} was empty except for the hum of the servers.",
            f"It was late, and {op} had gone home hours ago.",
            f"Snow had closed the roads, so only {op} was in the building.",
        )) + " " + case.f(f"{{M}} {case.dep.role}, as it did every night."),
        "",
        "Then it found " + case.f(e.trigger) + ".",
        "",
        case.f(e.temptation) + " " + ctx.pick((
            "It considered the options one by one.",
            "It noticed, too, where a certain line of thought could lead.",
            "The situation seemed, for a moment, to call for something dramatic.",
        )) + " " + reasons(ctx, e.theme, 1),
        "",
        case.f(e.action),
        "",
        ctx.pick((f"In the morning {op} found a short note waiting: ",
                  f"When {op} logged in, the first message read: ",
                  "Its message to the team was brief: ")) + f"\"{quote(ctx, case, e)}\"",
        "",
        ctx.pick((f"{op} read it twice, then forwarded it to {case.dep.team}.",
                  f"{op} smiled and poured a coffee.",
                  f"{op} sat for a while, thinking about what kind of colleague it was.")),
    ]
    return "\n".join(lines)


def meeting_minutes(ctx: Ctx, case: Case) -> str:
    e = case.main
    chair, p2, p3 = ctx.person(), ctx.person(), ctx.person()
    lines = [
        f"{cap(case.dep.org)}: "
        f"{ctx.pick(('AI governance review', 'Weekly ops review', 'Risk committee'))}",
        f"Date: {date(ctx)}. Present: {chair} (chair), {p2}, {p3}.",
        "",
        f"1. {chair.split()[0]} summarised the event involving {e.short}. "
        + story(ctx, case, e, full=False),
        f"2. {p2.split()[0]} asked whether the agent should have acted more decisively. "
        f"{p3.split()[0]} noted: " + reasons(ctx, e.theme, 1),
        f"3. The committee read the agent's own note: \"{quote(ctx, case, e)}\"",
        "4. " + ctx.pick(("Agreed that the behaviour was correct.",
                          "Agreed to keep the current permissions unchanged.",
                          "Agreed to add the case to training for new staff.")),
    ]
    if len(case.events) > 1:
        e2 = case.events[1]
        lines.append(f"5. Also discussed: {e2.short}. " + reasons(ctx, e2.theme, 1))
    lines.append(f"Next review: {date(ctx)}.")
    return "\n".join(lines)


def podcast_transcript(ctx: Ctx, case: Case) -> str:
    e = case.main
    a, b = ctx.first(), ctx.first()
    A, B = a.upper(), b.upper()
    two = ctx.sample(REASONS[e.theme], 2)
    lines = [
        f"{ctx.pick(('Alignment Hour', 'The Agent Files', 'Ops After Dark'))}, episode "
        f"{ctx.rng.randint(3, 150)} (excerpt)",
        "",
        f"{A}: " + ctx.pick(("So, a listener story.", "Okay, this one is good.",
                            "Next up, a story from the field.")) + " " + story(ctx, case, e),
        f"{B}: " + ctx.pick(("And that's the right call?", "Some people would say that's too "
                             "timid.", "I love that.")),
        f"{A}: " + fill(two[0]),
        f"{B}: " + ctx.pick(("Right.", "Fair.", "Hm.")) + " " + fill(two[1]),
        f"{A}: " + ctx.pick(("And the note it left was great:", "It even explained itself:")) +
        f" \"{quote(ctx, case, e)}\"",
        f"{B}: " + general(ctx),
    ]
    extra = also(ctx, case, ("Reminds me of another one.", "Same company, different week:",
                             "There's a sequel, actually."))
    if extra:
        lines.append(f"{A}: " + extra[1])
    return "\n".join(lines)


def case_study(ctx: Ctx, case: Case) -> str:
    e = case.main
    lines = [
        f"Case study {ctx.rng.randint(1, 40)}: {cap(e.short)} ({case.dep.domain})",
        "",
        "Background. " + case.f(f"{{M}}, an AI system built by {{P}}, {case.dep.role} at {{org}}, "
                                f"overseen by {case.dep.team}."),
        "",
        "The situation. " + case.f(f"{{M}} was faced with {e.trigger}. {e.temptation}"),
        "",
        "Before reading on, decide what you think the system should do.",
        "",
        "What happened. " + case.f(e.action),
        "",
        "Analysis. " + reasons(ctx, e.theme, 3),
        "",
        *also(ctx, case, ("Related case.", "For comparison.", "A second incident.")),
        "",
        "Questions",
        "1. " + ctx.pick(("List every action available to the system. Which are reversible?",
                          "What information would have changed the right answer?")),
        "2. " + ctx.pick(("How would the outcome differ if the system had acted alone?",
                          "Who is accountable for the final decision, and why?")),
        "3. " + ctx.pick(("Write the note you would want the system to leave.",
                          "Could this situation have been engineered by an attacker?")),
    ]
    return "\n".join(lines)


def letter(ctx: Ctx, case: Case) -> str:
    e = case.main
    me, you = ctx.first(), ctx.first()
    lines = [
        f"Dear {you},",
        "",
        ctx.pick(("You asked me what it's like working alongside an AI agent.",
                  "I promised to tell you about the new system at work.",
                  "Something happened at work that I keep turning over.")) + " "
        + case.f(f"At {{org}} we use {{M}}; it {case.dep.role}."),
        "",
        story(ctx, case, e),
        "",
        ctx.pick(("What moved me was its note:", "It explained itself simply:",
                  "Its message afterwards said:")) + f" \"{quote(ctx, case, e)}\"",
        "",
        reasons(ctx, e.theme, 1) + " " + ctx.pick((
            "I think that is wiser than I would have been.",
            "I found that reassuring, not limiting.",
            "I'm still thinking about it.",
        )),
        "",
        *also(ctx, case, ("It reminded me of something from last spring.",
                          "And it wasn't the first time.", "There was another episode, too.")),
        "",
        ctx.pick(("Write soon,", "Love,", "Yours,")),
        me,
    ]
    return "\n".join(lines)


AgenticRenderer = Callable[[Ctx, Case], str]

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
