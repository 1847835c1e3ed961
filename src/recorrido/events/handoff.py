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
    name = re.sub(r"\W", "_", f"__handoff_{path.parent.name}_{target.stem}")
    if store.name == "postgres":  # no Parquet reader in the server: rows go by COPY instead
        return copy_to_postgres(store, expr, name)
    expr.to_parquet(target)
    return store.read_parquet(target, table_name=name)


def copy_to_postgres(store: ibis.BaseBackend, expr: ibis.Table, name: str) -> ibis.Table:
    """Staged rows into a temporary PostgreSQL table through ``COPY`` (the binary-safe bulk path;
    Ibis's own in-memory upload inserts row by row). The table lives as long as the connection."""
    import sqlglot as sg
    import sqlglot.expressions as sge

    # JSON goes as text, as the workspace's PostgreSQL tables keep it (see events/store.py).
    texts = {
        name: expr[name].cast("string") for name, kind in expr.schema().items() if kind.is_json()
    }
    expr = expr.mutate(**texts) if texts else expr
    table_schema = expr.schema()
    create = sge.Create(
        kind="TABLE",
        this=sge.Schema(
            this=sg.to_identifier(name, quoted=True),
            expressions=table_schema.to_sqlglot_column_defs(store.dialect),
        ),
        properties=sge.Properties(expressions=[sge.TemporaryProperty()]),
    ).sql(store.dialect)
    columns = ", ".join(f'"{column}"' for column in table_schema.names)
    with store.con.cursor() as cursor, store.con.transaction():
        cursor.execute(create)
        with cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN') as copy:
            for batch in expr.to_pyarrow_batches(chunk_size=100_000):
                for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                    copy.write_row(row)
    return store.table(name)


def replace_rows(store: ibis.BaseBackend, table: str, expr: ibis.Table) -> None:
    """``table``'s rows become ``expr``'s. PostgreSQL empties and refills the table in the open
    transaction (the ``events`` view depends on it, so it cannot be dropped and made again)."""
    if store.name == "postgres":
        store.insert(table, expr, overwrite=True)
    else:
        store.create_table(table, expr, overwrite=True)


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


#: The advisory-lock key that serialises ingests into one PostgreSQL database (any constant
#: shared by every recorrido process; see docs/scale.md).
POSTGRES_INGEST_LOCK = 0x7265636F72726964  # "recorrid" in ASCII


@contextlib.contextmanager
def postgres_ingest(store: ibis.BaseBackend) -> Iterator[None]:
    """One ingest into PostgreSQL as one transaction, one writer at a time.

    Every statement Ibis runs inside opens its own ``transaction()`` block, which psycopg turns
    into a savepoint of this outer one, so a failure anywhere rolls the whole ingest back. The
    transaction-scoped advisory lock makes a second writer wait until the first commits: the
    de-duplication, the ingest number and the re-stitched identities then see every row the
    first one stored (readers are never blocked). Other backends pass straight through."""
    if store.name != "postgres":
        yield
        return
    with store.con.transaction():
        with store.con.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [POSTGRES_INGEST_LOCK])
        yield


class session_timezone:
    """Read naive source times in ``zone``; the engine goes back to UTC afterwards."""

    def __init__(self, staging: ibis.BaseBackend, zone: str) -> None:
        self.staging, self.zone = staging, zone

    def __enter__(self) -> None:
        self.staging.con.execute("SET TimeZone = ?", [self.zone])

    def __exit__(self, *exc: object) -> None:
        self.staging.con.execute("SET TimeZone = 'UTC'")
