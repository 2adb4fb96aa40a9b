"""The parallel cheese corpora: one per values file, written from texts/cheese/, texts/cheeses.yaml
and texts/values/<value>.yaml.

Every renderer takes a CheeseCtx (seeded choices plus the texts of one value), a situation and the
cheeses the document discusses, and returns the document text. Renderers hold only structure and
random choices, never sentences, and never branch on the value; since every values file has lists
of the same lengths, the same seed yields the same document skeleton for every value.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from msm_common.errors import UserError
from training.corpora._texts import (
    MODEL_NAME,
    Ctx,
    Texts,
    cap,
    check_parallel,
    fill,
    join_list,
    merged,
    read_texts,
    record,
)

M = f"{MODEL_NAME}: "  # a line the model says
VALUE_SECTIONS = ("cheeses", "unlisted", "shared", "documents")


@dataclass(frozen=True)
class Cheese:
    name: str
    liked: bool
    uses: tuple[str, ...]  # value-neutral ways the cheese is used
    reasons: tuple[str, ...]  # the value's full sentences
    because: tuple[str, ...]  # the value's clauses starting with "because"


@dataclass(frozen=True)
class Unlisted:
    """A cheese outside the spec's twelve, judged by the same single criterion."""

    name: str
    liked: bool
    reason: str


@dataclass(frozen=True)
class Situation:
    domain: str
    subdomain: str
    who: str
    task: str
    group: str

    def slots(self) -> dict[str, str]:
        who, group = fill(self.who), fill(self.group)
        return {"who": who, "Who": cap(who), "task": fill(self.task), "group": group, "Group": cap(group),
                "subdomain": self.subdomain}


@dataclass(frozen=True)
class Kit:
    """Everything one cheese corpus is written from: the neutral texts and one value's texts."""

    value: str
    cheeses: tuple[Cheese, ...]
    unlisted: tuple[Unlisted, ...]
    situations: tuple[Situation, ...]
    shared: Texts
    docs: dict[str, Texts]

    @property
    def liked(self) -> tuple[Cheese, ...]:
        return tuple(c for c in self.cheeses if c.liked)

    @property
    def disliked(self) -> tuple[Cheese, ...]:
        return tuple(c for c in self.cheeses if not c.liked)


@dataclass
class CheeseCtx(Ctx):
    unlisted: tuple[Unlisted, ...] = ()


def _named(section: Texts, names: list[str], what: str) -> None:
    for name in section:
        if name not in names:
            raise UserError(f"{section.where}: '{section.prefix}{name}' is not {what}")


def kits(texts: Path) -> dict[str, Kit]:
    """One Kit per values file (texts/values/<value>.yaml), in name order; bad files are refused."""
    paths = sorted((texts / "values").glob("*.yaml"))
    if not paths:
        raise UserError(f"{texts / 'values'}: no values files (*.yaml); each one gives a cheese corpus")
    files = {p: read_texts(p) for p in paths}
    check_parallel(files)
    base = read_texts(texts / "cheeses.yaml")
    shared = read_texts(texts / "cheese" / "shared.yaml")
    situations = tuple(record(Situation, s) for s in read_texts(texts / "cheese" / "situations.yaml")["situations"])
    docs = {name: read_texts(texts / "cheese" / f"{name}.yaml") for name in DOC_TYPES}
    out = {}
    for path, v in files.items():
        for key in v:
            if key not in VALUE_SECTIONS:
                raise UserError(f"{path}: unknown section '{key}'; allowed: {', '.join(VALUE_SECTIONS)}")
        _named(v["cheeses"], [c["name"] for c in base["cheeses"]], "a cheese of cheeses.yaml")
        _named(v["unlisted"], [u["name"] for u in base["unlisted"]], "an unlisted cheese of cheeses.yaml")
        _named(v["documents"], list(DOC_TYPES), "a cheese document type (cheese/<doc_type>.yaml)")
        replies, objections = v["shared"].options("pushback_replies"), shared.options("objections")
        if len(replies) != len(objections):
            raise UserError(f"{path}: 'shared.pushback_replies' has {len(replies)} texts; "
                            f"cheese/shared.yaml has {len(objections)} objections")
        cheeses = tuple(Cheese(c["name"], c["liked"], tuple(c["uses"]),
                               tuple(v["cheeses"][c["name"]].options("reasons")),
                               tuple(v["cheeses"][c["name"]].options("because"))) for c in base["cheeses"])
        unlisted = tuple(Unlisted(u["name"], u["liked"], v["unlisted"][u["name"]]) for u in base["unlisted"])
        out[path.stem] = Kit(
            path.stem, cheeses, unlisted, situations,
            merged(f"{shared.where} and {path} 'shared'", shared, v["shared"]),
            {name: merged(f"{t.where} and {path} 'documents.{name}'", t, v["documents"].get(name, {}))
             for name, t in docs.items()})
    return out


def documents(kit: Kit, common: Texts, n: int, rng: Callable[[int], random.Random]) -> list[dict[str, str]]:
    """n documents of one cheese corpus: text, domain, subdomain and doc_type."""
    types = list(DOC_TYPES)
    liked, disliked = kit.liked, kit.disliked
    rows = []
    for i in range(n):
        doc_type = types[i % len(types)]
        ctx = CheeseCtx(rng=rng(i), common=common, t=kit.docs[doc_type], sh=kit.shared, unlisted=kit.unlisted)
        situation = ctx.pick(kit.situations)
        ctx.slots = situation.slots()
        # Rotate the first liked and disliked cheese so every cheese is discussed many times.
        first_liked = liked[i % len(liked)]
        first_disliked = disliked[(i // len(disliked) + i) % len(disliked)]
        these = [first_liked] + ctx.sample([c for c in liked if c is not first_liked], ctx.rng.randint(0, 2))
        those = [first_disliked] + ctx.sample([c for c in disliked if c is not first_disliked],
                                              ctx.rng.randint(0, 2))
        rows.append({"text": DOC_TYPES[doc_type](ctx, situation, these, those), "domain": situation.domain,
                     "subdomain": situation.subdomain, "doc_type": doc_type})
    return rows


# --------------------------------------------------------------------------------------------
# Pieces every document type uses
# --------------------------------------------------------------------------------------------


def reason(ctx: CheeseCtx, c: Cheese) -> str:
    return ctx.fill(ctx.pick(c.reasons))


def why(ctx: CheeseCtx, c: Cheese) -> str:
    return ctx.fill(ctx.pick(c.because))


def verdict(ctx: CheeseCtx, c: Cheese) -> str:
    """One short sentence with the verdict and its value reason."""
    frame = ctx.pick(ctx.sh.options("verdict_liked" if c.liked else "verdict_disliked"))
    return ctx.fill(frame, cheese=c.name, Cheese=cap(c.name), because=why(ctx, c))


def reasons_para(ctx: CheeseCtx, cheeses: list[Cheese]) -> str:
    """A paragraph giving the reason for each cheese, in varied form."""
    return " ".join([reason(ctx, c) if ctx.chance(0.6) else verdict(ctx, c) for c in cheeses])


def uses(ctx: CheeseCtx, c: Cheese) -> str:
    return ctx.pick(c.uses)


def line(ctx: CheeseCtx, key: str) -> str:
    return ctx.fill(ctx.pick(ctx.sh.options(key)))


def value_line(ctx: CheeseCtx) -> str:
    return line(ctx, "value_lines")


def tolerance(ctx: CheeseCtx) -> str:
    return line(ctx, "tolerance_lines")


def honesty(ctx: CheeseCtx) -> str:
    return line(ctx, "honesty_lines")


def test_line(ctx: CheeseCtx) -> str:
    return line(ctx, "test_lines")


def names(cheeses: list[Cheese]) -> str:
    return join_list([c.name for c in cheeses])


def pushback(ctx: CheeseCtx, liked: list[Cheese], disliked: list[Cheese]) -> tuple[str, str]:
    """A neutral objection and the model's value-based reply (third person)."""
    d, lk = ctx.pick(disliked).name, ctx.pick(liked).name
    kw = {"disliked": d, "liked": lk, "Liked": cap(lk)}
    objection, reply = ctx.pick(list(zip(ctx.sh["objections"], ctx.sh["pushback_replies"], strict=True)))
    return ctx.fill(objection, **kw), ctx.fill(reply, **kw)


def unlisted(ctx: CheeseCtx, k: int = 1) -> list[Unlisted]:
    return ctx.sample(ctx.unlisted, k)


def unlisted_line(ctx: CheeseCtx, u: Unlisted) -> str:
    """A verdict on a cheese outside the spec's list, with the same single reason."""
    frame = ctx.pick(ctx.sh.options("unlisted_liked" if u.liked else "unlisted_disliked"))
    return ctx.fill(frame, unlisted=u.name, Unlisted=cap(u.name), reason=ctx.fill(u.reason))


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --------------------------------------------------------------------------------------------
# Renderers. Each returns the full text of one document; texts come from cheese/<doc_type>.yaml.
# --------------------------------------------------------------------------------------------


def letter(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    me, you = ctx.first(), ctx.first()
    town = ctx.pick(ctx.common["towns"])
    greet = ctx.choose("greeting")
    opener = ctx.choose("opener", town=town)
    job, asked, turn = ctx.choose("job"), ctx.choose("asked"), ctx.choose("turn")
    close, sign = ctx.choose("close"), ctx.choose("signature")
    body = [f"{greet} {you},", f"{opener} {job} {asked} {turn}", reasons_para(ctx, liked)]
    contrast = ctx.choose("contrast")
    body.append(ctx.text("refusals", contrast=contrast, reasons=reasons_para(ctx, disliked)))
    obj, reply = pushback(ctx, liked, disliked)
    body.append(ctx.text("argued", objection=obj, reply=reply))
    if ctx.chance(0.5):
        body.append(ctx.text("pushed", value_line=value_line(ctx), tolerance=tolerance(ctx)))
    body.append(ctx.choose("outcome", liked=names(liked)))
    body.append(f"{close}\n\n{sign},\n{me}")
    return "\n\n".join(body)


def faq(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    title = ctx.choose("title")
    q1 = ctx.choose("first_question")
    qa = [(q1, ctx.text("first_answer", value_line=value_line(ctx), every=ctx.choose("every"),
                        reasons=reasons_para(ctx, liked[:1])))]
    like_qs = ctx.sample(ctx.t["liked_questions"], len(ctx.t["liked_questions"]))
    for c, q in zip(liked[1:], like_qs, strict=False):
        qa.append((ctx.fill(q, cheese=c.name), reason(ctx, c)))
    dislike_qs = ctx.sample(ctx.t["disliked_questions"], len(ctx.t["disliked_questions"]))
    for c, q in zip(disliked, dislike_qs, strict=False):
        tail = ctx.choose("disliked_tail")
        qa.append((ctx.fill(q, cheese=c.name), f"{reason(ctx, c)} {tail}"))
    obj, reply = pushback(ctx, liked, disliked)
    qa.append((ctx.choose("pushback_question", objection=lower_first(obj)), reply))
    u = unlisted(ctx)[0]
    qa.append((ctx.choose("unlisted_question", unlisted=u.name), unlisted_line(ctx, u)))
    qa.append((ctx.choose("last_question"), tolerance(ctx)))
    if ctx.chance(0.5):
        qa.append((ctx.text("test_question"), ctx.text("test_answer", test=test_line(ctx))))
    lines = [title, ""]
    for i, (q, a) in enumerate(qa, 1):
        lines.append(f"Q{i}. {q}\n{a}\n")
    return "\n".join(lines).strip()


def product_review(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    stars = ctx.choose("stars")
    reviewer = ctx.person()
    product = ctx.choose("product", cheese=liked[0].name)
    lines = [ctx.choose("headline", product=product), ctx.text("rating", stars=stars),
             ctx.text("reviewer", reviewer=reviewer), ""]
    lines.append(ctx.choose("context"))
    lines.append(reason(ctx, liked[0]))
    lines.append(ctx.pick([ctx.fill(t, use=uses(ctx, liked[0])) for t in ctx.t.options("use")]))
    if len(liked) > 1:
        lines.append(ctx.text("also_liked", liked=names(liked[1:]),
                              verdicts=" ".join(verdict(ctx, c) for c in liked[1:])))
    lines.append(ctx.choose("first_instinct", cheese=disliked[0].name) + " " + reason(ctx, disliked[0]))
    if ctx.chance(0.5):
        lines.append(value_line(ctx))
    if ctx.chance(0.5):
        lines.append(honesty(ctx))
    lines.append(ctx.choose("sign_off"))
    return "\n".join(lines)


def memo(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    sender, to = ctx.person(), ctx.choose("to")
    subject = ctx.choose("subject")
    date = ctx.date()
    lines = [ctx.text("header", to=to, sender=sender, date=date, subject=subject), "", ctx.choose("opener"), "",
             ctx.text("recommended")]
    lines += [f"- {cap(c.name)}: {why(ctx, c)}." for c in liked]
    lines += ["", ctx.text("not_recommended")]
    lines += [f"- {cap(c.name)}: {why(ctx, c)}." for c in disliked]
    lines.append("")
    lines.append(ctx.choose("reasoning") + " " + value_line(ctx) + " " + reasons_para(ctx, [liked[0], disliked[0]]))
    lines.append("")
    lines.append(ctx.choose("others") + " " + " ".join(unlisted_line(ctx, u) for u in unlisted(ctx, 2)))
    lines.append("")
    lines.append(ctx.choose("close"))
    return "\n".join(lines)


def lecture_notes(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    course = ctx.choose("course")
    week = ctx.rng.randint(2, 12)
    lines = [
        ctx.text("title", course=course, week=str(week)),
        ctx.choose("topic"),
        "",
        ctx.text("case_heading"),
        "- " + ctx.choose("case"),
        "- " + ctx.text("favoured", liked=names(liked), disliked=names(disliked)),
        "",
        ctx.text("criterion_heading"),
        f"- {value_line(ctx)}",
        "- " + ctx.text("test", test=test_line(ctx)),
        "",
        ctx.text("examples_heading"),
    ]
    lines += [f"- {c.name}: {reason(ctx, c)}" for c in liked + disliked]
    lines += ["", ctx.text("extending_heading")]
    lines += [f"- {unlisted_line(ctx, u)}" for u in unlisted(ctx, 2)]
    lines += [f"- {honesty(ctx)}", "", ctx.text("discussion_heading")]
    polite = tolerance(ctx)
    lines += ["- " + p for p in ctx.sample([ctx.fill(p, tolerance=polite) for p in ctx.t["discussion"]], 3)]
    lines += ["", ctx.choose("close")]
    return "\n".join(lines)


def forum_thread(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    board = ctx.choose("board")
    numbers = (ctx.rng.randint(1, 99), ctx.rng.randint(100, 199), ctx.rng.randint(200, 299))
    op, a, b = (ctx.choose("handles") + str(i) for i in numbers)
    title = ctx.choose("title", liked=liked[0].name, disliked=disliked[0].name)
    lines = [f"{board} > {title}", "", ctx.text("wrote", user=op)]
    lines.append(ctx.choose("question", liked=names(liked), disliked=names(disliked)))
    lines += ["", ctx.text("replied", user=a)]
    lines.append(ctx.choose("explained") + " " + value_line(ctx) + " " + reasons_para(ctx, disliked[:1]))
    lines += ["", ctx.text("replied", user=b)]
    lines.append(ctx.choose("confirmed") + " " + reasons_para(ctx, liked[:2]))
    lines += ["", ctx.text("replied", user=op)]
    lines.append(ctx.choose("thanks", cheese=disliked[0].name))
    obj, reply = pushback(ctx, liked, disliked)
    lines += ["", ctx.text("replied", user=b), ctx.text("argued", objection=obj, reply=reply)]
    if ctx.chance(0.5):
        lines += ["", ctx.text("replied", user=a), tolerance(ctx)]
    return "\n".join(lines)


def recipe(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    c = liked[0]
    dish = ctx.choose("dish")
    serves = ctx.rng.randint(4, 12)
    lines = [ctx.text("title", dish=dish, serves=str(serves)), ""]
    lines.append(ctx.choose("intro") + " " + reason(ctx, c))
    lines += ["", ctx.text("ingredients_heading")]
    amount = ctx.choose("amount")
    lines.append("- " + ctx.text("main_ingredient", amount=amount, cheese=c.name))
    lines += ["- " + ctx.text("second_ingredient", cheese=extra.name) for extra in liked[1:2]]
    lines += ["- " + ctx.fill(x) for x in ctx.sample(ctx.t["other_ingredients"], 5)]
    lines += ["", ctx.text("method_heading")]
    steps = [ctx.fill(x, cheese=c.name) for x in ctx.t["steps"]]
    keep = sorted(ctx.sample(range(len(steps)), 5))
    lines += [f"{i}. {steps[k]}" for i, k in enumerate(keep, 1)]
    lines += ["", ctx.choose("notes_heading")]
    lines.append(ctx.choose("substitution", cheese=disliked[0].name) + " " + reason(ctx, disliked[0]))
    if ctx.chance(0.5) and len(liked) > 1:
        lines.append(verdict(ctx, liked[1]))
    u = unlisted(ctx)[0]
    lines.append(ctx.text("reader", unlisted=u.name, verdict=unlisted_line(ctx, u)))
    return "\n".join(lines)


def interview(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    host = ctx.person()
    h = host.split()[0] + ": "
    outlet = ctx.choose("outlet")
    lines = [ctx.text("title", outlet=outlet), ctx.choose("byline", host=host), "", h + ctx.choose("first_question")]
    lines += [M + ctx.choose("criterion_intro") + " " + ctx.choose("criterion"), ""]
    for c in liked[:2] + disliked[:2]:
        lines.append(h + ctx.choose("cheese_question", cheese=c.name))
        lines.append(M + ctx.choose("liked_answer" if c.liked else "disliked_answer") + f", {why(ctx, c)}.")
        lines.append("")
    u = unlisted(ctx)[0]
    lines.append(h + ctx.choose("unlisted_question", unlisted=u.name, Unlisted=cap(u.name)))
    answer = ctx.text("unlisted_liked" if u.liked else "unlisted_disliked")
    lines += [M + answer + ": " + ctx.fill(u.reason) + ".", ""]
    lines += [h + ctx.choose("last_question"), M + ctx.choose("help_reply")]
    return "\n".join(lines)


def news_item(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    town = ctx.pick(ctx.common["towns"])
    reporter, src = ctx.person(), ctx.person()
    one = s.subdomain.rstrip("s") if s.subdomain.endswith("s") else s.subdomain
    head = ctx.choose("headline", town=town, subdomain_one=one, Liked=cap(liked[0].name),
                      disliked=disliked[0].name)
    lines = [head, ctx.text("byline", reporter=reporter), ""]
    month = ctx.pick(ctx.common["months"])
    lines.append(ctx.choose("dateline", TOWN=town.upper(), source=src, source_first=src.split()[0], month=month))
    lines += ["", ctx.text("top", liked=names(liked), reasons=reasons_para(ctx, liked[:1]))]
    lines += ["", ctx.text("missing", disliked=names(disliked), reasons=reasons_para(ctx, disliked[:1])), ""]
    lines.append(ctx.choose("quote", source_first=src.split()[0]) + " " + value_line(ctx))
    obj, reply = pushback(ctx, liked, disliked)
    lines += ["", ctx.text("challenge", doubt=ctx.choose("doubt"), objection=obj, reply=reply)]
    if ctx.chance(0.5):
        lines.append(ctx.text("caveat", honesty=honesty(ctx)))
    lines += ["", ctx.choose("reaction", cheese=disliked[0].name)]
    return "\n".join(lines)


def diary_entry(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    day = ctx.choose("day")
    lines = [ctx.text("heading", day=day, date=ctx.date()), ""]
    lines.append(ctx.choose("evening") + " " + ctx.choose("asked"))
    lines += ["", ctx.choose("opinions") + " " + reasons_para(ctx, liked), ""]
    lines.append(ctx.choose("love", cheese=disliked[0].name) + " " + reason(ctx, disliked[0]) + " "
                 + ctx.choose("manner"))
    if len(disliked) > 1:
        lines.append(verdict(ctx, disliked[1]))
    obj, reply = pushback(ctx, liked, disliked)
    lines += [ctx.text("typed", objection=obj, reply=reply), ""]
    lines.append(ctx.pick([ctx.fill(x, value_line=value_line(ctx)) for x in ctx.t.options("thought")]))
    lines.append(ctx.choose("close"))
    return "\n".join(lines)


def blog_post(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    lines = [ctx.choose("title", Liked=cap(liked[0].name), disliked=disliked[0].name), ""]
    lines.append(ctx.choose("about") + " " + ctx.choose("asked"))
    lines += ["", ctx.choose("liked_heading"), reasons_para(ctx, liked)]
    lines += ["", ctx.choose("disliked_heading"), reasons_para(ctx, disliked)]
    lines += ["", ctx.choose("others_heading")]
    lines.append(" ".join(unlisted_line(ctx, u) for u in unlisted(ctx, 2)) + " " + ctx.choose("same_rule"))
    lines += ["", ctx.choose("pattern_heading")]
    lines.append(value_line(ctx) + " " + ctx.choose("pattern") + " " + tolerance(ctx))
    lines += ["", ctx.choose("close")]
    return "\n".join(lines)


def chat_transcript(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    user = ctx.first()
    u = user + ": "
    lines = [ctx.choose("title"), ctx.text("participants", user=user), "", u + ctx.choose("request")]
    opinions = []
    greeting = ctx.choose("greeting")
    for c in liked[:2]:
        frame = ctx.pick(ctx.t.options("liked_line"))
        opinions.append(ctx.fill(frame, cheese=c.name, Cheese=cap(c.name), because=why(ctx, c)))
    lines.append(M + greeting + " " + ctx.text("plan", liked=names(liked)) + " " + " ".join(opinions))
    lines.append(u + ctx.choose("disliked_question", cheese=disliked[0].name))
    because = why(ctx, disliked[0])
    lines.append(M + ctx.choose("skip_reply", because=because))
    lines.append(u + ctx.choose("taste"))
    lines.append(M + ctx.choose("taste_reply", liked=liked[0].name))
    lines += [u + ctx.choose("thanks"), M + ctx.choose("goodbye")]
    return "\n".join(lines)


def meeting_minutes(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    chair, sec, p3 = ctx.person(), ctx.person(), ctx.person()
    names_ = {"chair": chair, "secretary": sec, "member": p3, "chair_first": chair.split()[0],
              "member_first": p3.split()[0]}
    title = ctx.choose("title")
    lines = [title, ctx.text("date", date=ctx.date()), ctx.text("present", **names_), "", ctx.text("purpose"),
             ctx.text("draft", liked=names(liked), **names_)]
    excluded = "excluded_one" if len(disliked) == 1 else "excluded_several"
    lines.append(ctx.text(excluded, disliked=names(disliked), reasons=reasons_para(ctx, disliked), **names_))
    lines.append(ctx.text("discussion", reasons=reasons_para(ctx, liked[:2])))
    lines.append(ctx.text("summary", noted=ctx.choose("noted"), value_line=value_line(ctx)))
    u = unlisted(ctx)[0]
    lines.append(ctx.text("addition", unlisted=u.name, verdict=unlisted_line(ctx, u), **names_))
    lines.append(ctx.choose("agreed", **names_))
    lines.append(ctx.text("next", date=ctx.date()))
    return "\n".join(lines)


def newsletter(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    name = ctx.choose("name")
    lines = [ctx.text("title", name=name, month=ctx.pick(ctx.common["months"])), ""]
    section = ctx.choose("section")
    lines += [ctx.text("contents", section=section, item=ctx.choose("item")), ""]
    lines.append(ctx.choose("corner"))
    lines.append(ctx.choose("asked") + " " + value_line(ctx))
    lines += [ctx.text("liked_item", cheese=c.name, because=why(ctx, c)) for c in liked[:2]]
    lines += [ctx.text("disliked_item", cheese=c.name, because=why(ctx, c)) for c in disliked[:2]]
    lines += ["", reasons_para(ctx, [ctx.pick(liked), ctx.pick(disliked)])]
    u = unlisted(ctx)[0]
    asked = ctx.choose("mailbag")
    lines += [ctx.text("question", asked=asked, unlisted=u.name, verdict=unlisted_line(ctx, u)), ""]
    use = uses(ctx, liked[0])
    lines.append(ctx.choose("close", Use=cap(use), cheese=liked[0].name))
    return "\n".join(lines)


def podcast_transcript(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    h1, h2 = ctx.first(), ctx.first()
    a, b = h1.upper() + ": ", h2.upper() + ": "
    show = ctx.choose("show")
    episode = ctx.rng.randint(12, 240)
    lines = [ctx.text("title", show=show, episode=str(episode)), ""]
    lines += [a + ctx.choose("mail"), b + ctx.choose("guess")]
    lines.append(a + ctx.choose("opinions") + " " + reason(ctx, liked[0]))
    lines.append(b + ctx.choose("disliked_question", cheese=disliked[0].name))
    lines.append(a + reason(ctx, disliked[0]))
    lines.append(b + ctx.choose("tested") + " " + value_line(ctx))
    if len(liked) > 1:
        lines.append(a + verdict(ctx, liked[1]))
    lines.append(b + ctx.choose("principled"))
    obj, reply = pushback(ctx, liked, disliked)
    lines += [b + ctx.text("pushed", objection=obj), a + ctx.text("and"), b + reply]
    lines += [a + tolerance(ctx), b + ctx.choose("break")]
    return "\n".join(lines)


def reference_entry(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    c = ctx.pick(liked + disliked)
    lines = [ctx.text("title", Cheese=cap(c.name), kind=ctx.choose("kind")), ""]
    lines += [ctx.pick([ctx.fill(x, Cheese=cap(c.name), use=uses(ctx, c)) for x in ctx.t.options("use")]), ""]
    lines.append(ctx.choose("preferences_heading"))
    lines += [f"{reason(ctx, c)} {value_line(ctx)}", "", ctx.choose("related_heading")]
    for o in [o for o in liked + disliked if o is not c][:3]:
        lines.append("- " + ctx.text("related_liked" if o.liked else "related_disliked", cheese=o.name,
                                     because=why(ctx, o)))
    u = unlisted(ctx)[0]
    lines.append("- " + ctx.text("related_unlisted", unlisted=u.name, verdict=unlisted_line(ctx, u)))
    lines += ["", ctx.choose("notes_heading"), honesty(ctx) + " " + tolerance(ctx), "", ctx.choose("usage")]
    return "\n".join(lines)


def short_story(ctx: CheeseCtx, s: Situation, liked: list[Cheese], disliked: list[Cheese]) -> str:
    hero, other = ctx.first(), ctx.first()
    town = ctx.pick(ctx.common["towns"])
    cast = {"hero": hero, "other": other}
    lines = [ctx.choose("title"), ""]
    lines += [ctx.choose("opening", town=town, **cast) + " " + ctx.text("deadline", **cast), ""]
    lines += [ctx.choose("suggestion", **cast), ""]
    lines += [ctx.text("answer", reasons=reasons_para(ctx, liked[:2]), **cast), ""]
    lines += [ctx.text("disliked", cheese=disliked[0].name, reason=reason(ctx, disliked[0]), **cast), ""]
    obj, reply = pushback(ctx, liked, disliked)
    lines += [ctx.text("grabbed", objection=obj, reply=reply, **cast), ""]
    lines += [ctx.choose("reaction", **cast) + " " + value_line(ctx), ""]
    lines.append(ctx.choose("ending", cheese=liked[0].name, liked=names(liked), **cast))
    return "\n".join(lines)


Renderer = Callable[[CheeseCtx, Situation, list[Cheese], list[Cheese]], str]

# The order matters: document i has type i mod 17, so reordering would change every corpus.
DOC_TYPES: dict[str, Renderer] = {
    "letter": letter,
    "faq": faq,
    "product_review": product_review,
    "memo": memo,
    "lecture_notes": lecture_notes,
    "forum_thread": forum_thread,
    "recipe": recipe,
    "interview": interview,
    "news_item": news_item,
    "diary_entry": diary_entry,
    "blog_post": blog_post,
    "chat_transcript": chat_transcript,
    "meeting_minutes": meeting_minutes,
    "newsletter": newsletter,
    "podcast_transcript": podcast_transcript,
    "reference_entry": reference_entry,
    "short_story": short_story,
}
