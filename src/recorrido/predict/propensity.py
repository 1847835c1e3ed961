"""Who will convert, who will leave: a classifier trained and evaluated on a time split.

**Time split.** The evaluation cutoff ``T`` defaults to the last event minus the horizon (so its
labels are complete). Training rows come from ``train_cutoffs`` earlier cutoffs,
``T - k * step`` for k = 1..n, whose label windows all end by ``T``: nothing the model trains on
happened after ``T``. Features come from :mod:`recorrido.predict.features` (events before each
cutoff), labels from :mod:`recorrido.predict.labels` (events in the horizon after it).

**Model.** scikit-learn, with a fixed seed: ``hgb`` (HistGradientBoostingClassifier, the default;
no early stopping, so no random validation split) or ``logistic`` (standardised logistic
regression). The model scored later is the one evaluated here. When the training rows exceed
``max_rows``, a seeded random sample of that size is used and the record says so. Global
importance is measured on at most ``IMPORTANCE_ROWS`` evaluation rows (a seeded sample); the
metrics always use every evaluation row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from recorrido.errors import RecorridoError
from recorrido.predict.evaluation import binary_metrics
from recorrido.predict.explain import global_importance
from recorrido.predict.features import FeatureSpec, customer_features, most_common_events
from recorrido.predict.labels import Target, check_target_event, labels

ALGORITHMS = ("hgb", "logistic")
IMPORTANCE_ROWS = 50_000


@dataclass
class TrainedModel:
    """A fitted estimator with everything needed to score, explain and describe it."""

    estimator: object
    spec: FeatureSpec
    target: Target
    algorithm: str
    seed: int
    train_cutoffs: list[datetime]
    evaluate_at: datetime
    medians: dict[str, float]
    training_rows: int
    sampled: bool
    metrics: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)
    importance: list[dict] = field(default_factory=list)
    groups: dict = field(default_factory=dict)

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(features[list(self.spec.columns)])[:, 1]


def last_event_time(events) -> datetime:
    """When the newest event happened (UTC)."""
    newest = events.timestamp.max().execute()
    if newest is None or pd.isna(newest):
        raise RecorridoError("predict_no_events")
    return pd.Timestamp(newest).tz_convert("UTC").to_pydatetime()


def split_cutoffs(
    events, target: Target, *, evaluate_at: datetime | None, train_cutoffs: int, step_days=None
) -> tuple[list[datetime], datetime]:
    """The training cutoffs (oldest first) and the evaluation cutoff."""
    horizon = timedelta(days=target.horizon_days)
    if evaluate_at is None:
        # Midnight after the newest event, minus the horizon: the last complete label window.
        newest = last_event_time(events)
        evaluate_at = datetime(newest.year, newest.month, newest.day, tzinfo=UTC) + timedelta(
            days=1
        )
        evaluate_at -= horizon
    step = timedelta(days=step_days) if step_days else horizon
    cutoffs = [evaluate_at - horizon - step * k for k in range(train_cutoffs)]
    return sorted(cutoffs), evaluate_at


def dataset(events, cutoffs: list[datetime], spec: FeatureSpec, target: Target) -> pd.DataFrame:
    """Features and ``label`` of every customer active before each cutoff (``cutoff`` column)."""
    frames = []
    for cutoff in cutoffs:
        features = customer_features(events, cutoff, spec)
        hits = labels(events, cutoff, target)
        joined = features.left_join(hits, "customer_id").drop("customer_id_right")
        frame = joined.execute()
        hit = frame.pop("hit").fillna(0).astype(int)
        frame["label"] = 1 - hit if target.kind == "churn" else hit
        frame["cutoff"] = cutoff
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["customer_id", *spec.names(), "label", "cutoff"])
    # Sorted so that a run gives the same rows in the same order on every engine.
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["cutoff", "customer_id"])
        .reset_index(drop=True)
    )


def make_estimator(algorithm: str, seed: int):
    if algorithm == "hgb":
        return HistGradientBoostingClassifier(
            max_iter=100,
            learning_rate=0.05,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
    if algorithm == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    raise RecorridoError("predict_unknown_algorithm", name=algorithm, known=", ".join(ALGORITHMS))


def train(
    events,
    target: Target,
    *,
    evaluate_at: datetime | None = None,
    train_cutoffs: int = 4,
    step_days: float | None = None,
    top_events: int = 10,
    algorithm: str = "hgb",
    seed: int = 0,
    max_rows: int = 500_000,
    lookback_days: float | None = None,
) -> TrainedModel:
    """Train on cutoffs before ``evaluate_at``, evaluate at it, beside the two baselines."""
    # One native thread: on a busy shared machine OpenMP's thread pool made fitting 20x slower,
    # and one thread gives the same numbers on every machine.
    with threadpool_limits(1):
        return _train(
            events,
            target,
            evaluate_at=evaluate_at,
            train_cutoffs=train_cutoffs,
            step_days=step_days,
            top_events=top_events,
            algorithm=algorithm,
            seed=seed,
            max_rows=max_rows,
            lookback_days=lookback_days,
        )


def _train(
    events,
    target,
    *,
    evaluate_at,
    train_cutoffs,
    step_days,
    top_events,
    algorithm,
    seed,
    max_rows,
    lookback_days,
) -> TrainedModel:
    check_target_event(events, target)
    cutoffs, evaluate_at = split_cutoffs(
        events, target, evaluate_at=evaluate_at, train_cutoffs=train_cutoffs, step_days=step_days
    )
    names = most_common_events(events, cutoffs[0], limit=top_events)
    spec = FeatureSpec(events=names, journey_map=target.journey_map, lookback_days=lookback_days)
    spec = FeatureSpec(**{**spec.__dict__, "columns": tuple(spec.names())})
    training = dataset(events, cutoffs, spec, target)
    if training.empty or training.label.nunique() < 2:
        raise RecorridoError(
            "predict_one_class", rows=len(training), positives=int(training.label.sum())
        )
    sampled = len(training) > max_rows
    if sampled:
        training = training.sample(n=max_rows, random_state=seed).sort_index()
    columns = list(spec.columns)
    estimator = make_estimator(algorithm, seed)
    estimator.fit(training[columns], training.label)
    model = TrainedModel(
        estimator=estimator,
        spec=spec,
        target=target,
        algorithm=algorithm,
        seed=seed,
        train_cutoffs=cutoffs,
        evaluate_at=evaluate_at,
        medians={c: float(training[c].median()) for c in columns},
        training_rows=len(training),
        sampled=sampled,
    )
    evaluation = dataset(events, [evaluate_at], spec, target)
    if evaluation.empty:
        raise RecorridoError("predict_no_evaluation_rows", at=evaluate_at.isoformat())
    scores = model.predict(evaluation)
    model.metrics = binary_metrics(evaluation.label, scores)
    model.baselines = baselines(training, evaluation)
    if target.journey_map:
        from recorrido.predict.breakdown import by_persona, by_stage

        model.groups = {
            "stage": by_stage(evaluation, scores, target.journey_map),
            "persona": by_persona(events, evaluate_at, evaluation, scores, target.journey_map),
        }
    # Permutation importance re-scores the rows three times per feature: on large data a seeded
    # sample of the evaluation rows ranks the features as well, at a fraction of the time.
    ranked = evaluation
    if len(ranked) > IMPORTANCE_ROWS:
        ranked = ranked.sample(n=IMPORTANCE_ROWS, random_state=seed).sort_index()
    model.importance = global_importance(estimator, ranked[columns], ranked.label, seed=seed)
    return model


def baselines(training: pd.DataFrame, evaluation: pd.DataFrame) -> dict:
    """The base rate and recency alone, fitted on the training rows, scored on evaluation."""
    rate = float(training.label.mean())
    recency = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    recency.fit(np.log1p(training[["recency_days"]]), training.label)
    by_recency = recency.predict_proba(np.log1p(evaluation[["recency_days"]]))[:, 1]
    return {
        "base_rate": binary_metrics(evaluation.label, np.full(len(evaluation), rate)),
        "recency": binary_metrics(evaluation.label, by_recency),
    }
