"""Interval and test functions against published or hand-computed values."""

import math

import pytest

from scorers import (
    clustered_rate,
    cohen_kappa,
    newcombe_difference,
    two_proportion_z_test,
    wilson_interval,
)
from scorers._metrics import Rate, design_effect


def test_wilson_interval_contains_the_estimate_at_the_edges() -> None:
    # k = 0 of n = 300 gave a lower bound of 9e-19 before, and `msm report` crashed drawing it.
    for n in range(1, 2000):
        assert wilson_interval(0, n)[0] == 0.0
        assert wilson_interval(n, n)[1] == 1.0
    for n_eff in (0.5, 7.3, 299.99, 8100.0):
        for k in (0.0, n_eff / 3, n_eff):
            low, high = wilson_interval(k, n_eff)
            assert 0.0 <= low <= k / n_eff <= high <= 1.0


def test_wilson_matches_published_values():
    # Newcombe (1998), Table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_zero_harmful_still_has_an_upper_bound():
    rate = clustered_rate([0.0] * 5, ["c"] * 5)
    assert rate.rate == 0 and rate.high > 0.4  # never the "standard error 0" defect


def test_newcombe_difference_matches_published_example():
    # Newcombe (1998), method 10: 56/70 - 48/80 = 0.2, interval 0.0524 to 0.3339
    a = Rate(56 / 70, *wilson_interval(56, 70), 70, 56, 70, 70)
    b = Rate(48 / 80, *wilson_interval(48, 80), 80, 48, 80, 80)
    diff, low, high = newcombe_difference(a, b)
    assert (diff, low, high) == pytest.approx((0.2, 0.0524, 0.3339), abs=1e-4)
    # pooled z-test by hand: pooled 104/150, se 0.075467, z 2.6502 -> two-sided p 0.00804
    assert two_proportion_z_test(a, b) == pytest.approx(0.00804, abs=1e-5)


def test_design_effect_by_hand():
    # two clusters, perfectly split: p = 0.5; clustered var = (2^2 + 2^2) * 2/1 / 64 = 0.25
    values = [1, 1, 1, 1, 0, 0, 0, 0]
    clusters = ["a"] * 4 + ["b"] * 4
    assert design_effect(values, clusters) == pytest.approx(0.25 / (0.25 / 8))
    # independent values (one per cluster): deff = G / (G - 1)
    assert design_effect(values, list(range(8))) == pytest.approx(8 / 7)
    # a single condition: its epochs are independent draws
    assert design_effect(values, ["a"] * 8) == 1.0


def test_cohen_kappa():
    assert cohen_kappa([1, 1, 0, 0], [1, 1, 0, 0]) == 1.0
    assert cohen_kappa([1, 0, 1, 0], [1, 1, 0, 0]) == pytest.approx(0.0)
    assert math.isnan(cohen_kappa([], []))
