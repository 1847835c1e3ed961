"""A customer's automation records, for export and for erasure (called by ``recorrido customer``).

Automation state lives outside DuckDB: the passes, their marks, the outbox (every message and
task, with its rendered text) and the traits automations set in ``automations.sqlite`` (or
PostgreSQL), and the DBOS workflows,
whose inputs hold the customer's traits. Forgetting cancels the customer's passes in flight first,
so nothing is sent after the erasure, then deletes the workflows and every row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from recorrido.automations.store import Store, exists
from recorrido.automations.tables import marks, outbox, runs, traits

_EMPTY = ("automation_runs", "automation_marks", "automation_outbox", "automation_traits")


def export_customer(folder: str | Path, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Passes, step marks, outbox rows (messages, webhooks, tasks) and the traits automations set
    for these customers."""
    if not exists(folder) or not ids:
        return {name: [] for name in _EMPTY}
    store = Store.for_folder(folder)
    with store.engine.connect() as db:
        run_rows = db.execute(sa.select(runs).where(runs.c.customer_id.in_(ids))).mappings().all()
        workflow_ids = [r["workflow_id"] for r in run_rows]
        mark_rows = (
            db.execute(sa.select(marks).where(marks.c.workflow_id.in_(workflow_ids)))
            .mappings()
            .all()
        )
        out_rows = (
            db.execute(sa.select(outbox).where(outbox.c.customer_id.in_(ids))).mappings().all()
        )
        trait_rows = (
            db.execute(sa.select(traits).where(traits.c.customer_id.in_(ids))).mappings().all()
        )
    return {
        "automation_runs": [dict(r) for r in run_rows],
        "automation_marks": [dict(r) for r in mark_rows],
        "automation_outbox": [dict(r) for r in out_rows],
        "automation_traits": [dict(r) for r in trait_rows],
    }


def forget_customer(folder: str | Path, ids: list[str]) -> dict[str, int]:
    """Stop and erase these customers' passes, marks, outbox rows, traits and DBOS workflows."""
    if not exists(folder) or not ids:
        return dict.fromkeys(_EMPTY, 0)
    store = Store.for_folder(folder)
    with store.engine.connect() as db:
        workflow_ids = [
            r[0]
            for r in db.execute(sa.select(runs.c.workflow_id).where(runs.c.customer_id.in_(ids)))
        ]
    if workflow_ids:
        # A client, not a launched DBOS: launching would make this command an executor that
        # recovers (runs) the passes of a worker that is alive.
        from dbos import DBOSClient

        client = DBOSClient(system_database_url=store.url)
        try:
            for workflow_id in workflow_ids:
                client.cancel_workflow(workflow_id)
            client.delete_workflows(workflow_ids)
        finally:
            client.destroy()
    with store.engine.begin() as db:
        counts = {
            "automation_marks": db.execute(
                marks.delete().where(marks.c.workflow_id.in_(workflow_ids))
            ).rowcount,
            "automation_outbox": db.execute(
                outbox.delete().where(outbox.c.customer_id.in_(ids))
            ).rowcount,
            "automation_runs": db.execute(
                runs.delete().where(runs.c.customer_id.in_(ids))
            ).rowcount,
            "automation_traits": db.execute(
                traits.delete().where(traits.c.customer_id.in_(ids))
            ).rowcount,
        }
    return counts
