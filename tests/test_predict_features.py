"""Customer features at a cutoff: exact values, no leakage from after it, same on Spark."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from recorrido.predict.features import FeatureSpec, customer_features, most_common_events
from recorrido.predict.labels import Target, labels
from recorrido.workspace import Workspace

MAP = Path(__file__).parent / "files" / "generated_shop_map.yaml"
CUTOFF = datetime(2024, 1, 5, tzinfo=UTC)

BEFORE = """event_id,customer_id,timestamp,event,channel,value
e1,c1,2024-01-01T12:00:00Z,view,web,
e2,c1,2024-01-03T00:00:00Z,search,web,
e3,c1,2024-01-04T00:00:00Z,cart,app,
e4,c1,2024-01-04T12:00:00Z,view,app,
e5,c2,2024-01-02T00:00:00Z,view,web,
e6,c2,2024-01-02T06:00:00Z,buy,web,30
e7,c3,2023-11-01T00:00:00Z,view,email,
"""
# What happens from the cutoff on: c2 buys exactly at the cutoff, c3 comes back and buys big.
AFTER = """event_id,customer_id,timestamp,event,channel,value
a1,c2,2024-01-05T00:00:00Z,buy,web,999
a2,c3,2024-01-05T00:00:01Z,cart,app,
a3,c3,2024-01-06T00:00:00Z,buy,app,5000
a4,c4,2024-01-07T00:00:00Z,buy,app,10
"""

SPEC = FeatureSpec(events=("view", "buy", "cart"), journey_map=str(MAP), recent=2)


@pytest.fixture
def shop(tmp_path) -> Workspace:
    source = tmp_path / "before.csv"
    source.write_text(BEFORE)
    workspace = Workspace.init(tmp_path / "ws")
    workspace.ingest(source)
    yield workspace
    workspace.close()


def features_at(workspace: Workspace, cutoff=CUTOFF, spec=SPEC) -> pd.DataFrame:
    table = customer_features(workspace.events, cutoff, spec).execute()
    return table.sort_values("customer_id").set_index("customer_id")


def test_features_have_the_values_worked_out_by_hand(shop):
    f = features_at(shop)
    assert list(f.index) == ["c1", "c2", "c3"]
    c1, c2, c3 = f.loc["c1"], f.loc["c2"], f.loc["c3"]
    assert c1.recency_days == pytest.approx(0.5)
    assert c1.tenure_days == pytest.approx(3.5)
    assert (c1.events, c1.active_days, c1.distinct_events, c1.distinct_channels) == (4, 3, 3, 2)
    assert (c1.count_0, c1.count_1, c1.count_2) == (2, 0, 1)
    # The last two events of c1 are cart then view.
    assert (c1.recent_0, c1.recent_1, c1.recent_2) == (1, 0, 1)
    assert (c1.stage_reached, c1.days_in_stage) == (1, pytest.approx(1.0))
    assert (c2.value_total, c2.value_max, c2.count_1) == (30.0, 30.0, 1)
    assert (c2.events_7d, c2.events_30d) == (2, 2)
    assert (c3.events_7d, c3.events_30d, c3.stage_reached) == (0, 0, 0)
    assert c3.recency_days == pytest.approx(65.0)


def test_events_at_or_after_the_cutoff_change_nothing(shop, tmp_path):
    before = features_at(shop)
    later = tmp_path / "after.csv"
    later.write_text(AFTER)
    assert shop.ingest(later).files[0].ingested == 4
    after = features_at(shop)
    pd.testing.assert_frame_equal(before, after)
    # ...while the labels, which read only the window after the cutoff, do see them.
    hits = labels(shop.events, CUTOFF, Target(kind="convert", horizon_days=1, event="buy"))
    assert sorted(hits.execute().customer_id) == ["c2"]
    week = labels(shop.events, CUTOFF, Target(kind="convert", horizon_days=7, event="buy"))
    assert sorted(week.execute().customer_id) == ["c2", "c3", "c4"]
    goal = Target(kind="convert", horizon_days=1, journey_map=str(MAP))  # the map's goal: pay
    assert sorted(labels(shop.events, CUTOFF, goal).execute().customer_id) == ["c2"]
    active = labels(shop.events, CUTOFF, Target(kind="churn", horizon_days=7))
    assert sorted(active.execute().customer_id) == ["c2", "c3", "c4"]


def test_lookback_and_most_common_events(shop):
    short = FeatureSpec(events=("view",), recent=0, lookback_days=30)
    f = features_at(shop, spec=short)
    assert list(f.index) == ["c1", "c2"]  # c3's only event is 65 days old
    assert list(f.columns) == short.names()
    assert most_common_events(shop.events, CUTOFF, limit=2) == ("view", "buy")


@pytest.mark.spark
@pytest.mark.slow
def test_spark_features_equal_duckdb_features(shop, spark_backend):
    # Properties (JSON) stay behind: no feature reads them, and Spark cannot store an empty one.
    events = shop.events.drop("properties").execute()
    table = spark_backend.create_table("predict_parity_events", events, overwrite=True)
    on_spark = customer_features(table, CUTOFF, SPEC).execute()
    on_spark = on_spark.sort_values("customer_id").set_index("customer_id")
    on_duckdb = features_at(shop)
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_dtype=False)
    # Labels too, and so the training rows and a seeded model's scores.
    from recorrido.predict.propensity import dataset, make_estimator

    spec = FeatureSpec(**{**SPEC.__dict__, "columns": tuple(SPEC.names())})
    target = Target(kind="churn", horizon_days=2)
    cutoffs = [datetime(2024, 1, 3, tzinfo=UTC), CUTOFF]
    rows_duckdb = dataset(shop.events, cutoffs, spec, target)
    rows_spark = dataset(table, cutoffs, spec, target)
    pd.testing.assert_frame_equal(rows_duckdb, rows_spark, check_dtype=False)
    columns = list(spec.columns)
    fitted = [
        make_estimator("logistic", 0).fit(rows[columns], rows.label)
        for rows in (rows_duckdb, rows_spark)
    ]
    scores = [model.predict_proba(rows_duckdb[columns])[:, 1] for model in fitted]
    assert scores[0].tolist() == scores[1].tolist()
