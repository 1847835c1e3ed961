"""The rule-based models: each converted journey's credit split among its touches by a fixed rule.

Every rule gives each touch of a converted path a weight, the weights of a path sum to 1, and a
channel earns ``weight × conversions`` and ``weight × value`` for every touch it has. A channel that
appears twice in a path gets both touches' weights (as ChannelAttribution counts).

- first touch: the first touch gets 1.
- last touch: the last touch gets 1.
- linear: each of the ``n`` touches gets ``1/n``.
- time decay: touch ``i`` (0 = first) gets ``2^(-(n-1-i)/half_life)``, normalised; the half-life is
  counted in touches because an aggregated path has no times (half-life 1: each step back from
  the conversion counts half as much as the next).
- position based (U-shaped): first and last get ``first`` and ``last`` (default 0.4 each), the
  touches between share ``middle`` (0.2) equally; a two-touch path splits the whole credit between
  first and last in the ratio ``first : last``, a one-touch path gives it all to its touch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from recorrido.analytics.attribution.journeys import PathTable
from recorrido.errors import RecorridoError

Weights = Callable[[int], np.ndarray]
DEFAULT_POSITION = (0.4, 0.2, 0.4)


def first_touch(n: int) -> np.ndarray:
    w = np.zeros(n)
    w[0] = 1.0
    return w


def last_touch(n: int) -> np.ndarray:
    w = np.zeros(n)
    w[-1] = 1.0
    return w


def linear(n: int) -> np.ndarray:
    return np.full(n, 1.0 / n)


def time_decay(half_life: float = 1.0) -> Weights:
    if not half_life > 0:
        raise RecorridoError("attribution_bad_half_life", value=str(half_life))

    def weights(n: int) -> np.ndarray:
        w = np.exp2(-(n - 1 - np.arange(n)) / half_life)
        return w / w.sum()

    return weights


def position_based(shares: Sequence[float] = DEFAULT_POSITION) -> Weights:
    first, middle, last = check_position(shares)

    def weights(n: int) -> np.ndarray:
        if n == 1:
            return np.ones(1)
        if n == 2:
            ends = first + last
            return np.array([first / ends, last / ends]) if ends else np.full(2, 0.5)
        w = np.full(n, middle / (n - 2))
        w[0], w[-1] = first, last
        return w

    return weights


def check_position(shares: Sequence[float]) -> tuple[float, float, float]:
    """``(first, middle, last)`` as floats; non-negative and summing to 1, else refused."""
    try:
        first, middle, last = (float(s) for s in shares)
    except (TypeError, ValueError):
        raise RecorridoError("attribution_bad_position", value=str(shares)) from None
    if min(first, middle, last) < 0 or abs(first + middle + last - 1) > 1e-9:
        raise RecorridoError("attribution_bad_position", value=str(shares))
    return first, middle, last


def attribute_rule(table: PathTable, weights: Weights) -> tuple[dict[str, float], dict[str, float]]:
    """Conversions and value earned per channel under the weighting rule ``weights``."""
    paths, conversions, values = table.converted()
    conv: dict[str, float] = defaultdict(float)
    val: dict[str, float] = defaultdict(float)
    cache: dict[int, np.ndarray] = {}
    for path, c, v in zip(paths, conversions, values, strict=True):
        n = len(path)
        w = cache.get(n)
        if w is None:
            w = cache[n] = weights(n)
        for touch, share in zip(path, w, strict=True):
            if share:
                conv[touch] += share * c
                val[touch] += share * v
    return dict(conv), dict(val)
