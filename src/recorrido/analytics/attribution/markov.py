"""Markov-chain attribution: how much conversion is lost when a channel is taken out of the graph.

**The chain.** Every journey walks ``(start) → s1 → … → sn → (conversion | null)``. For order ``k``
a state is the tuple of the last ``k`` touches (shorter at the beginning of a path), so order 1
states are channels. Transition probabilities are the observed transition counts, each path
weighted by its journeys (conversions + nulls), divided by the state's outgoing count. Repeated
touches of the same channel are kept as self-loops; at order 1 they change no absorption
probability (a self-loop only rescales a row), which is why ChannelAttribution, whose published
transition matrix drops them, gives the same removal effects.

**Removal effect**, as in ChannelAttribution and the literature (Anderl et al. 2016):
``RE(c) = 1 − P(conversion | c removed) / P(conversion)``, where removing ``c`` sends every state
that contains ``c`` to null. Attributed conversions are ``total × RE(c) / Σ RE``.

**Exact, not simulated.** ChannelAttribution estimates the probabilities by simulating walks;
here they are the absorption probabilities of the chain, solved from ``(I − Q) x = r`` (Q: transient
to transient, r: transient to conversion). With the full chain, ``P(conversion)`` equals the
observed conversion rate, a check the tests make.

**Value.** The expected conversion value of a walk is solved the same way with ``r`` replaced by the
value that converts from each state per visit; its relative loss is the value removal effect, and
the total value is split in proportion to it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recorrido.analytics.attribution.journeys import PathTable
from recorrido.errors import RecorridoError

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
MAX_ORDER = 3
# A dense solve of this many states takes well under a second; beyond it an iterative solve.
DENSE_STATES = 4000


@dataclass(frozen=True)
class MarkovResult:
    order: int
    conversion_probability: float
    states: int
    removal_effects: pd.DataFrame  # channel, removal_effect, removal_effect_value
    conversions: dict[str, float]
    value: dict[str, float]


@dataclass(frozen=True)
class _Chain:
    states: list[tuple[str, ...]]
    start: np.ndarray  # probability of entering each state first
    q: np.ndarray  # state → state probabilities (dense), or None when sparse
    edges: tuple[np.ndarray, np.ndarray, np.ndarray]  # from, to, probability
    r: np.ndarray  # (states, 2): conversion probability, value converted per visit


def check_order(order: int) -> int:
    if not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise RecorridoError("attribution_bad_order", value=str(order), most=MAX_ORDER)
    return order


def _state_paths(path: tuple[str, ...], order: int) -> list[tuple[str, ...]]:
    return [path[max(0, i - order + 1) : i + 1] for i in range(len(path))]


def _chain(table: PathTable, order: int) -> _Chain:
    index: dict[tuple[str, ...], int] = {}
    starts: dict[int, float] = defaultdict(float)
    moves: dict[tuple[int, int], float] = defaultdict(float)
    values = table.value if table.value is not None else np.zeros(len(table.paths))
    conv_out: dict[int, float] = defaultdict(float)
    value_out: dict[int, float] = defaultdict(float)
    out: dict[int, float] = defaultdict(float)
    for path, c, v, n in zip(table.paths, table.conversions, values, table.nulls, strict=True):
        walks = c + n
        ids = [index.setdefault(s, len(index)) for s in _state_paths(path, order)]
        starts[ids[0]] += walks
        for a, b in itertools.pairwise(ids):
            moves[a, b] += walks
            out[a] += walks
        last = ids[-1]
        out[last] += walks
        conv_out[last] += c
        value_out[last] += v
    size = len(index)
    out_arr = np.array([out[i] for i in range(size)])
    start = np.zeros(size)
    for i, w in starts.items():
        start[i] = w
    start /= start.sum()
    pairs = np.array(list(moves), dtype=np.int64).reshape(-1, 2)
    prob = np.array(list(moves.values())) / out_arr[pairs[:, 0]] if len(pairs) else np.zeros(0)
    r = np.zeros((size, 2))
    for i, c in conv_out.items():
        r[i, 0] = c / out_arr[i]
    for i, v in value_out.items():
        r[i, 1] = v / out_arr[i]
    q = None
    if size <= DENSE_STATES:
        q = np.zeros((size, size))
        np.add.at(q, (pairs[:, 0], pairs[:, 1]), prob)
    return _Chain(list(index), start, q, (pairs[:, 0], pairs[:, 1], prob), r)


def _absorb(chain: _Chain, keep: np.ndarray) -> np.ndarray:
    """Conversion probability and expected value from (start), states outside ``keep`` → null."""
    if chain.q is not None:
        sub = chain.q[np.ix_(keep, keep)]
        x = np.linalg.solve(np.eye(len(sub)) - sub, chain.r[keep])
        return chain.start[keep] @ x
    # Large chains: x = r + Q x by iteration. Every state reaches an absorbing state, so the
    # iteration converges; it stops when no entry moves by more than 1e-13 relative.
    mask = np.zeros(len(chain.states), bool)
    mask[keep] = True
    src, dst, prob = chain.edges
    live = mask[src] & mask[dst]
    src, dst, prob = src[live], dst[live], prob[live]
    r = chain.r * mask[:, None]
    x = r.copy()
    for _ in range(1_000_000):
        nxt = r.copy()
        for col in range(2):
            nxt[:, col] += np.bincount(src, prob * x[dst, col], minlength=len(x))
        if np.all(np.abs(nxt - x) <= 1e-13 * np.maximum(np.abs(nxt), 1e-300)):
            x = nxt
            break
        x = nxt
    return chain.start @ x


def markov(table: PathTable, order: int = 1) -> MarkovResult:
    """Exact removal effects and attributed conversions/value of the order-``order`` chain."""
    order = check_order(order)
    chain = _chain(table, order)
    channels = table.channels
    everything = np.arange(len(chain.states))
    base = _absorb(chain, everything)
    effects = []
    for channel in channels:
        keep = np.array([i for i, s in enumerate(chain.states) if channel not in s], np.int64)
        removed = _absorb(chain, keep) if len(keep) else np.zeros(2)
        effects.append([1 - removed[k] / base[k] if base[k] > 0 else 0.0 for k in range(2)])
    re = np.clip(np.array(effects).reshape(-1, 2), 0.0, None)
    sums = re.sum(axis=0)
    totals = (table.total_conversions, table.total_value)
    shares = [re[:, k] / sums[k] if sums[k] > 0 else np.zeros(len(channels)) for k in range(2)]
    return MarkovResult(
        order=order,
        conversion_probability=float(base[0]),
        states=len(chain.states),
        removal_effects=pd.DataFrame(
            {"channel": channels, "removal_effect": re[:, 0], "removal_effect_value": re[:, 1]}
        ),
        conversions=dict(zip(channels, totals[0] * shares[0], strict=True)),
        value=dict(zip(channels, totals[1] * shares[1], strict=True)),
    )


def transition_matrix(table: PathTable, order: int = 1, self_loops: bool = True) -> pd.DataFrame:
    """The chain as rows ``from, to, probability`` (states joined by ``,`` at order > 1).

    ``self_loops=False`` drops a state's transitions to itself and renormalises the row, the form
    ChannelAttribution prints.
    """
    chain = _chain(table, check_order(order))
    names = [",".join(s) for s in chain.states]
    rows = [(START, names[i], p) for i, p in enumerate(chain.start) if p > 0]
    src, dst, prob = chain.edges
    rows += [(names[a], names[b], p) for a, b, p in zip(src, dst, prob, strict=True)]
    conv = chain.r[:, 0]
    moved = np.bincount(src, prob, minlength=len(names))
    for i, name in enumerate(names):
        if conv[i] > 0:
            rows.append((name, CONVERSION, conv[i]))
        rest = 1 - moved[i] - conv[i]
        if rest > 1e-15:
            rows.append((name, NULL, rest))
    frame = pd.DataFrame(rows, columns=["from", "to", "probability"])
    if not self_loops:
        frame = frame[frame["from"] != frame["to"]].copy()
        frame["probability"] /= frame.groupby("from")["probability"].transform("sum")
    return frame.reset_index(drop=True)
