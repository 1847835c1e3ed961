"""Where in one rate series the rate changed, and whether that is beyond noise.

A series is, per time bin, ``k`` customers doing something out of ``n`` active ones
(:mod:`recorrido.insights.changes` builds them). :func:`scan` compares every window of
consecutive bins (up to half of them) with the rest: z = (rate inside − rate outside) / standard
error, the standard error inflated by the series' own overdispersion (:func:`dispersion`), the
best window's p-value times the number of windows scanned (Bonferroni inside the series).
:func:`large_enough` says whether a change is big enough to report: at least ``MIN_RATIO``-fold
and ``MIN_EXCESS`` customer-bins beyond normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

MIN_RATIO = 1.5
MIN_EXCESS = 10
#: Binomial series simulated for the reference of :func:`dispersion`.
DISPERSION_SIMS = 99


@dataclass(frozen=True)
class Change:
    """The best window of one series: bins ``first``..``last`` (inclusive)."""

    first: int
    last: int
    k_in: int
    n_in: int
    k_out: int
    n_out: int
    p: float
    #: Windows scanned in the series (the Bonferroni factor of ``p``).
    windows: int = 1

    @property
    def rate_in(self) -> float:
        return self.k_in / self.n_in if self.n_in else 0.0

    @property
    def rate_out(self) -> float:
        return self.k_out / self.n_out if self.n_out else 0.0


def dispersion(k: np.ndarray, n: np.ndarray) -> float:
    """Robust overdispersion of a binomial series: the median squared Pearson residual over
    the median it has in binomial series of the same sizes and rate (0.455, the median of χ²₁,
    when counts are large). With a few customers a bin the counts are small whole numbers and
    the median squared residual of pure chance is far from 0.455 (one or two a day: 0.7 is
    common), which read as overdispersion and hid real changes in small data; the reference is
    simulated (a fixed seed: runs repeat)."""
    mask = n > 0
    if mask.sum() < 3:
        return 1.0
    p = k[mask].sum() / n[mask].sum()
    if p <= 0 or p >= 1:
        return 1.0
    sizes = n[mask]
    resid = (k[mask] - sizes * p) ** 2 / (sizes * p * (1 - p))
    sims = np.random.default_rng(0).binomial(
        sizes.astype(np.int64), p, size=(DISPERSION_SIMS, len(sizes))
    )
    reference = float(np.median(np.median((sims - sizes * p) ** 2 / (sizes * p * (1 - p)), axis=1)))
    return max(1.0, float(np.median(resid)) / reference) if reference > 0 else 1.0


#: Windows scored per numpy block in :func:`scan` (bounds its memory on long series).
_SCAN_CELLS = 250_000


def scan(k: np.ndarray, n: np.ndarray, max_len: int | None = None) -> Change | None:
    """The window of consecutive bins whose rate departs most from the rest (see module)."""
    bins = len(k)
    if bins < 2 or n.sum() == 0:
        return None
    max_len = max(1, min(max_len or bins // 2, bins - 1))
    phi = dispersion(k, n)
    ck, cn = np.concatenate([[0], np.cumsum(k)]), np.concatenate([[0], np.cumsum(n)])
    total_k, total_n = ck[-1], cn[-1]
    best: Change | None = None
    windows = sum(bins - length + 1 for length in range(1, max_len + 1))
    best_z = 0.0
    # Every (length, start) window at once, a block of lengths at a time (rows: lengths,
    # columns: starts; a start past the last bin scores 0): one numpy pass instead of one per
    # length (friction scans about a hundred series). The first window of the highest |z| in
    # (length, start) order wins, as when scanning length by length.
    starts = np.arange(bins)
    block = max(1, _SCAN_CELLS // bins)
    for first_length in range(1, max_len + 1, block):
        lengths = np.arange(first_length, min(first_length + block, max_len + 1))[:, None]
        valid = starts[None, :] + lengths <= bins
        ends = np.where(valid, starts[None, :] + lengths, starts[None, :])
        k_in = ck[ends] - ck[starts][None, :]
        n_in = cn[ends] - cn[starts][None, :]
        k_out, n_out = total_k - k_in, total_n - n_in
        # Only windows that could be a finding (MIN_EXCESS customer-bins beyond the rate
        # outside) compete: with a customer or two a bin, one bin with three or four would
        # otherwise win on z alone and hide the weeks of a real change around it.
        excess = np.abs(k_in - n_in * k_out / np.maximum(n_out, 1))
        ok = valid & (n_in > 0) & (n_out > 0) & (excess >= MIN_EXCESS)
        pooled = np.where(ok, total_k / max(total_n, 1), 0.5)
        se = np.sqrt(pooled * (1 - pooled) * (1 / np.maximum(n_in, 1) + 1 / np.maximum(n_out, 1)))
        diff = k_in / np.maximum(n_in, 1) - k_out / np.maximum(n_out, 1)
        z = np.where(ok & (se > 0), diff / np.where(se > 0, se, 1) / math.sqrt(phi), 0.0)
        row, i = np.unravel_index(int(np.argmax(np.abs(z))), z.shape)
        if abs(z[row, i]) > best_z:
            best_z = abs(float(z[row, i]))
            length = int(lengths[row, 0])
            best = Change(
                int(i),
                int(i) + length - 1,
                int(k_in[row, i]),
                int(n_in[row, i]),
                int(k_out[row, i]),
                int(n_out[row, i]),
                0.0,
            )
    if best is None:
        return None
    # The dispersion again, on the bins outside the best window only: a strong change inflates
    # the dispersion of the whole series (every bin outside sits far from a rate it pulls up)
    # and would hide itself. The window was chosen with the whole series' φ, a common scale
    # that does not change which window is best.
    outside = np.ones(bins, dtype=bool)
    outside[best.first : best.last + 1] = False
    best_z *= math.sqrt(phi / dispersion(k[outside], n[outside]))
    p = min(1.0, 2 * float(ndtr(-best_z)) * windows)
    return Change(best.first, best.last, best.k_in, best.n_in, best.k_out, best.n_out, p, windows)


def large_enough(change: Change) -> bool:
    """At least a MIN_RATIO-fold change, and MIN_EXCESS customer-bins beyond normal."""
    rin, rout = change.rate_in, change.rate_out
    excess = abs(change.k_in - change.n_in * rout)
    if excess < MIN_EXCESS:
        return False
    if rout == 0:
        return rin > 0
    ratio = rin / rout
    return ratio >= MIN_RATIO or ratio <= 1 / MIN_RATIO
