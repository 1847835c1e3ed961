"""Why a model scores as it does: globally (permutation importance) and per customer.

**Per customer**, a feature's contribution is ``score(x) - score(x with that feature set to its
training median)``: how much the score moves when that one feature stops being unusual. It is
exact for what it says (the model is re-run), cheap (one extra prediction per feature), and
model-agnostic; it is not a Shapley value: contributions do not add up to the score, and
correlated features can share or hide credit. The features with the largest absolute
contributions are reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance


def global_importance(estimator, X: pd.DataFrame, y, *, seed: int, repeats: int = 3) -> list[dict]:
    """Drop in AUC when each feature is shuffled on the evaluation rows (mean and spread)."""
    if len(set(np.asarray(y).tolist())) < 2:
        return []
    result = permutation_importance(
        estimator, X, y, scoring="roc_auc", n_repeats=repeats, random_state=seed, n_jobs=1
    )
    rows = [
        {"feature": name, "importance": float(mean), "spread": float(std)}
        for name, mean, std in zip(
            X.columns, result.importances_mean, result.importances_std, strict=True
        )
    ]
    return sorted(rows, key=lambda r: (-r["importance"], r["feature"]))


def contributions(
    estimator,
    X: pd.DataFrame,
    medians: dict[str, float],
    *,
    top: int = 3,
    candidates: list[str] | None = None,
):
    """Per row, the ``top`` features whose move to the median changes the score most.

    Only ``candidates`` are tried when given (the model's most important features: scoring then
    costs one extra prediction per candidate, not per feature), and only the rows whose value
    differs from the median are re-scored (the others' contribution is 0)."""
    names = list(X.columns)
    tried = [n for n in (candidates or names) if n in medians]
    base = estimator.predict_proba(X)[:, 1]
    deltas = np.zeros((len(X), len(tried)))
    for j, name in enumerate(tried):
        moves = (X[name] != medians[name]).to_numpy()
        if not moves.any():
            continue
        moved = X[moves].copy()
        moved[name] = medians[name]
        deltas[moves, j] = base[moves] - estimator.predict_proba(moved)[:, 1]
    order = np.argsort(-np.abs(deltas), axis=1, kind="stable")[:, :top]
    # Picked as whole arrays, then turned into Python numbers once: a per-cell DataFrame lookup
    # cost more than every re-scoring pass together at a million events.
    rows = np.arange(len(X))[:, None]
    values = X[tried].to_numpy(dtype="float64")[rows, order].tolist()
    moved_by = deltas[rows, order].tolist()
    return [
        [
            {"feature": tried[j], "value": v, "contribution": c}
            for j, v, c in zip(picks, vs, cs, strict=True)
        ]
        for picks, vs, cs in zip(order.tolist(), values, moved_by, strict=True)
    ]
