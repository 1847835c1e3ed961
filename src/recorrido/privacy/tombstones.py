"""Ingest's one privacy step: rows of a forgotten person are dropped, and counted, on their way in.

``recorrido customer forget`` leaves a tombstone per identifier (a keyed hash, see
:mod:`recorrido.privacy.ledger`); an old file ingested again must not bring the person back. Ingest
calls :func:`drop_forgotten` once on its checked rows before they are compared with the stored
events; each file's report then counts them in ``forgotten`` (rows read = ingested + duplicates +
quarantined + forgotten). Nothing about them is kept, not even in quarantine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import ibis

from recorrido.privacy import ledger

_FOLDER: ContextVar[Path | None] = ContextVar("recorrido_privacy_folder", default=None)


@contextmanager
def workspace_folder(folder: Path | None) -> Iterator[None]:
    """Tell :func:`drop_forgotten` which workspace's key to use (for engines without a file)."""
    token = _FOLDER.set(folder)
    try:
        yield
    finally:
        _FOLDER.reset(token)


def drop_forgotten(store: ibis.BaseBackend, valid: ibis.Table, reports: list) -> ibis.Table:
    """``valid`` without rows whose user or anonymous id is tombstoned; sets ``forgotten`` counts.

    ``valid`` has the canonical columns and ``__file`` (the index of the file in ``reports``).
    Free when nobody was ever forgotten: one look at the (absent or empty) tombstone table.
    """
    hashes = ledger.tombstone_hashes(store)
    if not hashes:
        return valid
    key = ledger.workspace_key(_folder_of(store))
    user = ledger.keyed_hash_expression(key, ibis.literal("u:") + valid.customer_id)
    anonymous = ledger.keyed_hash_expression(key, ibis.literal("a:") + valid.anonymous_id)
    forgotten = user.isin(hashes).fill_null(False) | anonymous.isin(hashes).fill_null(False)
    marked = valid.mutate(__forgotten=forgotten)
    dropped = marked.filter(marked.__forgotten)
    per_file = dropped.group_by("__file").aggregate(n=dropped.count()).to_pyarrow().to_pylist()
    for row in per_file:
        report = reports[int(row["__file"])]
        report.forgotten = getattr(report, "forgotten", 0) + int(row["n"])
    return marked.filter(~marked.__forgotten).drop("__forgotten")


def _folder_of(store: ibis.BaseBackend) -> Path | None:
    """The workspace folder: the one ingest was called for, else the DuckDB file's folder."""
    folder = _FOLDER.get()
    if folder is not None or store.name != "duckdb":
        return folder
    path = store.con.sql(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(path[0]).parent if path and path[0] else None
