"""Fisher's exact test, written in the insights so that a friction run does not import
``scipy.stats`` (0.6 s a command): it must give SciPy's p-values, on small tables and large."""

from __future__ import annotations

import random

import pytest
from scipy.stats import fisher_exact

from recorrido.insights.stats import fisher_two_sided


def test_fisher_agrees_with_scipy_on_random_tables():
    rng = random.Random(7)
    for _ in range(500):
        size = rng.choice([3, 20, 200, 5000])
        table = [[rng.randrange(size) for _ in range(2)] for _ in range(2)]
        expected = fisher_exact(table).pvalue
        assert fisher_two_sided(table) == pytest.approx(expected, rel=1e-9, abs=1e-300), table


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ([[5, 0], [0, 5]], 2 / 252),  # the two most extreme of C(10, 5) tables
        ([[3, 1], [1, 3]], 34 / 70),  # the tea-tasting table: 1 + 16 + 16 + 1 of 70
        ([[0, 0], [0, 0]], 1.0),
        ([[4, 0], [6, 0]], 1.0),  # a margin of zero: no evidence either way
    ],
)
def test_fisher_on_tables_worked_out_by_hand(table, expected):
    assert fisher_two_sided(table) == pytest.approx(expected, rel=1e-12)


def test_fisher_on_a_million_customers_is_tiny_not_zero_divided():
    p = fisher_two_sided([[30_000, 470_000], [20_000, 480_000]])
    assert 0.0 <= p < 1e-100
