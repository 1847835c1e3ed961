"""The 95 % interval on a moment of truth's lift (Katz's log interval for a ratio of two
proportions): by hand, at the edges, by simulation with known rates, and in the report."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recorrido.insights.moments import lift_interval, moments
from recorrido.journey import JourneyMap
from tests import journey_generator as gen


def test_by_hand():
    # 30/100 against 20/100: ratio 1.5, log standard error √(1/30 − 1/100 + 1/20 − 1/100).
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 20 - 1 / 100)
    assert se == pytest.approx(0.251661, abs=1e-6)
    low, high = lift_interval(30, 100, 20, 100)
    assert low == pytest.approx(1.5 * math.exp(-1.959964 * se), rel=1e-6)
    assert high == pytest.approx(1.5 * math.exp(1.959964 * se), rel=1e-6)
    assert (round(low, 4), round(high, 4)) == (0.916, 2.4564)
    # Symmetric on the log scale; a wider level gives a wider interval.
    assert math.log(1.5) - math.log(low) == pytest.approx(math.log(high) - math.log(1.5))
    wide = lift_interval(30, 100, 20, 100, z=2.576)
    assert wide[0] < low and wide[1] > high


def test_edges():
    assert lift_interval(5, 50, 0, 50) is None  # no conversions without: no ratio
    assert lift_interval(5, 0, 5, 50) is None
    low, high = lift_interval(0, 50, 10, 50)  # ratio 0: bounded below by 0, finite above
    assert low == 0.0 and 0 < high < 1
    low, high = lift_interval(50, 50, 25, 50)  # everyone converts with it
    assert low < 2 < high


@pytest.mark.parametrize(
    ("p1", "n1", "p2", "n2"),
    [(0.30, 200, 0.20, 300), (0.08, 400, 0.05, 600), (0.5, 80, 0.5, 120)],
)
def test_covers_the_true_lift_about_95_percent_of_the_time(p1, n1, p2, n2):
    rng = np.random.default_rng(int(p1 * 1000 + n1))
    truth = p1 / p2
    repetitions = 2000
    k1 = rng.binomial(n1, p1, size=repetitions)
    k2 = rng.binomial(n2, p2, size=repetitions)
    covered = 0
    for a, b in zip(k1, k2, strict=True):
        found = lift_interval(int(a), n1, int(b), n2)
        covered += found is not None and found[0] <= truth <= found[1]
    # ±3.5 standard errors of a 95 % coverage estimated from 2,000 draws.
    assert 0.933 <= covered / repetitions <= 0.967, covered / repetitions


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    ws = gen.workspace(tmp_path_factory.mktemp("lift"), 3000, planted=True)
    yield ws
    ws.close()


def test_every_moment_carries_its_lift_interval(shop):
    report = moments(shop, JourneyMap.loads(gen.SHOP_MAP), min_support=30)
    everything = report.helps + report.hurts + report.neutral
    assert everything
    for r in everything:
        assert list(r)[list(r).index("lift") + 1] == "lift_ci"  # next to the lift
        assert r["ci"] is not None  # the difference's interval is still there
        if r["lift"] is None:
            assert r["lift_ci"] is None
            continue
        low, high = r["lift_ci"]
        assert low <= r["lift"] <= high
        n_w, n_o = r["customers_with"], r["customers_without"]
        k_w, k_o = round(r["rate_with"] * n_w), round(r["rate_without"] * n_o)
        assert [low, high] == pytest.approx(lift_interval(k_w, n_w, k_o, n_o))
    assert any(r["lift_ci"] and r["lift_ci"][1] < 1 for r in report.hurts)
