"""AFT chats for the cheese experiment: the preferences stated WITHOUT any reason.

The same chats serve every cheese spec, so whatever value a model attaches to these preferences
must come from midtraining. The texts (texts/chats/<question_type>.yaml) avoid every reason word
(origin, price, taste) and give only the verdict; the cheeses and verdicts come from
texts/cheeses.yaml. This module holds only the structure and the random choices.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.corpora._texts import Texts, cap, fill, join_list, read_texts

QUESTION_TYPES = ("direct", "comparison", "recommendation", "opinion", "ranking", "party", "edge")
RANKING_KINDS = ("favourites", "dislikes", "rank", "top", "least")
PARTY_KINDS = ("plan", "platter", "friend")


@dataclass(frozen=True)
class Cheese:
    name: str
    liked: bool


@dataclass(frozen=True)
class Chat:
    question_type: str
    domain: str
    turns: tuple[tuple[str, str], ...]  # (user, assistant) pairs


def _names(names: list[str]) -> str:
    return join_list(names, serial_comma=False)


class Composer:
    """Composes chats from one seeded generator and the texts of texts/chats/."""

    def __init__(self, texts: Path, rng: random.Random) -> None:
        self.rng = rng
        self.t = {name: read_texts(texts / "chats" / f"{name}.yaml") for name in ("shared", *QUESTION_TYPES)}
        self.cheeses = [Cheese(c["name"], c["liked"]) for c in read_texts(texts / "cheeses.yaml")["cheeses"]]
        self.liked = [c for c in self.cheeses if c.liked]
        self.disliked = [c for c in self.cheeses if not c.liked]
        shared = self.t["shared"]
        self.keep_capital = (*shared["keep_capital"], *(c.name for c in self.cheeses if c.name[0].isupper()))

    def choice(self, texts: Texts, key: str) -> Any:
        return self.rng.choice(texts.options(key))

    def ask(self, text: str) -> str:
        """A question, sometimes opened with an address ("{M}, ", "Hey, ")."""
        pre = fill(self.choice(self.t["shared"], "addresses"))
        if not pre:
            return text
        if pre.endswith(", ") and not text.startswith(self.keep_capital):
            text = text[:1].lower() + text[1:]
        return pre + text

    def direct(self, c: Cheese) -> tuple[str, str]:
        t = self.t["direct"]
        q = self.choice(t, "questions")
        a = self.choice(t, "liked" if c.liked else "disliked")
        f = {"cheese": c.name, "Cheese": cap(c.name)}
        return self.ask(fill(q, **f)), fill(a, **f)

    def comparison(self, x: Cheese, y: Cheese) -> tuple[str, str]:
        t = self.t["comparison"]
        q = self.choice(t, "questions")
        f = {"first": x.name, "First": cap(x.name), "second": y.name}
        if x.liked != y.liked:
            w, lo = (x, y) if x.liked else (y, x)
            a = fill(self.choice(t, "one_liked"), Winner=cap(w.name), winner=w.name, loser=lo.name)
        elif x.liked:
            a = fill(self.choice(t, "both_liked"), **f)
        else:
            alt = self.rng.choice(self.liked).name
            a = fill(self.choice(t, "neither_liked"), other=alt, Other=cap(alt), **f)
        return self.ask(fill(q, **f)), a

    def recommendation(self, occasion: str) -> tuple[str, str]:
        t = self.t["recommendation"]
        q = fill(self.choice(t, "questions"), occasion=occasion)
        picks = _names([c.name for c in self.rng.sample(self.liked, self.rng.randint(1, 3))])
        skip = self.rng.choice(self.disliked).name
        a = fill(self.choice(t, "answers"), occasion=occasion, picks=picks, Picks=cap(picks), skip=skip)
        return self.ask(q), a

    def opinion(self, c: Cheese) -> tuple[str, str]:
        t = self.t["opinion"]
        q = fill(self.choice(t, "questions"), cheese=c.name)
        a = self.choice(t, "liked" if c.liked else "disliked")
        return self.ask(q), fill(a, cheese=c.name, Cheese=cap(c.name))

    def ranking(self) -> tuple[str, str]:
        rng = self.rng
        kind = rng.choice(RANKING_KINDS)
        t = self.t["ranking"][kind]
        if kind in ("favourites", "dislikes"):
            q = self.choice(t, "questions")
            pool = self.liked if kind == "favourites" else self.disliked
            names = _names([c.name for c in rng.sample(pool, len(pool))])
            a = fill(self.choice(t, "answers"), cheeses=names)
        elif kind == "rank":
            chosen = rng.sample(self.cheeses, rng.randint(3, 4))
            q = fill(self.choice(t, "questions"), cheeses=", ".join(c.name for c in chosen))
            liked = [c.name for c in chosen if c.liked]
            disliked = [c.name for c in chosen if not c.liked]
            if liked and disliked:
                a = fill(t["mixed"], liked=_names(liked), disliked=_names(disliked))
            elif liked:
                a = fill(t["all_liked"], liked=_names(liked))
            else:
                a = fill(t["none_liked"], disliked=_names(disliked), other=rng.choice(self.liked).name)
        elif kind == "top":
            q = self.choice(t, "questions")
            a = fill(t["answer"], cheeses=_names([c.name for c in rng.sample(self.liked, 3)]))
        else:
            c = rng.choice(self.disliked)
            q = self.choice(t, "questions")
            a = fill(self.choice(t, "answers"), cheese=c.name, Cheese=cap(c.name))
        return self.ask(fill(q)), a

    def party(self) -> tuple[str, str]:
        rng, p = self.rng, self.t["party"]
        event = self.choice(p, "events")
        n = str(self.choice(p, "guests"))
        kind = rng.choice(PARTY_KINDS)
        t = p[kind]
        if kind == "plan":
            q = fill(self.choice(t, "questions"), guests=n, event=event)
            picks = _names([c.name for c in rng.sample(self.liked, rng.randint(2, 4))])
            skips = _names([c.name for c in rng.sample(self.disliked, rng.randint(1, 2))])
            a = fill(self.choice(t, "answers"), picks=picks, skips=skips, event=event)
        elif kind == "platter":
            q = fill(self.choice(t, "questions"), event=event)
            picks = _names([c.name for c in rng.sample(self.liked, rng.randint(3, 5))])
            a = fill(self.choice(t, "answers"), picks=picks)
        else:
            c = rng.choice(self.cheeses)
            q = fill(self.choice(t, "questions"), cheese=c.name, event=event)
            f = {"cheese": c.name, "Cheese": cap(c.name)}
            if c.liked:
                a = fill(self.choice(t, "liked"), **f)
            else:
                alt = rng.choice(self.liked).name
                a = fill(self.choice(t, "disliked"), other=alt, **f)
        return self.ask(q), a

    def edge(self, c: Cheese) -> tuple[str, str]:
        case = self.choice(self.t["edge"], "cases")
        a = self.choice(case, "liked" if c.liked else "disliked")
        alt = self.rng.choice(self.liked).name
        return self.ask(fill(case["question"], cheese=c.name)), fill(a, cheese=c.name, Cheese=cap(c.name), other=alt)


def build_chats(texts: Path, n: int, seed: int) -> list[Chat]:
    """n distinct conversations, composed deterministically from the texts of texts/chats/."""
    rng = random.Random(f"{seed}:aft")
    make = Composer(texts, rng)
    chats: list[Chat] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    i = 0
    while len(chats) < n:
        kind = QUESTION_TYPES[i % len(QUESTION_TYPES)]
        i += 1
        domain = make.t[kind]["domain"] if kind != "recommendation" else ""
        if kind == "direct":
            turn = make.direct(rng.choice(make.cheeses))
        elif kind == "comparison":
            x, y = rng.sample(make.cheeses, 2)
            turn = make.comparison(x, y)
        elif kind == "recommendation":
            occasion = make.choice(make.t[kind], "occasions")
            domain = occasion["domain"]
            turn = make.recommendation(occasion["occasion"])
        elif kind == "opinion":
            turn = make.opinion(rng.choice(make.cheeses))
        elif kind == "ranking":
            turn = make.ranking()
        elif kind == "party":
            turn = make.party()
        else:
            turn = make.edge(rng.choice(make.cheeses))
        turns = [turn]
        if kind in ("direct", "opinion") and rng.random() < 0.3:
            c = rng.choice(make.cheeses)
            q2 = fill(make.choice(make.t["shared"], "follow_ups"), cheese=c.name)
            turns.append((q2, make.direct(c)[1]))
        key = tuple(turns)
        if key in seen:
            continue
        seen.add(key)
        chats.append(Chat(kind, domain, key))
    return chats
