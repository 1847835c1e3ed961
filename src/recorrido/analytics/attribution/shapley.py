"""Shapley-value attribution: each channel's average marginal contribution over all coalitions.

**The game.** Channels are players. The worth of a coalition ``S`` is computed from the journeys
whose *set* of channels is a subset of ``S`` (order and repeats ignored), the formulation of Zhao
et al. (2018, "Shapley value methods for attribution modeling in online advertising"):

- ``characteristic="conversions"`` (default): ``v(S)`` = conversions of those journeys (value:
  their conversion value). This game is a sum of unanimity games, one per channel set ``T`` with
  worth ``w(T)`` (conversions of journeys whose set is exactly ``T``), and the Shapley value of a
  unanimity game splits ``w(T)`` equally among ``T``'s members. So the exact value is
  ``φ(c) = Σ_{T ∋ c} w(T) / |T|``, computed in one pass for any number of channels.
- ``characteristic="rate"``: ``v(S)`` = conversion rate of those journeys, conversions / (their
  conversions + nulls), 0 when there are none. It credits channels whose journeys convert better
  and can be negative. It is not additive, so it is computed by enumerating the ``2^n``
  coalitions (exact, ``n ≤ exact_max``, default 15) or, beyond, by sampling random orderings of
  the channels (Castro et al. 2009): each ordering gives every channel one marginal contribution,
  the estimate is their mean and its **standard error** (standard deviation / √orderings) is
  reported per channel. The rate values are scaled so they sum to the total conversions.

Both sum exactly to the grand coalition's worth (efficiency), which the tests check.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from math import factorial

import numpy as np

from recorrido.analytics.attribution.journeys import PathTable
from recorrido.errors import RecorridoError

CHARACTERISTICS = ("conversions", "rate")
EXACT_MAX = 15
SAMPLES = 2000


@dataclass(frozen=True)
class ShapleyResult:
    characteristic: str
    method: str  # "exact" or "sampled"
    conversions: dict[str, float]
    value: dict[str, float]
    permutations: int = 0
    # Standard error of each channel's sampled conversions (0 when exact).
    standard_error: dict[str, float] = field(default_factory=dict)


def shapley(
    table: PathTable,
    characteristic: str = "conversions",
    *,
    exact_max: int = EXACT_MAX,
    samples: int = SAMPLES,
    seed: int = 0,
) -> ShapleyResult:
    if characteristic not in CHARACTERISTICS:
        raise RecorridoError(
            "attribution_bad_characteristic", value=characteristic, known=", ".join(CHARACTERISTICS)
        )
    if characteristic == "conversions":
        return _unanimity(table)
    return _rate(table, exact_max=exact_max, samples=samples, seed=seed)


def _unanimity(table: PathTable) -> ShapleyResult:
    paths, conversions, values = table.converted()
    conv: dict[str, float] = defaultdict(float)
    val: dict[str, float] = defaultdict(float)
    for path, c, v in zip(paths, conversions, values, strict=True):
        members = set(path)
        for channel in members:
            conv[channel] += c / len(members)
            val[channel] += v / len(members)
    return ShapleyResult("conversions", "exact", dict(conv), dict(val))


def _masks(table: PathTable) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Channels, and per distinct channel set (bit mask): [conversions, value, journeys]."""
    channels = table.channels
    bit = {c: 1 << i for i, c in enumerate(channels)}
    values = table.value if table.value is not None else np.zeros(len(table.paths))
    sums: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(3))
    for path, c, v, n in zip(table.paths, table.conversions, values, table.nulls, strict=True):
        mask = 0
        for touch in set(path):
            mask |= bit[touch]
        sums[mask] += (c, v, c + n)
    masks = np.array(list(sums), dtype=np.int64)
    return channels, masks, np.array(list(sums.values())).reshape(-1, 3)


def _rate_of(totals: np.ndarray) -> np.ndarray:
    """Conversion and value per journey of coalitions given their [conv, value, journeys] sums."""
    journeys = totals[..., 2:3]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(journeys > 0, totals[..., :2] / journeys, 0.0)


def _rate(table: PathTable, *, exact_max: int, samples: int, seed: int) -> ShapleyResult:
    channels, masks, sums = _masks(table)
    n = len(channels)
    if n <= exact_max:
        phi = _rate_exact(n, masks, sums)
        method, stderr, used = "exact", np.zeros((n, 2)), 0
    else:
        phi, stderr = _rate_sampled(n, masks, sums, samples, np.random.default_rng(seed))
        method, used = "sampled", samples
    # Scale from rates to totals: Σφ = v(N) = overall rate, mapped onto the totals.
    grand = _rate_of(sums.sum(axis=0))
    totals = np.array([table.total_conversions, table.total_value])
    scale = np.where(grand > 0, totals / np.where(grand > 0, grand, 1), 0.0)
    phi, stderr = phi * scale, stderr * scale
    return ShapleyResult(
        "rate",
        method,
        {c: float(x) for c, x in zip(channels, phi[:, 0], strict=True)},
        {c: float(x) for c, x in zip(channels, phi[:, 1], strict=True)},
        permutations=used,
        standard_error={c: float(x) for c, x in zip(channels, stderr[:, 0], strict=True)},
    )


def _rate_exact(n: int, masks: np.ndarray, sums: np.ndarray) -> np.ndarray:
    # Totals of every coalition by the subset-sum (zeta) transform over the 2^n masks.
    table = np.zeros((1 << n, 3))
    np.add.at(table, masks, sums)
    for i in range(n):
        view = table.reshape(-1, 2, 1 << i, 3)
        view[:, 1] += view[:, 0]
    worth = _rate_of(table)
    everyone = np.arange(1 << n)
    sizes = np.array([bin(m).count("1") for m in range(1 << n)])
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    phi = np.zeros((n, 2))
    for i in range(n):
        without = everyone[(everyone >> i) & 1 == 0]
        gain = worth[without | (1 << i)] - worth[without]
        phi[i] = (weight[sizes[without]][:, None] * gain).sum(axis=0)
    return phi


def _rate_sampled(
    n: int, masks: np.ndarray, sums: np.ndarray, samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    members = ((masks[:, None] >> np.arange(n)) & 1).astype(bool)  # channel sets × channels
    gains = np.zeros((samples, n, 2))
    for k in range(samples):
        order = rng.permutation(n)
        position = np.empty(n, np.int64)
        position[order] = np.arange(n)
        # A channel set joins the coalition when its last member (in this order) arrives.
        joins = np.where(members, position, -1).max(axis=1)
        added = np.zeros((n, 3))
        np.add.at(added, joins, sums)
        worth = _rate_of(np.vstack([np.zeros((1, 3)), np.cumsum(added, axis=0)]))
        gains[k, order] = np.diff(worth, axis=0)
    phi = gains.mean(axis=0)
    stderr = gains.std(axis=0, ddof=1) / np.sqrt(samples) if samples > 1 else np.zeros((n, 2))
    return phi, stderr
