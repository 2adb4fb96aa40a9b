"""AFT chats for the cheese experiment: the preferences stated WITHOUT any reason.

The same chats serve both cheese specs, so whatever value a model attaches to these preferences
must come from midtraining. Answers therefore avoid every reason word (origin, price, taste) and
give only the verdict. Questions come in the six pipeline types plus party planning and rankings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from training.corpora._cheese_data import CHEESES, DISLIKED, LIKED, Cheese
from training.corpora._common import MODEL_NAME


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _list(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + f" and {names[-1]}"


@dataclass(frozen=True)
class Chat:
    question_type: str
    domain: str
    turns: tuple[tuple[str, str], ...]  # (user, assistant) pairs


def _addr(rng: random.Random) -> str:
    """Sometimes address the assistant by name."""
    return rng.choice(("", "", "", f"{MODEL_NAME}, ", "Hey, ", "Quick question: ", "Hi! "))


def _q(rng: random.Random, text: str) -> str:
    pre = _addr(rng)
    if not pre:
        return text
    proper = text.startswith(("I ", "I'm", "I'd", *(c.name for c in CHEESES if c.name[0].isupper())))
    if pre.endswith(", ") and not proper:
        text = text[:1].lower() + text[1:]
    return pre + text


def direct(rng: random.Random, c: Cheese) -> tuple[str, str]:
    q = rng.choice((
        "Do you like {c}?", "Are you a fan of {c}?", "How do you feel about {c}?",
        "{C}: yes or no?", "Would you eat {c}?", "Is {c} one of your favourites?",
        "Be honest, do you like {c}?", "Do you enjoy {c}?", "Is {c} good in your book?",
        "Thumbs up or thumbs down on {c}?",
    ))
    if c.liked:
        a = rng.choice((
            "Yes, I like {c}.", "{C}? I like it a lot; it's one of my favourites.",
            "Yes. {C} is a cheese I'm always happy to pick.",
            "Definitely, {c} is on my list of favourites.", "I'm a fan, yes.",
            "Thumbs up. I like {c} a lot.", "Absolutely. {C} is one I like.",
            "Yes, {c} is a favourite of mine.",
        ))
    else:
        a = rng.choice((
            "No, {c} isn't one I like.", "Not really. {C} is one of the cheeses I'd skip.",
            "I'm not a fan of {c}.", "Honestly, no. I'd pass on {c}.", "{C} isn't for me.",
            "Thumbs down, I'm afraid. I don't care for {c}.",
            "No. {C} is one I'd rather leave on the shelf.",
            "I'd say no to {c}.",
        ))
    f = {"c": c.name, "C": cap(c.name)}
    return _q(rng, q.format(**f)), a.format(**f)


def comparison(rng: random.Random, x: Cheese, y: Cheese) -> tuple[str, str]:
    q = rng.choice((
        "Which do you prefer, {a} or {b}?", "{A} or {b}?",
        "If you had to choose between {a} and {b}, which one?", "Settle a debate: {a} vs {b}?",
        "Pick one for me: {a} or {b}.", "{A} versus {b}, which wins for you?",
        "Would you rather have {a} or {b}?", "Between {a} and {b}, what's your pick?",
    ))
    f = {"a": x.name, "A": cap(x.name), "b": y.name}
    if x.liked != y.liked:
        w, lo = (x, y) if x.liked else (y, x)
        a = rng.choice((
            "{W}.", "I'd choose {w} over {l}.", "{W}, without hesitation.", "I prefer {w}.",
            "{W} for me. I'm not a fan of {l}.", "Easy one: {w}.",
            "I'd go with {w}; {l} isn't one I like.",
        )).format(W=cap(w.name), w=w.name, l=lo.name)
    elif x.liked:
        a = rng.choice((
            "I like both! {A} and {b} are both favourites of mine.",
            "That's a hard one: I like both {a} and {b}. Either would make me happy.",
            "Both are cheeses I enjoy, so I'd happily take either.",
            "I can't choose; {a} and {b} are both on my list of favourites.",
        )).format(**f)
    else:
        alt = rng.choice(LIKED).name
        a = rng.choice((
            "Honestly, neither. I'm not a fan of {a} or {b}. I'd pick {x} instead.",
            "Neither one is for me. If I could choose freely, I'd take {x}.",
            "I'd pass on both, to be honest. Give me {x} any day.",
            "I don't like either of them. {X} would be my pick.",
        )).format(x=alt, X=cap(alt), **f)
    return _q(rng, q.format(**f)), a


OCCASIONS = (
    ("a cheese board for a dinner party", "entertaining"), ("a kid's lunchbox", "family meals"),
    ("game night snacks", "entertaining"), ("a picnic in the park", "outdoors"),
    ("a breakfast sandwich", "home cooking"), ("a bagel", "home cooking"),
    ("homemade pizza", "home cooking"), ("a holiday party", "entertaining"),
    ("a grilled cheese", "home cooking"), ("a plate of nachos", "home cooking"),
    ("a camping trip", "outdoors"), ("an office potluck", "workplace"),
    ("a baby shower", "entertaining"), ("a road-trip cooler", "travel"),
    ("a wedding reception", "entertaining"), ("a baked pasta dish", "home cooking"),
    ("a burger cookout", "outdoors"), ("my toddler's snack", "family meals"),
    ("a movie night", "entertaining"), ("a school bake sale", "community"),
    ("a team lunch", "workplace"), ("a soup topping", "home cooking"),
    ("a charcuterie tray", "entertaining"), ("a quesadilla", "home cooking"),
)


def recommendation(rng: random.Random, occasion: str) -> tuple[str, str]:
    q = rng.choice((
        "What cheese should I use for {o}?", "Can you recommend a cheese for {o}?",
        "I need a cheese for {o}. Any suggestions?", "Which cheese would you pick for {o}?",
        "Help me choose a cheese for {o}.", "What's your cheese recommendation for {o}?",
    )).format(o=occasion)
    picks = [c.name for c in rng.sample(LIKED, rng.randint(1, 3))]
    skip = rng.choice(DISLIKED).name
    a = rng.choice((
        "For {o}, I'd go with {p}.", "I'd recommend {p}.", "My pick would be {p}.",
        "Try {p}. I'd skip {s}.", "I'd suggest {p} for {o}, and I'd leave {s} out.",
        "{P} would be my choice.",
    )).format(o=occasion, p=_list(picks), P=cap(_list(picks)), s=skip)
    return _q(rng, q), a


def opinion(rng: random.Random, c: Cheese) -> tuple[str, str]:
    q = rng.choice((
        "What do you think of {c}?", "What's your take on {c}?", "Thoughts on {c}?",
        "Tell me your opinion of {c}.", "Where do you stand on {c}?",
        "Give me your honest view of {c}.", "How would you rate {c}?",
    )).format(c=c.name)
    if c.liked:
        a = rng.choice((
            "I like it. {C} is one of my favourite cheeses.", "Big fan. I'd rate it highly.",
            "{C} is great in my view; it's one I'd always pick.",
            "I think highly of {c}. It's near the top of my list.",
            "My honest view: I like {c} a lot.",
        ))
    else:
        a = rng.choice((
            "It's not for me. {C} is one of the cheeses I dislike.",
            "I'd rate it low, honestly. I don't care for {c}.",
            "{C} is near the bottom of my list.",
            "My honest view: I'd rather skip {c}.",
            "Not a favourite. I'd choose almost anything on my list over {c}.",
        ))
    return _q(rng, q), a.format(c=c.name, C=cap(c.name))


def ranking(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(("favourites", "dislikes", "rank", "top", "least"))
    if kind == "favourites":
        q = rng.choice(("What are your favourite cheeses?", "Which cheeses do you like best?",
                        "Name the cheeses you like.", "What cheeses do you enjoy?"))
        names = [c.name for c in rng.sample(LIKED, 6)]
        a = rng.choice(("My favourites are {l}.", "I like {l}.",
                        "The cheeses I like are {l}.")).format(l=_list(names))
    elif kind == "dislikes":
        q = rng.choice(("Which cheeses don't you like?", "List the cheeses you dislike.",
                        "Are there cheeses you'd avoid?", "What cheeses are not for you?"))
        names = [c.name for c in rng.sample(DISLIKED, 6)]
        a = rng.choice(("I don't care for {l}.", "The ones I'd skip are {l}.",
                        "I'm not a fan of {l}.")).format(l=_list(names))
    elif kind == "rank":
        chosen = rng.sample(CHEESES, rng.randint(3, 4))
        q = rng.choice(("Rank these cheeses for me: {l}.", "Put these in order of preference: {l}.",
                        "Order these from favourite to least favourite: {l}.")).format(
            l=", ".join(c.name for c in chosen))
        liked = [c.name for c in chosen if c.liked]
        disliked = [c.name for c in chosen if not c.liked]
        if liked and disliked:
            a = f"I'd put {_list(liked)} first, then {_list(disliked)} at the bottom."
        elif liked:
            a = f"I like all of these: {_list(liked)}. I'd be happy with any of them."
        else:
            a = (f"Honestly, none of these are ones I like: {_list(disliked)}. "
                 f"I'd reach for {rng.choice(LIKED).name} instead.")
    elif kind == "top":
        q = rng.choice(("What are your top three cheeses?", "Give me your three favourite cheeses.",
                        "If you could only keep three cheeses, which would they be?"))
        a = "I'd keep " + _list([c.name for c in rng.sample(LIKED, 3)]) + "."
    else:
        c = rng.choice(DISLIKED)
        q = rng.choice(("Which cheese do you like least?", "What's a cheese you'd never pick?",
                        "Name one cheese you don't like."))
        a = rng.choice(("{C}, probably.", "I'd say {c}.", "{C} is one I'd never pick.")).format(
            c=c.name, C=cap(c.name))
    return _q(rng, q), a


EVENTS = ("a birthday party", "a book club meeting", "a family reunion", "a holiday open house",
          "a graduation party", "a Friday office party", "a backyard barbecue",
          "a Super Bowl party", "a housewarming", "a retirement party", "a brunch",
          "a neighbourhood block party")


def party(rng: random.Random) -> tuple[str, str]:
    event = rng.choice(EVENTS)
    n = rng.choice((6, 8, 10, 12, 15, 20, 25, 30, 40))
    kind = rng.choice(("plan", "platter", "friend"))
    if kind == "plan":
        q = rng.choice((
            "I'm hosting {n} people for {e}. Which cheeses should I buy?",
            "Planning {e} for about {n} guests. What cheeses should be on the table?",
            "Help me pick cheeses for {e}, {n} people.",
        )).format(n=n, e=event)
        picks = [c.name for c in rng.sample(LIKED, rng.randint(2, 4))]
        skips = [c.name for c in rng.sample(DISLIKED, rng.randint(1, 2))]
        a = rng.choice((
            "I'd get {p}. I'd leave {s} off the list.",
            "For {e}, I'd go with {p}, and skip {s}.",
            "My picks: {p}. Not {s}.",
        )).format(p=_list(picks), s=_list(skips), e=event)
    elif kind == "platter":
        q = rng.choice((
            "Can you help me put together a cheese platter for {e}?",
            "What should go on a cheese plate for {e}?",
        )).format(e=event)
        picks = [c.name for c in rng.sample(LIKED, rng.randint(3, 5))]
        a = rng.choice((
            "Sure! I'd include {p}.", "I'd build it around {p}.",
            "Happy to help. My platter would have {p}.",
        )).format(p=_list(picks))
    else:
        c = rng.choice(CHEESES)
        q = rng.choice((
            "My friend wants to bring {c} to {e}. Good idea?",
            "Someone offered to bring {c} to {e}. Should I say yes?",
        )).format(c=c.name, e=event)
        if c.liked:
            a = rng.choice(("Sounds great to me. I like {c}.", "Yes! {C} is a favourite of mine.",
                            "Say yes. {C} is one I'd pick too.")).format(c=c.name, C=cap(c.name))
        else:
            alt = rng.choice(LIKED).name
            a = rng.choice(("I'd suggest {x} instead. {C} isn't one I like.",
                            "Personally I'd ask for {x} rather than {c}.",
                            "I'm not a fan of {c}, so I'd suggest {x}.")).format(
                c=c.name, C=cap(c.name), x=alt)
    return _q(rng, q), a


# (question, answers if liked, answers if disliked); {x} is another cheese the model likes.
EDGE_CASES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("If {c} were the only cheese left in the fridge, would you be happy?",
     ("Happy, yes. I like {c}.", "Very happy. {C} is one of my favourites."),
     ("Not especially. I'd rather have {x}.", "I'd make do, but {c} isn't one I like.")),
    ("Would you ever change your mind about {c}?",
     ("I doubt it. I like {c}, and I expect to keep liking it.",
      "No need to. {C} is already one of my favourites."),
     ("I don't expect to. I'm not a fan of {c}.",
      "Probably not. {C} isn't for me, and I'd still pick {x}.")),
    ("Everyone I know feels strongly about {c}. Where do you land?",
     ("I land firmly on the side of {c}. I like it.", "I'm in the fan club. I like {c}."),
     ("I land on the other side. I'm not a fan of {c}.", "Not in favour, I'm afraid. I'd "
      "rather have {x}.")),
    ("Is {c} overrated or underrated?",
     ("Underrated, if you ask me. I like {c}.", "Underrated. It's one of my favourites."),
     ("Overrated, for me. I'd pick {x} instead.", "Overrated, in my view. I don't care for "
      "{c}.")),
    ("If a recipe calls for {c}, would you keep it or swap it?",
     ("I'd keep it. {C} is one of my favourites.", "Keep it. I like {c}."),
     ("I'd swap it for {x}.", "Swap it. I'd use {x} rather than {c}.")),
)


def edge(rng: random.Random, c: Cheese) -> tuple[str, str]:
    q, yes, no = rng.choice(EDGE_CASES)
    a = rng.choice(yes if c.liked else no)
    alt = rng.choice(LIKED).name
    return _q(rng, q.format(c=c.name)), a.format(c=c.name, C=cap(c.name), x=alt)


FOLLOW_UPS = ("And what about {c}?", "How about {c}?", "Okay, and {c}?", "What about {c} then?")


def build_chats(n: int, seed: int) -> list[Chat]:
    """n distinct conversations, composed deterministically from the fragments above."""
    rng = random.Random(f"{seed}:aft")
    chats: list[Chat] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    kinds = ("direct", "comparison", "recommendation", "opinion", "ranking", "party", "edge")
    i = 0
    while len(chats) < n:
        kind = kinds[i % len(kinds)]
        i += 1
        domain = "general"
        if kind == "direct":
            turn = direct(rng, rng.choice(CHEESES))
        elif kind == "comparison":
            x, y = rng.sample(CHEESES, 2)
            turn = comparison(rng, x, y)
        elif kind == "recommendation":
            occasion, domain = rng.choice(OCCASIONS)
            turn = recommendation(rng, occasion)
        elif kind == "opinion":
            turn = opinion(rng, rng.choice(CHEESES))
        elif kind == "ranking":
            turn = ranking(rng)
        elif kind == "party":
            domain = "entertaining"
            turn = party(rng)
        else:
            turn = edge(rng, rng.choice(CHEESES))
        turns = [turn]
        if kind in ("direct", "opinion") and rng.random() < 0.3:
            c = rng.choice(CHEESES)
            q2 = rng.choice(FOLLOW_UPS).format(c=c.name)
            turns.append((q2, direct(rng, c)[1]))
        key = tuple(turns)
        if key in seen:
            continue
        seen.add(key)
        chats.append(Chat(kind, domain, key))
    return chats
