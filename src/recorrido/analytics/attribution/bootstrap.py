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

import numpy as np
import pandas as pd

from recorrido.analytics.attribution import heuristics, resampled_credit
from recorrido.analytics.attribution.journeys import PathTable
from recorrido.analytics.attribution.markov import check_order
from recorrido.analytics.attribution.resampled_credit import (
    MarkovChain,
    ShapleyRate,
    Sum,
    Touches,
    rate,
)
from recorrido.analytics.attribution.shapley import CHARACTERISTICS, EXACT_MAX, SAMPLES
from recorrido.errors import RecorridoError

DEFAULT_LEVEL = 0.95
MIN_RESAMPLES = 20

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
        self.touches = Touches(table, channel)
        rules = {
            "first_touch": heuristics.first_touch,
            "last_touch": heuristics.last_touch,
            "linear": heuristics.linear,
            "time_decay": heuristics.time_decay(half_life),
            "position_based": heuristics.position_based(position),
        }
        t, paths, k = self.touches, len(table.paths), len(self.channels)
        self.rules = {
            m: Sum(t.path, t.channel, k, paths, t.weights(rules[m]))
            for m in self.models
            if m in rules
        }
        self.unanimity = Sum(t.set_path, t.set_channel, k, paths, t.set_weight)
        self.chain = (
            MarkovChain(table, check_order(order), self.channels)
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
            ShapleyRate(table, channel, shapley_exact_max, shapley_samples, seed)
            if "shapley" in self.models and shapley_characteristic == "rate"
            else None
        )
        touches = len(self.touches.path)
        self.chunk = max(1, resampled_credit.CHUNK_VALUES // max(1, touches, 2 * len(table.paths)))
        if self.chain is not None:
            per = self.chain.values_per_resample()
            self.chunk = max(1, min(self.chunk, resampled_credit.CHUNK_VALUES // max(1, per)))

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
                grand = rate(
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
