"""A workspace over a local PySpark session: every query goes through Spark."""

from __future__ import annotations

import pytest

from tests.conftest import FILES

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_backend(tmp_path_factory):
    pyspark = pytest.importorskip("pyspark")
    import ibis
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("warehouse")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("recorrido-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "2g")
        # Each stitching round builds on the cached result of the last; Spark's plan description
        # of that lineage grows fast, so it is capped (it is only used for logs and the UI).
        .config("spark.sql.maxPlanStringLength", "100000")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .getOrCreate()
    )
    assert pyspark.__version__.startswith("4.0")
    yield ibis.pyspark.connect(session)
    session.stop()


def test_ingest_and_stitch_on_spark(spark_backend):
    from recorrido import Workspace

    ws = Workspace.open(connection=spark_backend)
    assert ws.con.name == "pyspark"
    report = ws.ingest(FILES / "segment_journey.jsonl")
    assert (report.ingested, report.quarantined, report.customers) == (9, 0, 2)
    owners = dict(ws.events.group_by("customer_id").aggregate(n=ws.events.count()).execute().values)
    assert owners == {"user-42": 8, "stranger": 1}
    again = ws.ingest(FILES / "segment_journey.jsonl")
    assert (again.ingested, again.duplicates) == (0, 9)
