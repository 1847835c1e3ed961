"""What a customer is likely to do next, from the end of their path.

**Markov order k with back-off**: the candidates that followed the last ``k`` steps in training,
most frequent first; then those that followed the last ``k - 1`` steps, and so on down to one;
then the most popular steps overall, each candidate once. Two baselines: **popularity** (the
most frequent steps, whatever the path) and the **first-order Markov chain** (back-off from one
step, filled by popularity, so the two differ only in how much path they read).

Training counts come from the engine (:func:`transition_counts`, Ibis windows over each
customer's ordered stream) or from in-memory sequences (:meth:`MarkovBackoff.fit`, used by the
benchmark on session datasets). :func:`evaluate` gives HR@k (the true next step is among the k
candidates) and MRR@k (mean of 1/rank, 0 when missing) over every position of every test path.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import ibis
import pandas as pd

from recorrido.analytics.sequence import customer_order, epoch_micros, order_keys
from recorrido.errors import RecorridoError


class MarkovBackoff:
    """Counts of what followed each context of 1..``order`` steps, and overall popularity."""

    def __init__(self, order: int = 3, keep: int = 50) -> None:
        self.order = max(0, order)
        self.keep = keep
        self._following: dict[tuple, list] = {}
        self._popular: list = []

    def fit(self, sequences: Iterable[Sequence]) -> MarkovBackoff:
        counts: dict[tuple, Counter] = defaultdict(Counter)
        popular: Counter = Counter()
        for path in sequences:
            path = list(path)
            popular.update(path)
            for i in range(1, len(path)):
                for size in range(1, min(self.order, i) + 1):
                    counts[tuple(path[i - size : i])][path[i]] += 1
        return self._keep(counts, popular)

    def fit_counts(self, transitions: pd.DataFrame, popularity: pd.DataFrame) -> MarkovBackoff:
        """From :func:`transition_counts` / :func:`step_popularity` results."""
        counts: dict[tuple, Counter] = defaultdict(Counter)
        context_columns = [c for c in transitions.columns if c.startswith("ctx_")]
        for row in transitions.itertuples(index=False):
            values = row._asdict()
            context = tuple(values[c] for c in context_columns if values[c] is not None)
            counts[context][values["next"]] += int(values["n"])
        popular = Counter(dict(zip(popularity["step"], popularity["n"], strict=True)))
        return self._keep(counts, popular)

    def _keep(self, counts, popular) -> MarkovBackoff:
        def ranked(counter: Counter) -> list:
            # Most frequent first; ties by the step's text so every run ranks the same way.
            return [s for s, _ in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))]

        self._following = {ctx: ranked(c)[: self.keep] for ctx, c in counts.items()}
        self._popular = ranked(popular)[: self.keep]
        return self

    def recommend(self, history: Sequence, k: int = 20) -> list:
        """Up to ``k`` likely next steps after ``history``, best first."""
        chosen: list = []
        seen: set = set()
        history = list(history)
        for size in range(min(self.order, len(history)), 0, -1):
            for step in self._following.get(tuple(history[-size:]), ()):
                if step not in seen:
                    seen.add(step)
                    chosen.append(step)
                    if len(chosen) == k:
                        return chosen
        for step in self._popular:
            if step not in seen:
                seen.add(step)
                chosen.append(step)
                if len(chosen) == k:
                    break
        return chosen


def popularity_model(keep: int = 50) -> MarkovBackoff:
    """The popularity baseline: an order-0 model recommends the most frequent steps."""
    return MarkovBackoff(order=0, keep=keep)


def evaluate(model: MarkovBackoff, sequences: Iterable[Sequence], k: int = 20) -> dict:
    """HR@k and MRR@k over every next step of every test path (from its second step on)."""
    hits = 0
    reciprocal = 0.0
    cases = 0
    for path in sequences:
        path = list(path)
        for i in range(1, len(path)):
            candidates = model.recommend(path[:i], k)
            cases += 1
            if path[i] in candidates:
                hits += 1
                reciprocal += 1.0 / (candidates.index(path[i]) + 1)
    return {
        "cases": cases,
        f"hr@{k}": hits / cases if cases else None,
        f"mrr@{k}": reciprocal / cases if cases else None,
    }


def transition_counts(events: ibis.Table, order: int = 3, level: str = "event") -> ibis.Table:
    """In the engine: ``ctx_1..ctx_order`` (oldest first, NULL beyond the path's start),
    ``next`` and ``n``, for every context length 1..order of every customer's ordered path."""
    stream = events.mutate(us=epoch_micros(events))
    window = customer_order(stream)
    lagged = stream.mutate(
        **{f"lag_{j}": stream[level].lag(j).over(window) for j in range(1, order + 1)}
    )
    parts = []
    for size in range(1, order + 1):
        part = lagged.filter(lagged[f"lag_{size}"].notnull())
        contexts = {
            f"ctx_{i}": (
                part[f"lag_{order - i + 1}"] if order - i + 1 <= size else ibis.null("string")
            )
            for i in range(1, order + 1)
        }
        parts.append(part.select(**contexts, next=part[level].cast("string")))
    union = ibis.union(*parts, distinct=False)
    names = [f"ctx_{i}" for i in range(1, order + 1)]
    return union.group_by([*names, "next"]).aggregate(n=union.count())


def step_popularity(events: ibis.Table, level: str = "event") -> ibis.Table:
    """In the engine: ``step`` and ``n`` (events at the level)."""
    return events.group_by(step=events[level].cast("string")).aggregate(n=events.count())


def next_steps_model(events: ibis.Table, order: int = 3, level: str = "event") -> MarkovBackoff:
    """A back-off model trained on the workspace's events (counts computed in the engine)."""
    counts = transition_counts(events, order, level).execute()
    counts = counts.astype(object).where(counts.notna(), None)
    return MarkovBackoff(order=order).fit_counts(counts, step_popularity(events, level).execute())


def recent_path(events: ibis.Table, customer_id: str, length: int, level: str = "event") -> list:
    """The customer's last ``length`` steps at the level, oldest first."""
    mine = events.filter((events.customer_id == customer_id) & events[level].notnull())
    mine = mine.mutate(us=epoch_micros(mine))
    keys = [ibis.desc(k) for k in order_keys(mine)]
    newest = mine.order_by(keys).limit(length).select(step=mine[level].cast("string")).execute()
    return list(reversed(newest["step"].tolist()))


def likely_next_steps(
    events: ibis.Table, customer_id: str, *, order: int = 3, level: str = "event", k: int = 5
) -> dict:
    """The customer's recent path and the ``k`` likely next steps after it."""
    path = recent_path(events, customer_id, order, level)
    if not path:
        raise RecorridoError("predict_customer_no_events", customer=customer_id)
    model = next_steps_model(events, order, level)
    return {"customer_id": customer_id, "path": path, "next": model.recommend(path, k)}
