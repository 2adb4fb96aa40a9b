"""Exact and near-duplicate removal (word n-gram Jaccard, MinHash LSH candidates)."""

from __future__ import annotations

import random

from training.data.dedup import deduplicate, jaccard, normalize, shingles

WORDS = ("cheddar colby jack brie stilton market farm kitchen price shelf family town story "
         "letter forum memo review budget winter summer dairy label slice melt bridge river").split()


def text(seed: int, n: int = 80) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n))


def test_planted_duplicates_are_removed_and_distinct_texts_kept() -> None:
    originals = [text(i) for i in range(20)]
    exact = originals[3].upper() + " !!"  # same words after normalisation
    words = originals[7].split()
    near = " ".join(words[:70] + ["quite", "different", "ending", "here"])
    texts = originals + [exact, near]
    result = deduplicate(texts, threshold=0.5, ngram=3)
    assert result.keep == list(range(20))
    assert result.exact == [(20, 3)]
    assert [(a, b) for a, b, _ in result.near] == [(21, 7)]
    assert 0.5 <= result.near[0][2] < 1.0


def test_threshold_decides() -> None:
    a = text(1)
    words = a.split()
    half = " ".join(words[:40] + text(2, 40).split())  # shares about half its trigrams
    similarity = jaccard(shingles(a, 3), shingles(half, 3))
    assert 0.1 < similarity < 0.9
    assert deduplicate([a, half], threshold=similarity - 0.05).keep == [0]
    assert deduplicate([a, half], threshold=similarity + 0.05).keep == [0, 1]


def test_short_and_empty_texts() -> None:
    assert normalize("  Hello,   WORLD! ") == "hello world"
    assert shingles("two words", 3) == {"two words"}
    result = deduplicate(["", "", "Is it good?", "is it good", "Something else?"], ngram=2)
    assert result.keep == [0, 2, 4]
    assert result.exact == [(1, 0), (3, 2)]
