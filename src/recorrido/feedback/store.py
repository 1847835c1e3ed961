"""The workspace's feedback tables: ``feedback`` (one row per answer, comment, review or post)
and ``feedback_quarantine`` (rows ingest refused, with the reason)."""

from __future__ import annotations

import json

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

FEEDBACK = "feedback"
FEEDBACK_QUARANTINE = "feedback_quarantine"

#: The agreed columns (see the seams), then ``label`` (the team's label, or the one a score
#: implies) and ``sentiment_method`` (label, score, trained or lexicon: where ``sentiment`` came
#: from), so that a reader can tell a customer's verdict from a model's guess.
FEEDBACK_SCHEMA = ibis.schema(
    {
        "feedback_id": dt.string,
        "customer_id": dt.string,
        "timestamp": dt.Timestamp(timezone="UTC"),
        "kind": dt.string,
        "score": dt.float64,
        "text": dt.string,
        "language": dt.string,
        "sentiment": dt.string,
        "sentiment_score": dt.float64,
        "stage": dt.string,
        "touchpoint": dt.string,
        "source": dt.string,
        "properties": dt.JSON(),
        "label": dt.string,
        "sentiment_method": dt.string,
    }
)

QUARANTINE_SCHEMA = ibis.schema(
    {
        "ingested_at": dt.Timestamp(timezone="UTC"),
        "file": dt.string,
        "row": dt.int64,
        "column": dt.string,
        "reason_code": dt.string,
        "detail": dt.string,
        "record": dt.string,
        # The refused row's customer id when it had one (for a person's export and erasure).
        "customer_id": dt.string,
    }
)


def ensure_tables(con: ibis.BaseBackend) -> None:
    existing = set(con.list_tables())
    if FEEDBACK not in existing:
        con.create_table(FEEDBACK, schema=FEEDBACK_SCHEMA)
    if FEEDBACK_QUARANTINE not in existing:
        con.create_table(FEEDBACK_QUARANTINE, schema=QUARANTINE_SCHEMA)
    elif "customer_id" not in con.table(FEEDBACK_QUARANTINE).columns:
        # Made before refused rows kept their customer: the column is added, empty for old rows
        # (a person's erasure still finds those by the ids in their record).
        old = con.table(FEEDBACK_QUARANTINE).to_pandas()
        old["customer_id"] = None
        upgraded = ibis.memtable(old[list(QUARANTINE_SCHEMA.names)], schema=QUARANTINE_SCHEMA)
        con.create_table(FEEDBACK_QUARANTINE, upgraded, schema=QUARANTINE_SCHEMA, overwrite=True)


def read_feedback(con: ibis.BaseBackend) -> pd.DataFrame:
    """All feedback as pandas: feedback is survey- and review-sized, and scoring it needs Python."""
    if FEEDBACK not in con.list_tables():  # a workspace opened read-only before any feedback
        return pd.DataFrame({name: pd.Series(dtype=object) for name in FEEDBACK_SCHEMA.names})
    return con.table(FEEDBACK).to_pandas()


def write_feedback(con: ibis.BaseBackend, frame: pd.DataFrame) -> None:
    """Replace the feedback table with ``frame`` (in the schema's column order and types)."""
    frame = frame[list(FEEDBACK_SCHEMA.names)].copy()
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["score"] = frame["score"].astype("float64")
    frame["sentiment_score"] = frame["sentiment_score"].astype("float64")
    # Rows read back from the table carry their properties as objects; new ones as JSON text.
    frame["properties"] = frame["properties"].map(
        lambda v: v if isinstance(v, str) or v is None else json.dumps(v, ensure_ascii=False)
    )
    table = ibis.memtable(frame, schema=FEEDBACK_SCHEMA)
    con.create_table(FEEDBACK, table, schema=FEEDBACK_SCHEMA, overwrite=True)


def append_quarantine(con: ibis.BaseBackend, rows: list[dict]) -> None:
    """Add refused rows; a row already quarantined (same file, row, reason and record, as when
    a file is ingested again) is not added twice."""
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=list(QUARANTINE_SCHEMA.names))
    key = ["file", "row", "reason_code", "record"]
    old = con.table(FEEDBACK_QUARANTINE).select(*key).to_pandas()
    if len(old):
        frame = frame.merge(old.drop_duplicates(), on=key, how="left", indicator=True)
        frame = frame[frame["_merge"] == "left_only"].drop(columns="_merge")
        if frame.empty:
            return
    frame["ingested_at"] = pd.to_datetime(frame["ingested_at"], utc=True)
    con.insert(FEEDBACK_QUARANTINE, ibis.memtable(frame, schema=QUARANTINE_SCHEMA))
