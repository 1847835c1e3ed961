"""Bootstrap intervals on attributed credit: how much would it move with other customers?

Our models are exact (no simulation noise, the Markov chain is solved), so the only uncertainty
left is **sampling**: which customers we happened to observe. The bootstrap estimates it by
recomputing every model on resamples of the journeys.

**What is resampled.** The path table counts journeys: a row with ``conversions`` ``c`` and
``nulls`` ``n`` stands for ``c`` converted and ``n`` unconverted journeys with that path. A
resample draws as many journeys as there are, with replacement, all equally likely; that is one
multinomial draw of the ``2 × paths`` counts with probabilities proportional to the observed
counts (vectorised in numpy, no journey is materialised). A resampled converted journey carries
its path's mean conversion value (the table keeps no individual values).

**Recomputed exactly, vectorised.** Rule models and Shapley (conversions worth) are linear in the
counts: one scatter of ``count × weight`` per touch. Markov re-estimates the transition
probabilities of every resample and solves the absorbing chain (``(I − Q) x = r``) for the full
chain and for every channel removed: small chains by dense solves stacked over resamples, large
ones (order 2–3) by pushing the walkers' mass along the sparse edges until it is absorbed.
Shapley (rate worth) re-runs the coalition sums per resample (the same permutations when sampled,
so the interval holds sampling uncertainty only). With the resampled counts equal to the observed
ones, every figure equals the point estimate (a test checks it).

**Intervals.** Percentile intervals at ``level`` (default 95 %) of the ``resamples`` values: for
conversions, value, and the share of the conversions (credit / total conversions of the resample).

**Differences.** Per model, channels are ranked by their conversions; for each channel and the
next one down, the percentile interval of the *paired* difference (same resample) says whether
the two are distinguishable: when it contains 0 they are **not significantly different** (the
order between them could be an accident of the sample). A paired interval is sharper than
looking at whether the two channels' own intervals overlap.

Deterministic: the draws come from ``numpy.random.default_rng(seed)``, so the same table and seed
give the same numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from math import factorial

import numpy as np
import pandas as pd

from recorrido.analytics.attribution import heuristics
from recorrido.analytics.attribution.journeys import PathTable
from recorrido.analytics.attribution.markov import _state_paths, check_order
from recorrido.analytics.attribution.shapley import CHARACTERISTICS, EXACT_MAX, SAMPLES
from recorrido.errors import RecorridoError

DEFAULT_LEVEL = 0.95
MIN_RESAMPLES = 20
# Values held at once per resample chunk (counts × touches); bounds memory on huge tables.
CHUNK_VALUES = 4_000_000
# Count-to-sum maps up to this many entries (paths × bins) are dense matrices.
DENSE_SUM = 4_000_000
# Markov chains up to this many states are solved densely (many small LAPACK solves); larger
# ones by walking the sparse edges, which is faster there and needs no BLAS threads.
DENSE_BOOTSTRAP = 96

Progress = Callable[[int, int], None]
# Per model: (conversions, value), each an array (resamples, channels).
Credits = dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class BootstrapResult:
    """Intervals per channel (``intervals``) and adjacent-channel differences (``differences``).

    ``intervals`` has ``channel`` and, per model, ``<model>_low``, ``<model>_high``,
    ``<model>_share_low``, ``<model>_share_high`` and ``<model>_value_low``/``_high``.
    ``differences``: ``model, channel, next_channel, difference, low, high, significant``.
    """

    resamples: int
    seed: int
    level: float
    journeys: float
    intervals: pd.DataFrame
    differences: pd.DataFrame

    def settings(self) -> dict:
        return {
            "resamples": self.resamples,
            "seed": self.seed,
            "level": self.level,
            "method": "percentile",
            "unit": "journey",
            "journeys": self.journeys,
        }


def check_bootstrap(resamples: int, level: float) -> None:
    if not isinstance(resamples, int) or (resamples != 0 and resamples < MIN_RESAMPLES):
        raise RecorridoError("attribution_bad_bootstrap", value=str(resamples), least=MIN_RESAMPLES)
    if not 0 < level < 1:
        raise RecorridoError("attribution_bad_level", value=str(level))


# --- resampling ------------------------------------------------------------------------------


def resample_counts(
    table: PathTable, resamples: int, rng: np.random.Generator, chunk: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Chunks of resampled ``(conversions, nulls)``, each an array (chunk, paths)."""
    cells = np.concatenate([table.conversions, table.nulls])
    total = float(cells.sum())
    draws = round(total)
    p = cells / total
    paths = len(table.paths)
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        counts = rng.multinomial(draws, p, size=size).astype(np.float64)
        yield counts[:, :paths], counts[:, paths:]
        done += size


class _Sum:
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


class _Touches:
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


class _MarkovChain:
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
        self.starts = _Sum(every, np.array(start, np.int64), self.size, paths)
        self.ends = _Sum(every, np.array(last, np.int64), self.size, paths)
        self.moves = _Sum(
            np.array(move_path, np.int64), np.array(move_edge, np.int64), len(edges), paths
        )
        self.out = _Sum(
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


class _ShapleyRate:
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
        self.sets = _Sum(np.arange(paths), mask_of_path, len(self.masks), paths)
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
            gain = np.diff(_rate(cumulative), axis=2)  # (rows, orderings, position, 2)
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
        worth = _rate(table)
        everyone = np.arange(1 << n)
        sizes = np.array([bin(m).count("1") for m in range(1 << n)])
        weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
        phi = np.zeros((rows, n, 2))
        for i in range(n):
            without = everyone[(everyone >> i) & 1 == 0]
            gain = worth[:, without | (1 << i)] - worth[:, without]
            phi[:, i] = np.einsum("m,bmk->bk", weight[sizes[without]], gain)
        return phi


def _rate(totals: np.ndarray) -> np.ndarray:
    journeys = totals[..., 2:3]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(journeys > 0, totals[..., :2] / journeys, 0.0)


class Engine:
    """Every chosen model, prepared once for a path table, applied to many count vectors."""

    def __init__(
        self,
        table: PathTable,
        models: Sequence[str],
        *,
        order: int = 1,
        half_life: float = 1.0,
        position: Sequence[float] = heuristics.DEFAULT_POSITION,
        shapley_characteristic: str = "conversions",
        shapley_exact_max: int = EXACT_MAX,
        shapley_samples: int = SAMPLES,
        seed: int = 0,
    ) -> None:
        self.models = list(models)
        self.channels = table.channels
        channel = {c: i for i, c in enumerate(self.channels)}
        conversions = table.conversions
        value = table.value if table.value is not None else np.zeros(len(table.paths))
        self.value_per_conversion = np.divide(
            value, conversions, out=np.zeros(len(value)), where=conversions > 0
        )
        self.touches = _Touches(table, channel)
        rules = {
            "first_touch": heuristics.first_touch,
            "last_touch": heuristics.last_touch,
            "linear": heuristics.linear,
            "time_decay": heuristics.time_decay(half_life),
            "position_based": heuristics.position_based(position),
        }
        t, paths, k = self.touches, len(table.paths), len(self.channels)
        self.rules = {
            m: _Sum(t.path, t.channel, k, paths, t.weights(rules[m]))
            for m in self.models
            if m in rules
        }
        self.unanimity = _Sum(t.set_path, t.set_channel, k, paths, t.set_weight)
        self.chain = (
            _MarkovChain(table, check_order(order), self.channels)
            if "markov" in self.models
            else None
        )
        if shapley_characteristic not in CHARACTERISTICS:
            raise RecorridoError(
                "attribution_bad_characteristic",
                value=shapley_characteristic,
                known=", ".join(CHARACTERISTICS),
            )
        self.rate = (
            _ShapleyRate(table, channel, shapley_exact_max, shapley_samples, seed)
            if "shapley" in self.models and shapley_characteristic == "rate"
            else None
        )
        touches = len(self.touches.path)
        self.chunk = max(1, CHUNK_VALUES // max(1, touches, 2 * len(table.paths)))
        if self.chain is not None:
            per = self.chain.values_per_resample()
            self.chunk = max(1, min(self.chunk, CHUNK_VALUES // max(1, per)))

    def credits(self, conv: np.ndarray, nulls: np.ndarray) -> Credits:
        """Per model, conversions and value per channel for each row of counts (rows, paths)."""
        value = conv * self.value_per_conversion
        found: Credits = {}
        for model, rule in self.rules.items():
            found[model] = (rule(conv), rule(value))
        totals = np.stack([conv.sum(axis=1), value.sum(axis=1)], axis=1)  # (rows, 2)
        if self.chain is not None:
            base, removed = self.chain.absorb(conv, nulls, self.value_per_conversion[None, :])
            with np.errstate(invalid="ignore", divide="ignore"):
                effect = np.where(base[:, None, :] > 0, 1 - removed / base[:, None, :], 0.0)
            effect = np.clip(effect, 0.0, None)
            sums = effect.sum(axis=1, keepdims=True)
            share = np.divide(effect, sums, out=np.zeros_like(effect), where=sums > 0)
            credit = share * totals[:, None, :]
            found["markov"] = (credit[:, :, 0], credit[:, :, 1])
        if "shapley" in self.models:
            if self.rate is None:
                found["shapley"] = (self.unanimity(conv), self.unanimity(value))
            else:
                phi = self.rate.phi(conv, nulls, self.value_per_conversion[None, :])
                grand = _rate(
                    np.stack([totals[:, 0], totals[:, 1], (conv + nulls).sum(axis=1)], axis=1)
                )
                scale = np.divide(totals, grand, out=np.zeros_like(totals), where=grand > 0)
                credit = phi * scale[:, None, :]
                found["shapley"] = (credit[:, :, 0], credit[:, :, 1])
        return {m: found[m] for m in self.models}


# --- the bootstrap ---------------------------------------------------------------------------


def resample(
    table: PathTable,
    models: Sequence[str],
    resamples: int,
    *,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
    progress: Progress | None = None,
    **options,
) -> BootstrapResult:
    """Percentile intervals of every model's credits over ``resamples`` resamples of journeys.

    ``options`` are the models' own (``order``, ``half_life``, ``position``,
    ``shapley_characteristic``, ``shapley_exact_max``, ``shapley_samples``).
    """
    check_bootstrap(resamples, level)
    if resamples == 0:
        raise RecorridoError("attribution_bad_bootstrap", value="0", least=MIN_RESAMPLES)
    engine = Engine(table, models, seed=seed, **options)
    k = len(engine.channels)
    # The engine on the observed counts gives the point estimates (equal to attribute()'s).
    point = engine.credits(table.conversions[None, :], table.nulls[None, :])
    conversions = {m: np.empty((resamples, k)) for m in models}
    values = {m: np.empty((resamples, k)) for m in models}
    totals = np.empty(resamples)
    rng = np.random.default_rng(seed)
    done = 0
    for conv, nulls in resample_counts(table, resamples, rng, engine.chunk):
        size = conv.shape[0]
        for model, (c, v) in engine.credits(conv, nulls).items():
            conversions[model][done : done + size] = c
            values[model][done : done + size] = v
        totals[done : done + size] = conv.sum(axis=1)
        done += size
        if progress is not None:
            progress(done, resamples)
    tails = [(1 - level) / 2, 1 - (1 - level) / 2]
    columns: dict[str, object] = {"channel": engine.channels}
    safe_totals = np.where(totals > 0, totals, 1.0)[:, None]
    differences = []
    for model in models:
        low, high = np.quantile(conversions[model], tails, axis=0)
        share_low, share_high = np.quantile(conversions[model] / safe_totals, tails, axis=0)
        value_low, value_high = np.quantile(values[model], tails, axis=0)
        columns[f"{model}_low"], columns[f"{model}_high"] = low, high
        columns[f"{model}_share_low"], columns[f"{model}_share_high"] = share_low, share_high
        columns[f"{model}_value_low"], columns[f"{model}_value_high"] = value_low, value_high
        differences += _differences(
            model, engine.channels, point[model][0][0], conversions[model], tails
        )
    return BootstrapResult(
        resamples=resamples,
        seed=seed,
        level=level,
        journeys=float(table.total_conversions + table.total_nulls),
        intervals=pd.DataFrame(columns),
        differences=pd.DataFrame(
            differences,
            columns=[
                "model",
                "channel",
                "next_channel",
                "difference",
                "low",
                "high",
                "significant",
            ],
        ),
    )


def _differences(
    model: str, channels: list[str], point: np.ndarray, draws: np.ndarray, tails: list[float]
) -> list[tuple]:
    """Each channel against the next one down in this model's ranking (paired resamples)."""
    rank = np.argsort(-point, kind="stable")
    rows = []
    for upper, lower in itertools.pairwise(rank):
        low, high = np.quantile(draws[:, upper] - draws[:, lower], tails)
        rows.append(
            (
                model,
                channels[upper],
                channels[lower],
                float(point[upper] - point[lower]),
                float(low),
                float(high),
                bool(low > 0 or high < 0),
            )
        )
    return rows
