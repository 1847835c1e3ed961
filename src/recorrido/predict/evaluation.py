"""How good a probability is: ranking (AUC, PR-AUC), calibration (Brier, bins) and lift (top
decile, and every decile).

Every model is shown beside two baselines computed on the same evaluation rows: the base rate
(everyone gets the training rate: AUC 0.5 by construction) and recency alone (a logistic
regression on ``log(1 + recency_days)``), so a reader sees whether the model earns its keep.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def binary_metrics(labels, scores, *, bins: int = 10) -> dict:
    """AUC, PR-AUC, Brier score, base rate, lift of the top decile and a calibration table."""
    y = np.asarray(labels, dtype=int)
    p = np.asarray(scores, dtype=float)
    both_classes = 0 < y.sum() < len(y)
    base_rate = float(y.mean()) if len(y) else float("nan")
    return {
        "rows": len(y),
        "positives": int(y.sum()),
        "base_rate": base_rate,
        "auc": float(roc_auc_score(y, p)) if both_classes else None,
        "pr_auc": float(average_precision_score(y, p)) if both_classes else None,
        "brier": float(brier_score_loss(y, p, pos_label=1)) if len(y) else None,
        "lift_top_decile": lift_at(y, p, 0.1),
        "lift_by_decile": lift_by_decile(y, p),
        "calibration": calibration_table(y, p, bins=bins),
    }


def lift_by_decile(y: np.ndarray, p: np.ndarray, *, groups: int = 10) -> list[dict]:
    """Rows ranked by score (highest first, ties by position), cut into ``groups`` equal parts:
    each part's rows, positives, observed rate, mean predicted and lift over the overall rate.
    The first part's lift is close to ``lift_top_decile`` (which shares ties out evenly)."""
    if len(y) == 0:
        return []
    order = np.argsort(-p, kind="stable")
    overall = y.mean()
    table = []
    for number, part in enumerate(np.array_split(order, groups), start=1):
        if not len(part):
            continue
        rate = float(y[part].mean())
        table.append(
            {
                "decile": number,
                "rows": len(part),
                "positives": int(y[part].sum()),
                "observed": rate,
                "predicted": float(p[part].mean()),
                "lift": float(rate / overall) if overall > 0 else None,
            }
        )
    return table


def lift_at(y: np.ndarray, p: np.ndarray, share: float) -> float | None:
    """Rate of positives among the top ``share`` of scores, over the overall rate.

    Rows tied with the last one taken count by their expected share (as if ties were broken at
    random), so a constant score has a lift of exactly 1 whatever the row order."""
    if len(y) == 0 or y.sum() == 0:
        return None
    take = max(1, int(np.ceil(share * len(y))))
    threshold = np.sort(p)[::-1][take - 1]
    above = p > threshold
    tied = p == threshold
    room = take - int(above.sum())
    positives = y[above].sum() + y[tied].sum() * room / tied.sum()
    return float(positives / take / y.mean())


def calibration_table(y: np.ndarray, p: np.ndarray, *, bins: int = 10) -> list[dict]:
    """Equal-width bins of predicted probability: mean predicted, observed rate, rows."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    table = []
    for b in range(bins):
        mask = which == b
        if not mask.any():
            continue
        table.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "predicted": float(p[mask].mean()),
                "observed": float(y[mask].mean()),
                "rows": int(mask.sum()),
            }
        )
    return table
