"""Forget, then export, on a Spark workspace: nothing is left and a re-ingest keeps them out."""

from __future__ import annotations

import pytest

from tests.conftest import FILES

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture
def spark_workspace(spark_backend):
    """The shared Spark session, moved to a database of its own for this test and back."""
    from recorrido import Workspace

    session = spark_backend._session
    before = session.catalog.currentDatabase()
    session.sql("CREATE DATABASE IF NOT EXISTS recorrido_privacy_test")
    session.catalog.setCurrentDatabase("recorrido_privacy_test")
    try:
        yield Workspace.open(connection=spark_backend)
    finally:
        session.catalog.setCurrentDatabase(before)
        session.sql("DROP DATABASE IF EXISTS recorrido_privacy_test CASCADE")


def test_forget_then_export_on_spark(spark_workspace):
    from recorrido.privacy.ledger import audit_entries
    from recorrido.privacy.person import export_person, forget_person

    ws = spark_workspace
    ws.ingest(FILES / "segment_journey.jsonl")
    removed = forget_person(ws, "user-42")["rows_removed"]
    assert removed["raw_events"] == 8
    assert not export_person(ws, "user-42")["found"]
    again = ws.ingest(FILES / "segment_journey.jsonl")
    assert again.files[0].forgotten == 8 and again.ingested == 0
    owners = ws.events.group_by("customer_id").aggregate(n=ws.events.count()).execute()
    assert dict(owners.values) == {"stranger": 1}
    assert audit_entries(ws.con)[0]["counts"]["raw_events"] == 8
