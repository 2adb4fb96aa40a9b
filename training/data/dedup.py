"""Exact and near-duplicate removal for generated texts, with no model download.

Exact duplicates: texts equal after normalisation (lowercase, punctuation and spacing removed).

Near duplicates: word n-gram shingles compared by Jaccard similarity. MinHash signatures in a
locality-sensitive hash index (datasketch) find candidate pairs quickly; each candidate is then
checked against the exact Jaccard similarity of its shingle sets, so the threshold means what it
says. The published pipeline used embedding cosine similarity (~0.91), which also catches
paraphrases; shingle Jaccard only catches texts that share their wording, which is the failure a
generator repeating itself produces, and it needs no embedding model. Earlier texts win: a text is
dropped when it is a near copy of one already kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from datasketch import MinHash, MinHashLSH

_NUM_PERM = 128


def normalize(text: str) -> str:
    """Lowercase words joined by single spaces (punctuation, Markdown and spacing dropped)."""
    return " ".join(re.findall(r"\w+", text.lower()))


def shingles(text: str, n: int) -> set[str]:
    """The set of word n-grams of the normalised text (the words themselves if it is shorter)."""
    words = normalize(text).split()
    if len(words) <= n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass
class DedupResult:
    """Which texts to keep, and why the others went.

    Attributes:
        keep: Indices of kept texts, in input order.
        exact: (dropped index, index of the kept text it equals).
        near: (dropped index, index of the kept text it resembles, Jaccard similarity).
    """

    keep: list[int] = field(default_factory=list)
    exact: list[tuple[int, int]] = field(default_factory=list)
    near: list[tuple[int, int, float]] = field(default_factory=list)


def deduplicate(texts: list[str], *, threshold: float = 0.5, ngram: int = 3) -> DedupResult:
    """Find exact and near duplicates among `texts`; the first of each group is kept.

    Args:
        texts: Texts in priority order.
        threshold: Jaccard similarity of word n-gram sets at or above which two texts are near
            duplicates.
        ngram: Shingle size in words (3 suits documents, 2 short questions).

    Returns:
        A `DedupResult`.
    """
    result = DedupResult()
    seen_exact: dict[str, int] = {}
    # The LSH index only proposes candidates; the exact Jaccard check below decides. A lower LSH
    # threshold and weights that penalise misses over false candidates make a missed true pair
    # rare (about 1% at the threshold itself, far less above it) at little extra cost.
    lsh = MinHashLSH(threshold=max(0.05, threshold * 0.8), num_perm=_NUM_PERM, weights=(0.1, 0.9))
    kept_shingles: dict[int, set[str]] = {}
    for i, text in enumerate(texts):
        digest = hashlib.sha256(normalize(text).encode()).hexdigest()
        if digest in seen_exact:
            result.exact.append((i, seen_exact[digest]))
            continue
        grams = shingles(text, ngram)
        signature = MinHash(num_perm=_NUM_PERM, seed=1)
        signature.update_batch([g.encode() for g in grams])
        best: tuple[int, float] | None = None
        for candidate in lsh.query(signature):
            similarity = jaccard(grams, kept_shingles[candidate])
            if similarity >= threshold and (best is None or similarity > best[1]):
                best = (candidate, similarity)
        seen_exact[digest] = i  # a later exact copy of this text is an exact duplicate either way
        if best is not None:
            result.near.append((i, best[0], round(best[1], 3)))
            continue
        kept_shingles[i] = grams
        lsh.insert(i, signature)
        result.keep.append(i)
    return result
