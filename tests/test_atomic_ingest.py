"""An ingest killed mid-way (SIGKILL) leaves the workspace readable and unchanged."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from recorrido import Workspace
from tests.conftest import FILES


def snapshot(folder: Path) -> dict[str, int]:
    with Workspace.open(folder, read_only=True) as ws:
        return {
            "events": int(ws.events.count().execute()),
            "customers": int(ws.customers.count().execute()),
            "quarantine": int(ws.quarantine.count().execute()),
            "ingests": int(ws.ingest_log.count().execute()),
        }


def test_sigkill_during_ingest_leaves_workspace_unchanged(tmp_path):
    folder = tmp_path / "ws"
    with Workspace.init(folder) as ws:
        ws.ingest(FILES / "segment_journey.jsonl")
    before = snapshot(folder)

    big = tmp_path / "big.parquet"
    duckdb.connect().execute(
        f"""COPY (SELECT 'e' || i AS event_id, 'c' || (i % 300000) AS customer_id,
                   TIMESTAMP '2024-01-01' + to_seconds(i) AS timestamp,
                   'ev' || (i % 12) AS event
            FROM range(4000000) r(i)) TO '{big}' (FORMAT parquet)"""
    )
    script = textwrap.dedent(
        f"""
        import sys
        from recorrido import Workspace
        ws = Workspace.open({str(folder)!r})
        print("started", flush=True)
        ws.ingest({str(big)!r})
        print("finished", flush=True)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.5)
    assert child.poll() is None, "the ingest finished before it could be killed: use more rows"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    assert snapshot(folder) == before
    # And the workspace still works: the same ingest, uninterrupted, now lands whole.
    with Workspace.open(folder) as ws:
        report = ws.ingest(FILES / "dirty_es.csv", mapping=FILES / "dirty_es_mapping.yaml")
        assert report.ingested == 4
