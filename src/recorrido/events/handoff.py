"""How an ingest writes: one transaction on DuckDB, the staged rows handed to another engine
through Parquet, and naive source times read in the workspace's time zone."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import ibis


def copy_into(store: ibis.BaseBackend, table: str, expr: ibis.Table, handoff: Path | None) -> None:
    """Insert ``expr`` (staging engine) into ``table`` (store), through Parquet when they differ."""
    if handoff is None:
        store.insert(table, expr)
    elif expr.count().execute():  # Spark cannot read the schema of an empty Parquet file
        store.insert(table, upload(store, expr, handoff / table))


def upload(store: ibis.BaseBackend, expr: ibis.Table, path: Path) -> ibis.Table:
    """Hand staged rows to another engine through a Parquet file, which keeps NULLs and types
    exactly (a trip through pandas would turn missing text into the string 'NaN')."""
    # A fresh name per hand-off: Spark keeps a cache of files it has listed.
    target = path.with_name(f"{path.name}-{len(list(path.parent.iterdir()))}.parquet")
    expr.to_parquet(target)
    name = re.sub(r"\W", "_", f"__handoff_{path.parent.name}_{target.stem}")
    return store.read_parquet(target, table_name=name)


@contextlib.contextmanager
def handoff_folder() -> Iterator[Path]:
    """A folder for the Parquet files handed to another engine, removed when the ingest ends."""
    folder = Path(tempfile.mkdtemp(prefix="recorrido-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Transaction:
    """BEGIN/COMMIT around the ingest on DuckDB; ROLLBACK when anything fails."""

    def __init__(self, duckdb_backend: ibis.BaseBackend | None) -> None:
        self.backend = duckdb_backend

    def __enter__(self) -> None:
        if self.backend is not None:
            self.backend.raw_sql("BEGIN TRANSACTION")

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.backend is None:
            return
        if exc_type is None:
            self.backend.raw_sql("COMMIT")
        else:
            self.backend.raw_sql("ROLLBACK")


class session_timezone:
    """Read naive source times in ``zone``; the engine goes back to UTC afterwards."""

    def __init__(self, staging: ibis.BaseBackend, zone: str) -> None:
        self.staging, self.zone = staging, zone

    def __enter__(self) -> None:
        self.staging.con.execute("SET TimeZone = ?", [self.zone])

    def __exit__(self, *exc: object) -> None:
        self.staging.con.execute("SET TimeZone = 'UTC'")
