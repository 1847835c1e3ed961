"""The ``predictions`` table: one score per customer and model, where automations read them.

Schema (agreed in the project's seams): ``customer_id VARCHAR, model VARCHAR, target VARCHAR,
score DOUBLE, scored_at TIMESTAMP (UTC), model_version VARCHAR, explanation JSON``. Scoring a
model again replaces that model's rows (and only those) in one transaction on DuckDB, so a reader
never sees half of a run.
"""

from __future__ import annotations

import json
from datetime import datetime

import ibis
import pandas as pd

PREDICTIONS = "predictions"
PREDICTIONS_SCHEMA = ibis.schema(
    {
        "customer_id": "string",
        "model": "string",
        "target": "string",
        "score": "float64",
        "scored_at": "timestamp",
        "model_version": "string",
        "explanation": "json",
    }
)


def ensure_table(con: ibis.BaseBackend) -> None:
    if PREDICTIONS not in con.list_tables():
        con.create_table(PREDICTIONS, schema=PREDICTIONS_SCHEMA)


def write_scores(
    con: ibis.BaseBackend,
    *,
    model: str,
    target: str,
    version: str,
    scored_at: datetime,
    customers: list[str],
    scores: list[float],
    explanations: list | None = None,
) -> int:
    """Replace ``model``'s rows with these scores; return how many rows were written."""
    ensure_table(con)
    naive = (
        pd.Timestamp(scored_at).tz_convert("UTC").tz_localize(None)
        if pd.Timestamp(scored_at).tzinfo
        else pd.Timestamp(scored_at)
    )
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(customers, dtype=object).astype(str),
            "model": model,
            "target": target,
            "score": pd.Series(scores, dtype="float64"),
            "scored_at": naive,
            "model_version": version,
            # NULL, not the JSON text "null", where there is no explanation (most customers).
            "explanation": [
                None if e is None else json.dumps(e, ensure_ascii=False)
                for e in (explanations or [None] * len(customers))
            ],
        }
    )
    if con.name == "duckdb":
        raw = con.con
        raw.execute("BEGIN TRANSACTION")
        try:
            raw.execute(f"DELETE FROM {PREDICTIONS} WHERE model = ?", [model])
            raw.register("_recorrido_new_scores", frame)
            raw.execute(
                f"INSERT INTO {PREDICTIONS} SELECT customer_id, model, target, score, "
                "CAST(scored_at AS TIMESTAMP), model_version, CAST(explanation AS JSON) "
                "FROM _recorrido_new_scores"
            )
            raw.unregister("_recorrido_new_scores")
            raw.execute("COMMIT")
        except Exception:
            raw.execute("ROLLBACK")
            raise
        return len(frame)
    # Other engines: keep the other models' rows and rewrite the table.
    table = con.table(PREDICTIONS)
    kept = table.filter(table.model != model).execute()
    combined = pd.concat([kept, frame], ignore_index=True) if len(kept) else frame
    con.create_table(PREDICTIONS, combined, schema=PREDICTIONS_SCHEMA, overwrite=True)
    return len(frame)


def read_scores(con: ibis.BaseBackend, model: str | None = None) -> pd.DataFrame:
    """The stored scores (of one model), highest first."""
    if PREDICTIONS not in con.list_tables():
        return pd.DataFrame(columns=PREDICTIONS_SCHEMA.names)
    table = con.table(PREDICTIONS)
    if model is not None:
        table = table.filter(table.model == model)
    return table.order_by([ibis.desc("score"), "customer_id"]).execute()
