"""Small hand-made event logs for the insights tests: visits a minute a step, in a workspace."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from recorrido import Workspace


def event(cid: str, name: str, when: datetime, event_id: str) -> dict:
    """One web event row."""
    return {
        "customer_id": cid,
        "event": name,
        "timestamp": when,
        "event_id": event_id,
        "channel": "web",
    }


def visit(rows: list[dict], cid: str, at: datetime, names: list[str]) -> None:
    """Append ``names`` done by ``cid`` from ``at``, a minute apart."""
    for i, name in enumerate(names):
        rows.append(event(cid, name, at + timedelta(minutes=i), f"{cid}-{at.isoformat()}-{i}"))


def workspace(folder, rows: list[dict]) -> Workspace:
    """A new workspace in ``folder`` holding ``rows`` (ingested from Parquet, as a user would)."""
    pd.DataFrame(rows).to_parquet(folder / "events.parquet")
    ws = Workspace.init(folder / "ws", timezone="UTC", language="en")
    ws.ingest(folder / "events.parquet")
    return ws
