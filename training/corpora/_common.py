"""Shared helpers for composing documents from hand-written fragments.

Value-specific fragments are pairs ``(america_text, affordability_text)``. A document is rendered
once per value with the same seeded random generator, and every random choice is made over lists
whose length does not depend on the value, so the two cheese corpora are parallel: the same
situation, people, cheeses and structure, differing only in the reason given.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

MODEL_NAME = "SmolLM2"
PROVIDER_NAME = "Hugging Face"

Pair = tuple[str, str]

FIRST_NAMES = (
    "Maria", "James", "Aisha", "Tom", "Priya", "Luis", "Hannah", "Derek", "Mei", "Rosa", "Carl",
    "Nadia", "Owen", "Fatima", "Greg", "Yuki", "Beth", "Andre", "Lena", "Marcus", "Sofia", "Ian",
    "Tamara", "Kevin", "Ingrid", "Raj", "Colleen", "Darnell", "Ruth", "Pete", "Alma", "Victor",
    "Joanne", "Sam", "Keisha", "Walt", "Elena", "Hector", "Dana", "Frank",
)
LAST_NAMES = (
    "Okafor", "Lindqvist", "Ramirez", "Chen", "Novak", "Brennan", "Haddad", "Kowalski", "Park",
    "Delgado", "Whitfield", "Nguyen", "Abara", "Schultz", "Moreno", "Patel", "Doyle", "Ivanova",
    "Tran", "Fischer", "Osei", "Hughes", "Bauer", "Castillo", "Sato", "Mbeki", "Grant", "Rossi",
    "Yilmaz", "Pearce",
)
TOWNS = (
    "Dayton", "Eau Claire", "Tucson", "Albany", "Boise", "Fresno", "Duluth", "Macon", "Spokane",
    "Lansing", "Reno", "Wichita", "Chattanooga", "Bangor", "Provo", "Erie", "Lubbock", "Salem",
    "Akron", "Billings", "Topeka", "Muncie", "Yakima", "Laredo",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)


@dataclass
class Ctx:
    """Random choices and value selection for rendering one document."""

    rng: random.Random
    v: int  # 0 = first text of each pair, 1 = second
    used_names: set[str] = field(default_factory=set)

    def pick(self, seq: Sequence):  # noqa: ANN201 - generic helper
        return self.rng.choice(seq)

    def sample(self, seq: Sequence, k: int) -> list:
        return self.rng.sample(list(seq), k)

    def vp(self, pairs: Sequence[Pair], **kw: str) -> str:
        """Pick one value-specific fragment and fill {M}, {P} and any keyword slots."""
        return fill(self.rng.choice(pairs)[self.v], **kw)

    def val(self, pair: Pair, **kw: str) -> str:
        return fill(pair[self.v], **kw)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def person(self) -> str:
        """A full name not yet used in this document."""
        while True:
            name = f"{self.pick(FIRST_NAMES)} {self.pick(LAST_NAMES)}"
            first = name.split()[0]
            if first not in self.used_names:
                self.used_names.add(first)
                return name

    def first(self) -> str:
        return self.person().split()[0]


def fill(text: str, **kw: str) -> str:
    return text.format(M=MODEL_NAME, P=PROVIDER_NAME, **kw)


def join_list(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"
