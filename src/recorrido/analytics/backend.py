"""Running the analytics on a local Spark session over a workspace's events.

The workspace's ``events`` view is exported to Parquet under ``.recorrido/spark/`` (rewritten only
when the ingest log changed since the last export), and a local Spark session reads it through
Ibis. The analytics functions then run unchanged on that table: the same expressions, another
engine. Used for the DuckDB/Spark parity checks and by teams whose events already live in Spark
(those pass their own Spark table to the functions directly).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import ibis

from recorrido.errors import RecorridoError

BACKENDS = ("duckdb", "pyspark")
EXPORT_DIR = Path(".recorrido") / "spark"


def spark_session():
    """A local Spark session (all cores, UTC, no web UI), reused if one is already running."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise RecorridoError("analytics_spark_missing") from exc
    builder = (
        SparkSession.builder.master("local[*]")
        .appName("recorrido")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
    )
    try:
        return builder.getOrCreate()
    except Exception as exc:  # PySpark without a Java runtime: its gateway never starts
        if "JAVA" in str(exc).upper():
            raise RecorridoError("analytics_spark_missing") from exc
        raise


def _spark_connect(session):
    """Ibis's Spark backend on ``session``; the install hint when PySpark is not installed."""
    try:
        import ibis.backends.pyspark  # imports pyspark itself
    except ImportError as exc:
        raise RecorridoError("analytics_spark_missing") from exc
    return ibis.pyspark.connect(session)


def _fingerprint(ws) -> dict:
    log = ws.ingest_log
    row = log.aggregate(
        runs=log.count(), last=log.ingest_id.max(), rows=log.ingested.sum()
    ).execute()
    return {k: (None if v != v or v is None else int(v)) for k, v in row.iloc[0].items()}


def export_events(ws) -> Path:
    """The workspace's events as a Parquet file, refreshed when the ingest log changed."""
    if ws.folder is None:
        raise RecorridoError("analytics_backend_unknown", name="pyspark (no workspace folder)")
    folder = ws.folder / EXPORT_DIR
    target = folder / "events.parquet"
    state_file = folder / "state.json"
    state = _fingerprint(ws)
    if target.exists() and state_file.exists():
        try:
            if json.loads(state_file.read_text(encoding="utf-8")) == state:
                return target
        except ValueError:
            pass  # a damaged state file only means exporting again
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "events.parquet.partial"
    if partial.exists():
        partial.unlink()
    # The engine writes the file itself (streaming), so no event passes through Python.
    ws.events.to_parquet(partial)
    if target.is_dir():
        shutil.rmtree(target)
    partial.replace(target)
    state_file.write_text(json.dumps(state), encoding="utf-8")
    return target


def events_table(ws, backend: str = "duckdb", session=None) -> ibis.Table:
    """The workspace's events on ``backend``: its own connection, or a local Spark session."""
    if backend == "duckdb":
        return ws.events
    if backend != "pyspark":
        raise RecorridoError("analytics_backend_unknown", name=backend)
    # The session first: without PySpark the user gets the install hint before any export.
    session = session or spark_session()
    path = export_events(ws)
    return _spark_connect(session).read_parquet(str(path))
