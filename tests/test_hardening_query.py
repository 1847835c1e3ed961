"""``recorrido query`` sees the workspace's tables and nothing else, within a time limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from recorrido import Workspace
from recorrido.errors import RecorridoError
from tests.conftest import FILES

OUTSIDE = [
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM glob('/root/*')",
    "SELECT content FROM read_blob('/etc/hostname')",
    "SELECT * FROM read_parquet('/tmp/*.parquet')",
    "SELECT * FROM query('SELECT 1')",
    "SELECT getenv('HOME')",
    "SELECT * FROM events, read_text('/etc/passwd')",
    "WITH x AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM x",
    "SELECT (SELECT content FROM read_text('/etc/passwd'))",
    "INSTALL httpfs",
    "LOAD httpfs",
    "ATTACH '/tmp/other.duckdb' AS other",
    "COPY events TO '/tmp/out.csv'",
    "SET enable_external_access = true",
    "PRAGMA enable_external_access",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("query") / "ws"
    with Workspace.init(path, language="en") as ws:
        ws.ingest(FILES / "segment_journey.jsonl")
    return path


@pytest.mark.parametrize("sql", OUTSIDE)
def test_nothing_outside_the_workspace_can_be_read(folder, sql):
    with Workspace.open(folder, read_only=True) as ws:
        with pytest.raises(RecorridoError) as refused:
            ws.query(sql)
        assert "root:" not in str(refused.value)
        assert ws.query("SELECT count(*) AS n FROM events").to_pylist() == [{"n": 9}]


def test_the_engine_itself_is_locked_when_read_only(folder):
    """Fence 2 alone: SQL that slipped past the statement check still cannot reach a file."""
    from recorrido.events.query import lock_down

    with Workspace.open(folder, read_only=True) as ws:
        ws.query("SELECT 1 AS one FROM events LIMIT 1")  # locks the database down
        raw = ws.con.con
        for sql in (
            "SELECT * FROM read_text('/etc/passwd')",
            "SELECT * FROM glob('/root/*')",
            "INSTALL httpfs",
            "SET enable_external_access = true",
        ):
            with pytest.raises(Exception, match=r"disabled|Cannot change"):
                raw.sql(sql).fetchall()
        lock_down(raw)  # a second time is harmless


def test_the_workspace_tables_are_readable(folder):
    with Workspace.open(folder, read_only=True) as ws:
        rows = ws.query(
            "WITH n AS (SELECT customer_id, count(*) AS c FROM events GROUP BY 1) "
            "SELECT * FROM n JOIN range(2) r ON true ORDER BY customer_id, range"
        ).to_pylist()
        assert len(rows) == 4
        tables = ws.query("SELECT table_name FROM information_schema.tables").column("table_name")
        assert "events" in tables.to_pylist()


def test_a_long_query_is_stopped_at_its_time_limit(folder):
    with Workspace.open(folder, read_only=True) as ws:
        started = time.monotonic()
        with pytest.raises(RecorridoError) as stopped:
            ws.query("SELECT count(*) FROM range(1000000000000) a", timeout=0.5)
        assert stopped.value.key == "sandbox_timeout"
        assert time.monotonic() - started < 5
        assert ws.query("SELECT count(*) AS n FROM events").to_pylist() == [{"n": 9}]


def test_a_writable_workspace_keeps_the_statement_fence(folder, tmp_path):
    """The server's connection cannot be locked (it still ingests); the statement check holds."""
    with Workspace.open(folder) as ws:
        for sql in OUTSIDE[:12]:
            with pytest.raises(RecorridoError):
                ws.query(sql)
        ws.ingest(FILES / "segment_journey.jsonl")  # still writable afterwards
