"""Scores as customer traits: what automations' splits and templates read as ``propensity_<model>``.

``recorrido predict score`` writes one row per customer and model to the ``predictions`` table;
every reader of a customer's traits (the automations' profile,
:func:`recorrido.automations.selection.profiles`, in the live worker and in the dry run) sees
each model's latest score there as one more trait:

- ``propensity_<model>`` for ``convert`` and ``churn`` models (a probability, 0..1);
- ``value_<model>`` for ``ltv`` models (expected spend within the model's horizon).

They are read from the table when a profile is built, not copied into a second store: the trait
is always the score of the latest run, a new run replaces it at once, and forgetting a customer
(which deletes their ``predictions`` rows) removes it too. A trait of the same name sent by the
customer's identify calls is shadowed by the score; one set by an automation's ``update_trait``
wins over both (it is the most deliberate).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from recorrido.predict.record import models_folder
from recorrido.predict.scores import PREDICTIONS

PREFIXES = {"convert": "propensity_", "churn": "propensity_", "ltv": "value_"}


def trait_name(model: str, kind: str | None) -> str:
    """The trait a model's score is read as: ``propensity_goal`` for a model named ``goal``."""
    return PREFIXES.get(kind or "convert", "propensity_") + model


def model_kinds(folder: Any) -> dict[str, str]:
    """Each saved model's kind, read from its JSON record only (never its pickled estimator)."""
    found: dict[str, str] = {}
    if folder is None:
        return found
    path = models_folder(Path(folder))
    for record in sorted(path.glob("*.json")) if path.exists() else []:
        try:
            found[record.stem] = str(json.loads(record.read_text()).get("kind") or "convert")
        except (OSError, ValueError):
            continue  # an unreadable record: its scores still show, under the default prefix
    return found


def score_traits(
    con: ibis.BaseBackend, customers: ir.Table, folder: Any = None
) -> dict[str, dict[str, float]]:
    """``{customer: {trait: score}}`` for ``customers`` (a table with ``customer_id``), from the
    latest scoring run of every model in the ``predictions`` table."""
    if PREDICTIONS not in con.list_tables():
        return {}
    table = con.table(PREDICTIONS).semi_join(customers, "customer_id")
    # A model's run replaces its rows, so there is one row per customer and model; the rank
    # keeps that true for a table written by something else.
    rank = ibis.row_number().over(
        group_by=["customer_id", "model"], order_by=ibis.desc("scored_at")
    )
    rows = (
        table.mutate(rank=rank)
        .filter(lambda t: t["rank"] == 0)
        .select("customer_id", "model", "score")
        .to_pyarrow()
    )
    kinds = model_kinds(folder)
    names = {m: trait_name(m, kinds.get(m)) for m in set(rows.column("model").to_pylist())}
    found: dict[str, dict[str, float]] = {}
    for customer_id, model, score in zip(
        rows.column("customer_id").to_pylist(),
        rows.column("model").to_pylist(),
        rows.column("score").to_pylist(),
        strict=True,
    ):
        if score is not None:
            found.setdefault(customer_id, {})[names[model]] = float(score)
    return found
