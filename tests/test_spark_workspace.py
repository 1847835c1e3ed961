"""A workspace over a local PySpark session: every query goes through Spark."""

from __future__ import annotations

import pytest

from tests.conftest import FILES

pytestmark = pytest.mark.spark


def test_ingest_and_stitch_on_spark(spark_backend, tmp_path, monkeypatch):
    import tempfile
    from pathlib import Path

    from recorrido import Workspace

    # A temporary folder of this test's own: other tests running beside it (pytest-xdist) make
    # and remove their own scratch folders in the shared one.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    handoffs_before = set(Path(tempfile.gettempdir()).glob("recorrido-*"))

    ws = Workspace.open(connection=spark_backend)
    assert ws.con.name == "pyspark"
    report = ws.ingest(FILES / "segment_journey.jsonl")
    assert (report.ingested, report.quarantined, report.customers) == (9, 0, 2)
    owners = dict(ws.events.group_by("customer_id").aggregate(n=ws.events.count()).execute().values)
    assert owners == {"user-42": 8, "stranger": 1}
    again = ws.ingest(FILES / "segment_journey.jsonl")
    assert (again.ingested, again.duplicates) == (0, 9)
    # The Parquet files handed to Spark are gone once the ingest is over.
    assert set(Path(tempfile.gettempdir()).glob("recorrido-*")) <= handoffs_before
