"""Data-driven personas: customers clustered by their journeys.

**Features** (computed per customer in the engine): events, distinct touchpoints, events in each
stage of the map, days from first to last event, and whether they reached the goal. Only this
one-row-per-customer table comes to Python (at most ``max_customers`` customers, drawn by a
hash of the id when there are more: :mod:`recorrido.insights.sampling`).

**Clusters.** Features are ``log1p``-transformed (counts, days) and standardised; k-means
(scikit-learn's: k-means++ start, fixed seed, 10 starts; centres fitted on at most 10,000 of the
customers, every customer then joining the nearest) runs for k = 2..``max_k`` and the k with
the best mean silhouette (on at most 2,000 customers) is kept, unless ``k`` is given; a k that
leaves a segment smaller than ``MIN_SEGMENT_SHARE`` of the customers (at least
``MIN_SEGMENT_CUSTOMERS``) is not chosen: a segment of one customer describes a person, not a
kind of journey (20 customers had been cut into 5 segments, one of them "1 customers").

**Words.** Each segment is described by the (at most three) features whose mean differs most
from the rest's, in standard deviations (at least 0.5): "more events in «Cart» (3.1 vs 0.8)".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recorrido.i18n import message
from recorrido.insights.journeys import DAY_US, prepare
from recorrido.insights.sampling import sample
from recorrido.insights.sentences import percent

#: Customers the segments' centres are fitted on (drawn at random, with the seed); the others
#: join the nearest centre.
FIT_CUSTOMERS = 10_000
#: The smallest segment a chosen k may leave: this share of the customers, and this many.
MIN_SEGMENT_SHARE = 0.02
MIN_SEGMENT_CUSTOMERS = 5


@dataclass
class SegmentsReport:
    map: str
    k: int
    silhouette: float | None
    customers: int
    segments: list[dict]
    assignments: pd.DataFrame

    def to_dict(self) -> dict:
        return {
            "map": self.map,
            "k": self.k,
            "silhouette": self.silhouette,
            "customers": self.customers,
            "segments": self.segments,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def features(journeys, max_customers: int = 50_000) -> pd.DataFrame:
    """One row per customer: the features above (a small result)."""
    e = journeys.events
    stage_counts = {
        # fill_null: a customer whose events match no touchpoint has no stage (NULL), not NaN
        f"stage:{s.id}": (e.stage_index == i).fill_null(False).cast("int64").sum()
        for i, s in enumerate(journeys.journey.stages)
    }
    per = e.group_by("customer_id").aggregate(
        events=e.count(),
        touchpoints=e.touchpoint.nunique(),
        days=(e.us.max() - e.us.min()).cast("float64") / DAY_US,
        goal=e.is_goal.any().cast("int64"),
        **stage_counts,
    )
    # A sample by a hash of the id: the smallest ids can all be one kind of customer.
    frame = sample(per, max_customers).execute()
    return frame.set_index("customer_id").fillna(0)


def segments(
    source,
    journey_map,
    *,
    start=None,
    end=None,
    k: int | None = None,
    max_k: int = 5,
    seed: int = 0,
    max_customers: int = 50_000,
) -> SegmentsReport:
    """Cluster the customers of ``source`` by their journeys on ``journey_map``."""
    j = prepare(source, journey_map, start=start, end=end, need_goal=False)
    frame = features(j, max_customers)
    if j.journey.goal is None:
        frame = frame.drop(columns="goal")
    x = frame.to_numpy(dtype="float64")
    logged = [c for c in frame.columns if c != "goal"]
    for i, column in enumerate(frame.columns):
        if column in logged:
            x[:, i] = np.log1p(np.maximum(x[:, i], 0))
    spread = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(spread > 0, spread, 1)
    rng = np.random.default_rng(seed)
    n = len(z)
    # The centres are fitted on at most FIT_CUSTOMERS customers and every customer joins the
    # nearest: at 50,000 customers the fits took seconds for centres that move by a hair.
    fit = rng.choice(n, size=FIT_CUSTOMERS, replace=False) if n > FIT_CUSTOMERS else slice(None)
    if n < 4:
        labels, best_k, score = np.zeros(n, dtype=int), 1, None
    elif k:
        labels, best_k, score = _kmeans(z, z[fit], min(k, n), seed), min(k, n), None
    else:
        best_k, labels, score = 1, np.zeros(n, dtype=int), None
        probe = rng.choice(n, size=min(n, 2000), replace=False)
        # The probe's distances are the same for every k: worked out once, not per candidate.
        distances = _distances(z[probe])
        smallest = max(MIN_SEGMENT_CUSTOMERS, math.ceil(MIN_SEGMENT_SHARE * n))
        for candidate in range(2, min(max_k, n - 1) + 1):
            found = _kmeans(z, z[fit], candidate, seed)
            if len(set(found[probe])) < 2 or np.bincount(found).min() < smallest:
                continue
            value = _silhouette(distances, found[probe])
            if score is None or value > score + 1e-9:
                best_k, labels, score = candidate, found, value
    labels = _relabel(labels)
    described = _describe(frame, labels, j.journey)
    assignments = pd.DataFrame({"customer_id": frame.index, "segment": labels + 1})
    return SegmentsReport(j.journey.name, best_k, score, n, described, assignments)


def _kmeans(z: np.ndarray, fit: np.ndarray, k: int, seed: int, starts: int = 10) -> np.ndarray:
    """The nearest centre of every row of ``z``, the centres fitted on the rows ``fit`` by
    scikit-learn's k-means (k-means++ start, ``starts`` starts, the lowest inertia kept)."""
    import warnings

    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    model = KMeans(n_clusters=min(k, len(fit)), init="k-means++", n_init=starts, random_state=seed)
    with warnings.catch_warnings():
        # fewer distinct customers than k: some clusters stay empty, which the labels show
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(fit)
    return model.predict(z)


def _distances(z: np.ndarray) -> np.ndarray:
    """The euclidean distances between the rows of ``z``, as ``silhouette_score`` computes them."""
    from sklearn.metrics import pairwise_distances

    return pairwise_distances(z, metric="euclidean")


def _silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(distances, labels, metric="precomputed"))


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Clusters numbered by size, largest first (ties by first appearance)."""
    sizes = pd.Series(labels).value_counts()
    order = sorted(sizes.index, key=lambda c: (-sizes[c], int(np.argmax(labels == c))))
    mapping = {c: i for i, c in enumerate(order)}
    return np.array([mapping[c] for c in labels], dtype=int)


def _describe(frame: pd.DataFrame, labels: np.ndarray, journey) -> list[dict]:
    spread = frame.std(ddof=0).replace(0, 1)
    stage_names = {f"stage:{s.id}": s.name for s in journey.stages}
    out = []
    for c in sorted(set(labels)):
        mine, rest = frame[labels == c], frame[labels != c]
        means = mine.mean()
        traits = []
        if len(rest):
            gap = (means - rest.mean()) / spread
            for column in gap.abs().sort_values(ascending=False).index[:3]:
                if abs(gap[column]) < 0.5:
                    break
                traits.append(
                    {
                        "feature": column,
                        "value": float(means[column]),
                        "rest": float(rest[column].mean()),
                        "direction": "more" if gap[column] > 0 else "less",
                    }
                )
        record = {
            "segment": int(c) + 1,
            "customers": len(mine),
            "share": len(mine) / len(frame),
            "means": {k: float(v) for k, v in means.items()},
            "distinguishing": traits,
        }
        if "goal" in frame:
            record["conversion"] = float(means["goal"])
        record["text"] = {lang: _words(record, stage_names, lang) for lang in ("es", "en")}
        out.append(record)
    return out


def _words(record: dict, stage_names: dict, lang: str) -> str:
    parts = []
    for trait in record["distinguishing"]:
        feature = trait["feature"]
        if feature in stage_names:
            label = message("segment_feature_stage", lang, stage=stage_names[feature])
        else:
            label = message(f"segment_feature_{feature}", lang)
        if feature == "goal":
            value, rest = percent(trait["value"], lang), percent(trait["rest"], lang)
        else:
            value, rest = f"{trait['value']:.1f}", f"{trait['rest']:.1f}"
        parts.append(
            message(f"segment_{trait['direction']}", lang, feature=label, value=value, rest=rest)
        )
    traits = "; ".join(parts) if parts else message("segment_no_traits", lang)
    return message(
        "segment_sentence",
        lang,
        segment=record["segment"],
        customers=record["customers"],
        share=percent(record["share"], lang),
        traits=traits,
    )
