"""The four verbs every face calls: train, evaluate, score and explain a named model.

A model is one of three kinds: ``convert`` (probability of the target event within the horizon),
``churn`` (probability of no activity within the horizon) and ``ltv`` (BG/NBD + Gamma-Gamma:
expected purchases and spend within the horizon). Each is trained on the workspace's events,
saved under ``DIR/models`` (:mod:`recorrido.predict.record`) and scored into the ``predictions``
table (:mod:`recorrido.predict.scores`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from recorrido import __version__
from recorrido.errors import RecorridoError
from recorrido.predict import record as records
from recorrido.predict.explain import contributions
from recorrido.predict.features import FeatureSpec, customer_features, fetch
from recorrido.predict.labels import Target
from recorrido.predict.scores import read_scores, write_scores

KINDS = ("convert", "churn", "ltv")


def parse_duration_days(text: str) -> float:
    """``7d``, ``12h``, ``2w``, ``30m`` or a bare number of days, as days."""
    units = {"d": 1.0, "h": 1 / 24, "w": 7.0, "m": 1 / 1440}
    value = text.strip().lower()
    try:
        days = float(value[:-1]) * units[value[-1]] if value[-1] in units else float(value)
    except (ValueError, IndexError):
        raise RecorridoError("predict_bad_horizon", value=text) from None
    if days <= 0:
        raise RecorridoError("predict_bad_horizon", value=text)
    return days


def train_model(
    workspace,
    name: str,
    *,
    kind: str = "convert",
    target: str | None = None,
    horizon_days: float = 7.0,
    journey_map: str | None = None,
    evaluate_at: datetime | None = None,
    train_cutoffs: int = 4,
    algorithm: str = "hgb",
    seed: int = 0,
    max_rows: int = 500_000,
) -> dict:
    """Train, evaluate on the time split and save; return the saved record."""
    records.check_name(name)
    if kind not in KINDS:
        raise RecorridoError("predict_unknown_kind", kind=kind, known=", ".join(KINDS))
    if kind == "ltv":
        return _train_ltv(workspace, name, target, horizon_days, evaluate_at)
    from recorrido.predict.propensity import train

    goal = Target(kind=kind, horizon_days=horizon_days, event=target, journey_map=journey_map)
    model = train(
        workspace.events,
        goal,
        evaluate_at=evaluate_at,
        train_cutoffs=train_cutoffs,
        algorithm=algorithm,
        seed=seed,
        max_rows=max_rows,
    )
    record = {
        "kind": kind,
        "target": goal.to_dict(),
        "target_label": goal.describe(),
        "algorithm": model.algorithm,
        "seed": model.seed,
        "features": model.spec.to_dict(),
        "feature_labels": {c: model.spec.describe(c) for c in model.spec.columns},
        "medians": model.medians,
        "training": {
            "cutoffs": [c.isoformat() for c in model.train_cutoffs],
            "evaluate_at": model.evaluate_at.isoformat(),
            "rows": model.training_rows,
            "sampled": model.sampled,
        },
        "metrics": model.metrics,
        "baselines": model.baselines,
        "importance": model.importance,
        "groups": model.groups,
        "recorrido_version": __version__,
        "trained_at": datetime.now(UTC).isoformat(),
    }
    records.save(workspace.folder, name, record, estimator=model.estimator)
    return records.load(workspace.folder, name)[0]


def _train_ltv(workspace, name, target, horizon_days, evaluate_at) -> dict:
    """BG/NBD + Gamma-Gamma fitted up to ``evaluate_at``; checked on the holdout after it."""
    from recorrido.predict.lifetime_value import fit_bgnbd, fit_gamma_gamma
    from recorrido.predict.propensity import last_event_time
    from recorrido.predict.purchases import purchase_summary

    events = workspace.events
    purchases = [target] if target else None
    if target:
        from recorrido.predict.labels import check_target_event

        check_target_event(events, Target(kind="convert", horizon_days=1, event=target))
    newest = last_event_time(events)
    end = datetime(newest.year, newest.month, newest.day, tzinfo=UTC) + timedelta(days=1)
    at = evaluate_at or end - timedelta(days=horizon_days)
    summary = purchase_summary(
        events,
        at,
        purchase_events=purchases,
        unit_days=1.0,
        holdout_end=at + timedelta(days=horizon_days),
    ).execute()
    bgnbd = fit_bgnbd(summary.x, summary.t_x, summary["T"])
    spend = fit_gamma_gamma(summary.x, summary.mean_spend)
    expected = bgnbd.expected_purchases(horizon_days, summary.x, summary.t_x, summary["T"])
    actual = summary.holdout.to_numpy()
    record = {
        "kind": "ltv",
        "target": {"kind": "ltv", "event": target, "horizon_days": horizon_days},
        "target_label": f"value of {target or 'any event'} within {horizon_days:g}d",
        "bgnbd": bgnbd.to_dict(),
        "gamma_gamma": spend.to_dict(),
        "training": {"evaluate_at": at.isoformat(), "customers": len(summary), "unit": "day"},
        "metrics": {
            "predicted_purchases": float(expected.sum()),
            "actual_purchases": int(actual.sum()),
            "mean_absolute_error": float(np.abs(expected - actual).mean()),
            "correlation": float(np.corrcoef(expected, actual)[0, 1]) if actual.std() else None,
        },
        "recorrido_version": __version__,
        "trained_at": datetime.now(UTC).isoformat(),
    }
    records.save(workspace.folder, name, record)
    return records.load(workspace.folder, name)[0]


def evaluation_of(workspace, name: str) -> dict:
    """The stored record: metrics, baselines, calibration, importance, training window."""
    return records.load(workspace.folder, name)[0]


#: Customers whose explanation ``score`` stores: the highest scores, the ones a team looks at
#: first. Any other customer's is computed when asked (:func:`explain_model`), from their own
#: events only: explaining everyone cost several times the scoring itself at 10 million events.
EXPLAINED_CUSTOMERS = 10_000


def score_model(
    workspace,
    name: str,
    *,
    at: datetime | None = None,
    top: int = 3,
    explain: int = EXPLAINED_CUSTOMERS,
) -> pd.DataFrame:
    """Score every customer with events before ``at`` (default: after the newest event) and
    write the scores to ``predictions``; return ``customer_id, score, explanation``. The
    ``explain`` highest scores (ties by customer id) get their explanation now; the others'
    is ``None`` until :func:`explain_model` is asked for it."""
    from recorrido.predict.propensity import last_event_time

    record, estimator = records.load(workspace.folder, name)
    if at is None:
        at = last_event_time(workspace.events) + timedelta(microseconds=1)
    if record["kind"] == "ltv":
        frame = _score_ltv(workspace, record, at)
    else:
        spec = FeatureSpec.from_dict(record["features"])
        features = fetch(customer_features(workspace.events, at, spec))
        features = features.sort_values("customer_id").reset_index(drop=True)
        columns = list(spec.columns)
        with threadpool_limits(1):
            scores = estimator.predict_proba(features[columns])[:, 1]
            why: list = [None] * len(features)
            chosen = np.argsort(-scores, kind="stable")[: max(int(explain), 0)]
            if len(chosen):
                picked = contributions(
                    estimator,
                    features[columns].iloc[chosen],
                    record["medians"],
                    top=top,
                    candidates=explained_features(record),
                )
                for index, explanation in zip(chosen.tolist(), picked, strict=True):
                    why[index] = explanation
        frame = pd.DataFrame(
            {"customer_id": features.customer_id, "score": scores, "explanation": why}
        )
    write_scores(
        workspace.con,
        model=name,
        target=record["target_label"],
        version=record["version"],
        scored_at=at,
        customers=frame.customer_id.tolist(),
        scores=frame.score.tolist(),
        explanations=frame.explanation.tolist(),
    )
    return frame


def explained_features(record: dict, count: int = 8) -> list[str]:
    """The features per-customer explanations try: the ``count`` most important ones."""
    ranked = [row["feature"] for row in record.get("importance", [])]
    return ranked[:count] or record["features"]["columns"][:count]


def _score_ltv(workspace, record: dict, at: datetime) -> pd.DataFrame:
    from recorrido.predict.lifetime_value import BGNBD, GammaGamma, customer_lifetime_value
    from recorrido.predict.purchases import purchase_summary

    event = record["target"].get("event")
    horizon = float(record["target"]["horizon_days"])
    summary = purchase_summary(
        workspace.events, at, purchase_events=[event] if event else None, unit_days=1.0
    ).execute()
    summary = summary.sort_values("customer_id").reset_index(drop=True)
    bgnbd = BGNBD(**record["bgnbd"])
    spend = GammaGamma(**record["gamma_gamma"])
    x, t_x, T = summary.x, summary.t_x, summary["T"]
    value = customer_lifetime_value(bgnbd, spend, x, t_x, T, summary.mean_spend, horizon=horizon)
    purchases = bgnbd.expected_purchases(horizon, x, t_x, T)
    alive = bgnbd.p_alive(x, t_x, T)
    each = spend.expected_spend(x, summary.mean_spend)
    why = [
        {"expected_purchases": float(p), "expected_spend": float(s), "p_alive": float(a)}
        for p, s, a in zip(purchases, each, alive, strict=True)
    ]
    return pd.DataFrame({"customer_id": summary.customer_id, "score": value, "explanation": why})


def explain_model(workspace, name: str, customer: str | None = None) -> dict:
    """Global importance from the record, or one customer's stored score and contributions."""
    record = records.load(workspace.folder, name)[0]
    if customer is None:
        labels = record.get("feature_labels", {})
        return {
            "model": name,
            "importance": [
                {**row, "label": labels.get(row["feature"], row["feature"])}
                for row in record.get("importance", [])
            ],
        }
    stored = read_scores(workspace.con, name)
    row = stored[stored.customer_id == str(customer)]
    if row.empty:
        raise RecorridoError("predict_customer_unscored", customer=str(customer), model=name)
    first = row.iloc[0]
    explanation = first.explanation
    if isinstance(explanation, str):
        import json

        explanation = json.loads(explanation)
    scored_at = pd.Timestamp(first.scored_at)
    computed = not isinstance(explanation, list | dict) and record["kind"] != "ltv"
    if computed:
        moment = scored_at.tz_localize("UTC") if scored_at.tzinfo is None else scored_at
        explanation = explain_customer(workspace, name, str(customer), moment.to_pydatetime())
    return {
        "model": name,
        "customer_id": str(customer),
        "score": float(first.score),
        "scored_at": scored_at.isoformat(),
        "explanation": explanation,
        "explained": "now" if computed else "stored",
    }


def explain_customer(workspace, name: str, customer: str, at: datetime, top: int = 3) -> list:
    """One customer's contributions at ``at``, from their own events only: the features are
    per-customer aggregates, so they (and the score) are those the scoring run computed."""
    record, estimator = records.load(workspace.folder, name)
    spec = FeatureSpec.from_dict(record["features"])
    events = workspace.events
    features = fetch(customer_features(events.filter(events.customer_id == customer), at, spec))
    if features.empty:
        raise RecorridoError("predict_customer_unscored", customer=customer, model=name)
    with threadpool_limits(1):
        return contributions(
            estimator,
            features[list(spec.columns)],
            record["medians"],
            top=top,
            candidates=explained_features(record),
        )[0]
