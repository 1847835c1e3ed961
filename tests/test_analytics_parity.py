"""Backend parity: the same analytics on DuckDB and on a local Spark session give identical
numbers, on real data (trivago, OTTO) and on the hand-made edge cases (ties, one-event customers,
events before the first step, exclusions)."""

from __future__ import annotations

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido import analytics as A
from recorrido.analytics.backend import events_table, export_events
from recorrido.analytics.funnel_people import dropoff_paths, funnel_customers
from recorrido.demo import bundled
from tests.test_analytics_figures import EDGE_CSV, ingest_trivago

pytestmark = pytest.mark.spark

TRIVAGO = ["search for destination", "interaction item image", "clickout item"]


@pytest.fixture(scope="module")
def engines(tmp_path_factory, spark_backend):
    from tests.conftest import SHARED_DATA as shared_data

    if not shared_data.is_dir():
        pytest.skip("shared datasets not found")
    folder = tmp_path_factory.mktemp("parity")
    (folder / "edge.csv").write_text(EDGE_CSV, encoding="utf-8")
    with Workspace.init(folder / "ws", language="en") as ws:
        ingest_trivago(ws, shared_data)
        with bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
            ws.ingest(data, mapping=mapping)
        ws.ingest(folder / "edge.csv")
        path = export_events(ws)
        yield ws.events, spark_backend.read_parquet(str(path)), ws


def same(call):
    """Run ``call`` on both engines and require identical frames (exact floats included)."""

    def run(engines):
        duck, spark, _ = engines
        expected = call(duck)
        got = call(spark)
        assert len(expected) > 0
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True
        )
        return expected

    return run


CASES = {
    "dfg": lambda t: A.transitions(t),
    "dfg_collapsed": lambda t: A.transitions(t, collapse_repeats=True, start="2018-11-08"),
    "flows": lambda t: A.flows(t, start_at="search for destination", steps=4),
    "flows_to": lambda t: A.flows(t, end_at="clickout item", steps=3),
    "variants": lambda t: A.variants(t, top=15, max_steps=4),
    "ordered": lambda t: A.funnel(t, TRIVAGO, window="1h", exclusions=["change of sort order"]),
    "strict": lambda t: A.funnel(t, TRIVAGO, window="1d", kind="strict"),
    "any": lambda t: A.funnel(
        t,
        ["search for destination", "filter selection", "clickout item"],
        window="2h",
        kind="any",
        exclusions=["search for poi"],
    ),
    "breakdown": lambda t: A.funnel(t, TRIVAGO, window="1d", breakdown="platform"),
    "edge_funnel": lambda t: A.funnel(
        t, ["view", "cart", "buy"], window="7d", breakdown="plan", exclusions=["refund"]
    ),
    "flows_window_end": lambda t: A.flows(
        t, start_at="search for destination", steps=4, window="10m", include_end=True
    ),
    "step_matrix": lambda t: A.step_matrix(t, start_at="search for destination", steps=5),
    "step_windows_optional": lambda t: A.funnel(
        t,
        [*TRIVAGO[:2], "filter selection", TRIVAGO[2]],
        window="1d",
        step_windows=[None, "10m", None, "1h"],
        optional=[3],
    ),
    "mid_entry": lambda t: A.funnel(t, TRIVAGO, window="1d", mid_entry=True),
    "attempts": lambda t: A.funnel(t, TRIVAGO, window="1d", count="attempts"),
    "strict_first_collapsed": lambda t: A.funnel(
        t, TRIVAGO, window="1d", kind="strict", first_only=True, collapse_repeats=True
    ),
    "dropped": lambda t: funnel_customers(t, TRIVAGO, step=2, dropped=True, window="1d"),
    "dropoff_paths": lambda t: dropoff_paths(t, TRIVAGO, after_step=2, window="1d"),
    "sessions": lambda t: A.sessions(t, "30m", by="day"),
    "retention": lambda t: A.retention(t, "week", return_event="orders"),
    "retention_month": lambda t: A.retention(t, "month"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_numbers_on_duckdb_and_spark(engines, case):
    same(CASES[case])(engines)


def test_errors_are_the_same_on_spark(engines):
    from recorrido import RecorridoError

    _, spark, _ = engines
    with pytest.raises(RecorridoError, match="`clickout item`"):
        A.funnel(spark, ["search for destination", "clickout"])
    with pytest.raises(RecorridoError) as info:
        A.funnel(spark, TRIVAGO, breakdown="platfrom")
    assert "`platform`" in str(info.value)


def test_export_is_refreshed_only_when_the_ingest_log_changes(engines, spark_backend, tmp_path):
    _, _, ws = engines
    path = export_events(ws)
    stamp = path.stat().st_mtime_ns
    assert export_events(ws).stat().st_mtime_ns == stamp
    extra = tmp_path / "more.csv"
    extra.write_text("customer_id,timestamp,event\nnew,2024-02-01T00:00:00Z,view\n")
    ws.ingest(extra)
    assert export_events(ws).stat().st_mtime_ns != stamp
    table = events_table(ws, "pyspark", session=spark_backend._session)
    assert int(table.count().execute()) == int(ws.events.count().execute())
