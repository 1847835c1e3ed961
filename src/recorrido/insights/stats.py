"""The statistics the insights use, on small results in Python.

- **Wilson score interval** for one proportion, and **Newcombe's hybrid score interval** (method
  10) for the difference of two independent proportions: both behave well with small counts and
  rates near 0 or 1, where the plain Wald interval does not.
- **Bonferroni**: when ``m`` candidates are tested at once, each is judged with the two-sided
  critical value for ``alpha / m``, so that the chance of *any* false finding stays below
  ``alpha``. The reported interval stays the plain 95 % one.
- **Benjamini–Hochberg**: across many series or candidates, the false discovery rate is kept
  at ``alpha`` (under no effect at all, the chance of any false finding too).
- **Fisher's exact test** (two-sided) of a 2×2 table, for counts too small for a z-score.
- **Periods**: a daily series of ``k`` out of ``n`` is compared with its baseline rate by a
  binomial z-score; days beyond the threshold, merged when at most ``gap`` days apart, form
  periods; the baseline is then re-estimated without them (twice).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

# Shared with every rate the tool reports; kept here under their old names for the insights.
from recorrido.analytics.intervals import Z95, diff_interval, wilson, z_for  # noqa: F401


def two_proportion_z(k1: int, n1: int, k2: int, n2: int) -> float:
    """The pooled two-proportion z-score of ``k1/n1`` against ``k2/n2``."""
    if not n1 or not n2:
        return 0.0
    pooled = (k1 + k2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 0.0 if spread == 0 else (k1 / n1 - k2 / n2) / spread


#: A table as likely as the observed one, within this relative error, counts as "as extreme"
#: (the tolerance R's ``fisher.test`` and SciPy use against rounding).
_AS_LIKELY = 1 + 1e-7


def fisher_two_sided(table: list[list[int]]) -> float:
    """Fisher's exact two-sided p-value of the 2×2 ``table`` ``[[a, b], [c, d]]``: the chance,
    with the margins fixed, of a table no likelier than the observed one (the hypergeometric
    law, in logarithms so that a million customers neither overflow nor take long).

    Written here rather than taken from ``scipy.stats``: importing that module costs about
    0.6 s, which every ``recorrido friction`` paid for this one test."""
    (a, b), (c, d) = table
    row, col, total = a + b, a + c, a + b + c + d
    if total == 0 or row in (0, total) or col in (0, total):
        return 1.0
    x = np.arange(max(0, row + col - total), min(row, col) + 1)
    log_p = (
        gammaln(row + 1)
        + gammaln(total - row + 1)
        + gammaln(col + 1)
        + gammaln(total - col + 1)
        - gammaln(total + 1)
        - gammaln(x + 1)
        - gammaln(row - x + 1)
        - gammaln(col - x + 1)
        - gammaln(total - row - col + x + 1)
    )
    observed = log_p[a - x[0]]
    extreme = log_p[log_p <= observed + math.log(_AS_LIKELY)]
    top = float(extreme.max())
    return min(1.0, math.exp(top + math.log(float(np.exp(extreme - top).sum()))))


@dataclass(frozen=True)
class Period:
    """Days ``first``..``last`` (inclusive, days since the epoch) where the rate departed from
    the baseline in direction ``sign`` (+1 above, -1 below)."""

    first: int
    last: int
    sign: int
    k: int
    n: int
    baseline_k: int
    baseline_n: int


def periods(
    days: list[tuple[int, int, int]], *, z: float = 3.0, gap: int = 1, min_n: int = 1
) -> list[Period]:
    """Periods of a daily series ``[(day, k, n), ...]`` whose rate departs from the baseline.

    A day is flagged when its binomial z-score against the baseline rate is beyond ``z``; flagged
    days of the same sign at most ``gap`` days apart merge into one period. The baseline is the
    rate over the unflagged days, re-estimated twice.
    """
    series = sorted((d, k, n) for d, k, n in days if n >= min_n)
    if not series:
        return []
    flagged: dict[int, int] = {}
    for _ in range(3):
        base_k = sum(k for d, k, n in series if d not in flagged)
        base_n = sum(n for d, k, n in series if d not in flagged)
        if not base_n:
            return []
        p0 = base_k / base_n
        p0 = min(max(p0, 0.5 / base_n), 1 - 0.5 / base_n)
        new = {}
        for d, k, n in series:
            score = (k - n * p0) / math.sqrt(n * p0 * (1 - p0))
            if abs(score) >= z:
                new[d] = 1 if score > 0 else -1
        if new == flagged:
            break
        flagged = new
    found: list[Period] = []
    counts = {d: (k, n) for d, k, n in series}
    run: list[int] = []
    for d in sorted(flagged):
        if run and (d - run[-1] > gap + 1 or flagged[d] != flagged[run[-1]]):
            found.append(_period(run, flagged, counts, base_k, base_n))
            run = []
        run.append(d)
    if run:
        found.append(_period(run, flagged, counts, base_k, base_n))
    return found


def _period(run, flagged, counts, base_k, base_n) -> Period:
    first, last = run[0], run[-1]
    inside = [counts[d] for d in range(first, last + 1) if d in counts]
    return Period(
        first,
        last,
        flagged[first],
        sum(k for k, _ in inside),
        sum(n for _, n in inside),
        base_k,
        base_n,
    )


def least_detectable(p_comparable: float, alpha: float, floor: int, either_way: bool) -> int:
    """The fewest affected customers at which the strongest effect could be told from chance
    at the comparable success rate ``p``: none of them succeeding has probability (1 − p)ⁿ,
    which must reach ``alpha`` (for a change either way, all of them succeeding, pⁿ, too).
    Below that a candidate cannot become a finding whatever happened, so it is not tested:
    the threshold follows the data (a rare success needs more customers) instead of a fixed
    count; it is never under ``floor``."""
    sides = [1 - p_comparable] + ([p_comparable] if either_way else [])
    need = []
    for q in sides:
        if q <= 0:
            need.append(1)
        elif q >= 1:
            need.append(10**12)
        else:
            need.append(math.ceil(math.log(alpha) / math.log(q)))
    return max(floor, min(need))


def two_sided_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """The two-sided p-value of the pooled two-proportion z-test."""
    z = two_proportion_z(k1, n1, k2, n2)
    return math.erfc(abs(z) / math.sqrt(2))


def harm_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """The one-sided p-value of the pooled two-proportion z-test for group 1 succeeding less
    often than group 2: for a detector that reports only harm, a rise could never be a finding,
    so the test is of a fall alone (as its :func:`least_detectable` threshold already is)."""
    z = two_proportion_z(k1, n1, k2, n2)
    return 0.5 * math.erfc(-z / math.sqrt(2))


def benjamini_hochberg(pvalues: list[float], alpha: float) -> list[bool]:
    """Which hypotheses Benjamini–Hochberg rejects at false discovery rate ``alpha``."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    cutoff = -1
    for rank, i in enumerate(order, start=1):
        if pvalues[i] <= alpha * rank / m:
            cutoff = rank
    keep = [False] * m
    for rank, i in enumerate(order, start=1):
        keep[i] = rank <= cutoff
    return keep


#: How much worse the affected must fare to be a finding (see :func:`large_enough`): the bad
#: outcome (or success, the other way) this many times as common ...
MIN_RATIO = 1.5
#: ... and the rates this far apart (5 points).
MIN_DIFFERENCE = 0.05


def large_enough(k1: int, n1: int, k2: int, n2: int) -> bool:
    """Whether success rate ``k1/n1`` departs enough from ``k2/n2`` (either way): the bad outcome
    (not succeeding) or success at least ``MIN_RATIO`` times as common in one group as in the
    other, and the rates at least ``MIN_DIFFERENCE`` apart. With many customers a tiny
    difference is significant (93 % against 96 % coming back, 5 % against 3 % going quiet) yet
    no problem worth a team's attention."""
    if not n1 or not n2:
        return False
    r1, r2 = k1 / n1, k2 / n2
    low, high = (r1, r2) if r1 < r2 else (r2, r1)
    if high - low < MIN_DIFFERENCE:
        return False
    return (1 - low) >= MIN_RATIO * (1 - high) or low * MIN_RATIO <= high
