"""Predicted beside measured, per stage and per persona of the journey map, at the evaluation
cutoff: does the model see each group's conversion (or churn) as it turned out?

For a model trained with a map, the evaluation rows (every customer active before the cutoff,
with the model's score and what happened in the horizon after it) are grouped by the furthest
stage each customer had reached (the ``stage_reached`` feature: no leakage, it is read before
the cutoff) and by each persona of the map whose data rule selects them (a customer can be in
several personas, or in none). Each group gets its customers, the mean predicted probability and
the measured rate. The numbers are stored in the model's record, so every face shows the same.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from recorrido.errors import RecorridoError


def group_row(group_id: str, name: str, labels: np.ndarray, scores: np.ndarray) -> dict:
    return {
        "id": group_id,
        "name": name,
        "customers": len(labels),
        "predicted": float(scores.mean()) if len(scores) else None,
        "observed": float(labels.mean()) if len(labels) else None,
    }


def by_stage(evaluation: pd.DataFrame, scores: np.ndarray, journey_map: str) -> list[dict]:
    """One row per stage of the map (in order), then customers on no stage yet."""
    from recorrido.analytics.tagging import load_map

    journey = load_map(journey_map)
    reached = evaluation.stage_reached.to_numpy()
    labels = evaluation.label.to_numpy()
    rows = []
    for index, stage in enumerate(journey.stages):
        mask = reached == index
        rows.append(group_row(stage.id, stage.name, labels[mask], scores[mask]))
    none = reached < 0
    if none.any():
        rows.append(group_row("", "", labels[none], scores[none]))
    return rows


def by_persona(
    events, cutoff: datetime, evaluation: pd.DataFrame, scores: np.ndarray, journey_map: str
) -> list[dict]:
    """One row per persona with a data rule, selected on the events before the cutoff."""
    from recorrido.analytics.tagging import load_map
    from recorrido.predict.features import _before

    journey = load_map(journey_map)
    before = _before(events, cutoff).drop("us")
    ids = evaluation.customer_id.astype(str)
    labels = evaluation.label.to_numpy()
    rows = []
    for persona in journey.personas:
        if persona.rule is None:
            continue
        try:
            chosen = journey.persona_customers(before, persona.id).to_pyarrow()
        except RecorridoError:
            continue  # a rule this data cannot answer (a missing property): no row, not a crash
        mask = ids.isin(set(map(str, chosen.column("customer_id").to_pylist()))).to_numpy()
        rows.append(group_row(persona.id, persona.name, labels[mask], scores[mask]))
    return rows
