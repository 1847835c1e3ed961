"""Each model's credit on many resampled count vectors at once: the vectorised core of the
bootstrap (:mod:`recorrido.analytics.attribution.bootstrap` says what is resampled and why).

Rule models and Shapley with the conversions worth are linear in the counts (:class:`Sum` over
:class:`Touches`); :class:`MarkovChain` re-estimates and solves the absorbing chain per resample;
:class:`ShapleyRate` re-runs the coalition sums per resample.
"""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np

from recorrido.analytics.attribution import heuristics
from recorrido.analytics.attribution.journeys import PathTable
from recorrido.analytics.attribution.markov import _state_paths

# Values held at once per resample chunk (counts × touches); bounds memory on huge tables.
CHUNK_VALUES = 4_000_000
# Count-to-sum maps up to this many entries (paths × bins) are dense matrices.
DENSE_SUM = 4_000_000
# Markov chains up to this many states are solved densely (many small LAPACK solves); larger
# ones by walking the sparse edges, which is faster there and needs no BLAS threads.
DENSE_BOOTSTRAP = 96


class Sum:
    """The linear map from per-path counts ``(rows, paths)`` to sums ``(rows, size)`` that adds
    ``counts[:, path[i]] × weight[i]`` into bin ``bin[i]`` for every item ``i``: one matrix
    product when the ``paths × size`` matrix is small and not much sparser than the items, else
    segment sums over the items sorted by bin."""

    def __init__(
        self,
        path: np.ndarray,
        bin: np.ndarray,
        size: int,
        paths: int,
        weight: np.ndarray | None = None,
    ) -> None:
        weight = np.ones(len(path)) if weight is None else weight
        self.size = size
        self.matrix = None
        # A dense product does paths × size multiply-adds per row, the segment sums a few
        # operations per item: dense only where that is not much more work.
        if paths * size <= min(DENSE_SUM, 4 * len(path)):
            flat = np.bincount(path * size + bin, weight, minlength=paths * size)
            self.matrix = flat.reshape(paths, size)
            return
        order = np.argsort(bin, kind="stable")
        self.path, self.weight = path[order], weight[order]
        self.bins, self.starts = np.unique(bin[order], return_index=True)

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        if self.matrix is not None:
            return counts @ self.matrix
        out = np.zeros((counts.shape[0], self.size))
        if len(self.path):
            items = counts[:, self.path] * self.weight
            out[:, self.bins] = np.add.reduceat(items, self.starts, axis=1)
        return out


# --- the models on many count vectors at once -------------------------------------------------


class Touches:
    """Flattened touches of every path: rule weights make the rule models one scatter each."""

    def __init__(self, table: PathTable, channel: dict[str, int]) -> None:
        lengths = np.array([len(p) for p in table.paths], np.int64)
        self.path = np.repeat(np.arange(len(table.paths)), lengths)
        self.position = np.concatenate([np.arange(n) for n in lengths])
        self.length = lengths[self.path]
        self.channel = np.array([channel[t] for p in table.paths for t in p], np.int64)
        # Shapley (conversions worth): each distinct channel of a path gets 1/|set|.
        members = [sorted({channel[t] for t in p}) for p in table.paths]
        sizes = np.array([len(m) for m in members], np.int64)
        self.set_path = np.repeat(np.arange(len(table.paths)), sizes)
        self.set_channel = np.array([c for m in members for c in m], np.int64)
        self.set_weight = 1.0 / sizes[self.set_path]

    def weights(self, rule: heuristics.Weights) -> np.ndarray:
        out = np.empty(len(self.path))
        for n in np.unique(self.length):
            at = self.length == n
            out[at] = rule(int(n))[self.position[at]]
        return out


class MarkovChain:
    """The chain's structure (states, edges, which path feeds which count), fixed across
    resamples; only the counts, hence the probabilities, change."""

    def __init__(self, table: PathTable, order: int, channels: list[str]) -> None:
        index: dict[tuple[str, ...], int] = {}
        edges: dict[tuple[int, int], int] = {}
        start, last = [], []
        move_path, move_edge, out_path, out_state = [], [], [], []
        for p, path in enumerate(table.paths):
            ids = [index.setdefault(s, len(index)) for s in _state_paths(path, order)]
            start.append(ids[0])
            last.append(ids[-1])
            for a, b in itertools.pairwise(ids):
                move_path.append(p)
                move_edge.append(edges.setdefault((a, b), len(edges)))
                out_path.append(p)
                out_state.append(a)
            out_path.append(p)
            out_state.append(ids[-1])
        self.size = len(index)
        paths = len(table.paths)
        every = np.arange(paths)
        self.starts = Sum(every, np.array(start, np.int64), self.size, paths)
        self.ends = Sum(every, np.array(last, np.int64), self.size, paths)
        self.moves = Sum(
            np.array(move_path, np.int64), np.array(move_edge, np.int64), len(edges), paths
        )
        self.out = Sum(
            np.array(out_path, np.int64), np.array(out_state, np.int64), self.size, paths
        )
        pairs = np.array(list(edges), np.int64).reshape(-1, 2)
        self.src, self.dst = pairs[:, 0], pairs[:, 1]
        states = list(index)
        self.keep = [
            np.array([i for i, s in enumerate(states) if c not in s], np.int64) for c in channels
        ]

    @property
    def dense(self) -> bool:
        return self.size <= DENSE_BOOTSTRAP

    def values_per_resample(self) -> int:
        """Numbers held per resample while solving (sizes the chunks)."""
        if self.dense:
            return self.size * self.size
        return (len(self.keep) + 1) * len(self.src)

    def absorb(
        self, conv: np.ndarray, nulls: np.ndarray, value: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per row: P(conversion), E[value] of the full chain (rows, 2) and with each channel
        removed (rows, channels, 2)."""
        walks = conv + nulls
        out = self.out(walks)
        safe = np.where(out > 0, out, 1.0)
        start = self.starts(walks)
        start /= start.sum(axis=1, keepdims=True)
        prob = self.moves(walks) / safe[:, self.src]
        r = np.stack([self.ends(conv), self.ends(conv * value)], axis=2) / safe[:, :, None]
        if self.dense:
            return self._solve(start, prob, r)
        return self._walk(start, prob, r)

    def _solve(
        self, start: np.ndarray, prob: np.ndarray, r: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Small chains: ``(I − Q) x = r`` solved densely, stacked over the resamples."""
        rows, size = start.shape
        a = np.zeros((rows, size, size))
        a[:, self.src, self.dst] = -prob
        a[:, np.arange(size), np.arange(size)] += 1.0
        base = np.einsum("bs,bsk->bk", start, np.linalg.solve(a, r))
        removed = np.zeros((rows, len(self.keep), 2))
        for c, keep in enumerate(self.keep):
            if len(keep):
                x = np.linalg.solve(a[:, keep][:, :, keep], r[:, keep])
                removed[:, c] = np.einsum("bs,bsk->bk", start[:, keep], x)
        return base, removed

    def _walk(
        self, start: np.ndarray, prob: np.ndarray, r: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Large chains: the walkers' mass pushed along the sparse edges until it is absorbed.

        Self-loops are folded first (a state with self-loop probability ``d`` passes on
        ``p / (1 − d)`` along each other edge and collects ``r / (1 − d)``), then the mass at
        every state is propagated step by step for the full chain and every chain with a
        channel removed at once (removed states drop their mass), summing what converts. It
        stops when less than 1e-13 of the mass is still walking.
        """
        rows, size = start.shape
        loop = self.src == self.dst
        stay = np.zeros((rows, size))
        stay[:, self.src[loop]] = prob[:, loop]
        leave = 1.0 - stay
        src, dst = self.src[~loop], self.dst[~loop]
        by_dst = np.argsort(dst, kind="stable")
        src, dst = src[by_dst], dst[by_dst]
        # Laid out (states or edges, resamples, systems) so each step sums contiguous rows.
        step = (prob[:, ~loop][:, by_dst] / leave[:, src]).T[:, :, None]
        gain = (r / leave[:, :, None]).transpose(1, 0, 2)
        targets, first = np.unique(dst, return_index=True)
        mask = np.ones((size, len(self.keep) + 1))
        for c, keep in enumerate(self.keep):
            mask[:, c + 1] = 0.0
            mask[keep, c + 1] = 1.0
        mask = mask[:, None, :]
        mass = start.T[:, :, None] * mask
        visits = mass.copy()  # expected visits of every state, summed over the steps
        arriving = mask[targets]
        moving = np.empty((len(src), *mass.shape[1:]))
        for step_number in range(1, 100_000):
            if not len(src):
                break
            np.take(mass, src, axis=0, out=moving)
            moving *= step
            moved = np.add.reduceat(moving, first, axis=0)
            moved *= arriving
            mass.fill(0.0)
            mass[targets] = moved
            visits += mass
            if step_number % 8 == 0 and mass.sum(axis=0).max() < 1e-13:
                break
        found = np.einsum("sbm,sbk->bmk", visits, gain)
        return found[:, 0], found[:, 1:]


class ShapleyRate:
    """Coalition sums per channel set, recomputed per resample (exact, or on fixed orderings)."""

    def __init__(
        self, table: PathTable, channel: dict[str, int], exact_max: int, samples: int, seed: int
    ) -> None:
        self.n = len(channel)
        bit = np.array([1 << i for i in range(self.n)], np.int64)
        masks = np.array(
            [bit[sorted({channel[t] for t in p})].sum() for p in table.paths], np.int64
        )
        self.masks, mask_of_path = np.unique(masks, return_inverse=True)
        paths = len(table.paths)
        self.sets = Sum(np.arange(paths), mask_of_path, len(self.masks), paths)
        self.exact = self.n <= exact_max
        if not self.exact:
            # The orderings of shapley(): same seed, same draws. For ordering p, a channel set
            # joins the coalition at the position of its last member; ``joins`` holds it as
            # column p·n + position, so one matrix product sums the sets joining at each step.
            rng = np.random.default_rng(seed)
            members = ((self.masks[:, None] >> np.arange(self.n)) & 1).astype(bool)
            self.positions = np.empty((samples, self.n), np.int64)  # of each channel
            joins = np.empty((samples, len(self.masks)), np.int64)
            for p in range(samples):
                order = rng.permutation(self.n)
                self.positions[p, order] = np.arange(self.n)
                joins[p] = np.where(members, self.positions[p], -1).max(axis=1)
            self.joins = joins + (np.arange(samples) * self.n)[:, None]

    def phi(self, conv: np.ndarray, nulls: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Rate Shapley values (rows, channels, 2), before scaling to totals."""
        rows = conv.shape[0]
        sums = np.stack([self.sets(conv), self.sets(conv * value), self.sets(conv + nulls)], axis=2)
        if self.exact:
            return self._exact(rows, sums)
        n, masks = self.n, len(self.masks)
        flat = sums.transpose(0, 2, 1).reshape(rows * 3, masks)
        phi = np.zeros((rows, n, 2))
        block = max(1, CHUNK_VALUES // max(1, masks * n, rows * 3 * n))  # orderings at once
        for first in range(0, len(self.joins), block):
            joins = self.joins[first : first + block] - first * n
            count = len(joins)
            onehot = np.zeros((masks, count * n))
            onehot[np.arange(masks)[None, :], joins] = 1.0
            added = (flat @ onehot).reshape(rows, 3, count, n).transpose(0, 2, 3, 1)
            cumulative = np.concatenate(
                [np.zeros((rows, count, 1, 3)), added.cumsum(axis=2)], axis=2
            )
            gain = np.diff(rate(cumulative), axis=2)  # (rows, orderings, position, 2)
            where = self.positions[first : first + count][None, :, :, None]
            phi += np.take_along_axis(gain, where, axis=2).sum(axis=1)
        return phi / len(self.joins)

    def _exact(self, rows: int, sums: np.ndarray) -> np.ndarray:
        n = self.n
        table = np.zeros((rows, 1 << n, 3))
        table[:, self.masks] = sums
        for i in range(n):
            view = table.reshape(rows, -1, 2, 1 << i, 3)
            view[:, :, 1] += view[:, :, 0]
        worth = rate(table)
        everyone = np.arange(1 << n)
        sizes = np.array([bin(m).count("1") for m in range(1 << n)])
        weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
        phi = np.zeros((rows, n, 2))
        for i in range(n):
            without = everyone[(everyone >> i) & 1 == 0]
            gain = worth[:, without | (1 << i)] - worth[:, without]
            phi[:, i] = np.einsum("m,bmk->bk", weight[sizes[without]], gain)
        return phi


def rate(totals: np.ndarray) -> np.ndarray:
    journeys = totals[..., 2:3]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(journeys > 0, totals[..., :2] / journeys, 0.0)
