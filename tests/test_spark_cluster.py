"""The analytics on a real Spark standalone cluster (a master and two workers, separate JVM
processes on loopback) give DuckDB's numbers exactly: measured map, funnels, paths, sessions,
retention, attribution's journeys, friction and the predictions' features (see
tests/spark_cluster.py for how it is run)."""

from __future__ import annotations

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido.analytics.backend import export_events
from tests.journey_generator import write as write_journeys
from tests.spark_cluster import CASES, run_driver, standalone_cluster

pytestmark = [pytest.mark.slow, pytest.mark.spark]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """DuckDB's results and the cluster's, on the same events."""
    pytest.importorskip("pyspark")
    folder = tmp_path_factory.mktemp("cluster")
    data = write_journeys(folder / "journeys.parquet", 200, seed=3)
    with Workspace.init(folder / "ws", language="en") as ws:
        ws.ingest(data)
        events = export_events(ws)  # the storage every worker reads
        duck = {name: case(ws.events) for name, case in CASES.items()}
    with standalone_cluster(folder) as cluster:
        assert all(process.poll() is None for process in cluster.processes)
        spark = run_driver(cluster.url, events, folder / "driver")
    # Stopped at the end: no JVM of the cluster is left behind.
    assert all(process.poll() is not None for process in cluster.processes)
    return duck, spark


def test_the_work_ran_on_two_executors(results):
    _, spark = results
    assert spark["__executors"] == 2


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_numbers_as_duckdb(results, case):
    duck, spark = results
    expected, got = duck[case], spark[case]
    if isinstance(expected, pd.DataFrame):
        assert len(expected) > 0
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True
        )
    else:
        assert got == expected
