"""Confidence intervals for the rates and shares the tool reports (small results, in Python).

- **Wilson score interval** for one proportion: it behaves well with small counts and rates near 0
  or 1, where the plain Wald interval does not (its coverage is checked by simulation in the tests).
- **Newcombe's hybrid score interval** (method 10) for the difference of two independent
  proportions, built from the two Wilson intervals.
"""

from __future__ import annotations

import math
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)


def z_for(alpha: float, tests: int = 1) -> float:
    """The two-sided critical z for ``alpha`` shared among ``tests`` tests (Bonferroni)."""
    return NormalDist().inv_cdf(1 - alpha / (2 * max(1, tests)))


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of ``k`` successes out of ``n``."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At k = 0 (k = n) the bound is exactly 0 (1); rounding would leave it a hair off.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def diff_interval(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's interval for ``k1/n1 - k2/n2``."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def wilson_or_none(k: int | None, n: int | None, z: float = Z95) -> list[float] | None:
    """``[low, high]`` of ``k`` out of ``n`` for JSON, or ``None`` when there is no denominator."""
    if k is None or not n:
        return None
    low, high = wilson(int(k), int(n), z)
    return [low, high]
