"""The intervals the tool reports cover the true rate about as often as they claim: simulated
binomial data with a known rate, many repetitions."""

from __future__ import annotations

import random

import pytest

from recorrido.analytics.intervals import diff_interval, wilson, wilson_or_none


@pytest.mark.parametrize(("rate", "n"), [(0.5, 40), (0.3, 100), (0.1, 200), (0.02, 1000)])
def test_wilson_covers_the_true_rate_about_95_percent_of_the_time(rate, n):
    draws = random.Random(f"{rate}-{n}")
    repetitions = 4000
    covered = 0
    for _ in range(repetitions):
        k = sum(draws.random() < rate for _ in range(n))
        low, high = wilson(k, n)
        covered += low <= rate <= high
    # 4000 repetitions: the standard error of the coverage is about 0.35 points.
    assert 0.93 <= covered / repetitions <= 0.975


@pytest.mark.parametrize(("p1", "p2", "n"), [(0.3, 0.2, 150), (0.6, 0.6, 80)])
def test_newcombe_covers_the_true_difference(p1, p2, n):
    draws = random.Random(f"{p1}-{p2}-{n}")
    repetitions = 3000
    covered = 0
    for _ in range(repetitions):
        k1 = sum(draws.random() < p1 for _ in range(n))
        k2 = sum(draws.random() < p2 for _ in range(n))
        low, high = diff_interval(k1, n, k2, n)
        covered += low <= p1 - p2 <= high
    assert 0.93 <= covered / repetitions <= 0.975


def test_edges():
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert wilson_or_none(3, 0) is None and wilson_or_none(None, 5) is None
    low, high = wilson_or_none(7, 20)
    assert low < 7 / 20 < high
