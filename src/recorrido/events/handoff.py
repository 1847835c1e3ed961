"""How an ingest writes: one transaction on DuckDB, the staged rows handed to another engine
through Parquet, and naive source times read in the workspace's time zone."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
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


SCRATCH_PREFIX = "recorrido-"
_OWNER = "owner.pid"
#: A scratch folder without an owner file is left alone this long (it may be being made).
_UNOWNED_GRACE_SECONDS = 3600


def scratch_folder(kind: str = "") -> Path:
    """A new temporary folder that records the process that made it, so that a later ingest can
    remove it when that process was killed before it could (see :func:`clean_stale_scratch`)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{kind}"))
    (folder / _OWNER).write_text(str(os.getpid()))
    return folder


def clean_stale_scratch() -> int:
    """Remove scratch folders left by ingests that were killed; returns how many."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        try:
            if not folder.is_dir() or not _is_stale(folder):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _is_stale(folder: Path) -> bool:
    owner = folder / _OWNER
    if not owner.exists():
        return time.time() - folder.stat().st_mtime > _UNOWNED_GRACE_SECONDS
    try:
        pid = int(owner.read_text().strip())
    except ValueError:
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0 asks only whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


@contextlib.contextmanager
def handoff_folder() -> Iterator[Path]:
    """A folder for the Parquet files handed to another engine, removed when the ingest ends."""
    folder = scratch_folder()
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
