"""Paths built in the engine from a workspace's events, then attributed."""

from __future__ import annotations

import pandas as pd
import pytest

from recorrido.analytics.attribution import attribute_workspace, workspace_paths
from recorrido.errors import RecorridoError

# u1 converts twice: the second journey's window (30 days) leaves out the social touch of
# 2024-02-01 (44 days before). u2's two touches tie in time: the file's order decides (email,
# then search), not the event ids (e07 < e08; docs/event-order.md). u3 converts
# with no touch (counted, not attributed). u4 never converts: its window ends at its last touch,
# so the display touch of January (60 days earlier) is left out.
EVENTS = [
    ("e01", "u1", "2024-01-01T00:00:00Z", "view", "email", "", "spring"),
    ("e02", "u1", "2024-01-20T00:00:00Z", "view", "search", "", "brand"),
    ("e03", "u1", "2024-01-25T00:00:00Z", "purchase", "", "50", ""),
    ("e04", "u1", "2024-02-01T00:00:00Z", "view", "social", "", ""),
    ("e05", "u1", "2024-03-15T00:00:00Z", "view", "email", "", "retarget"),
    ("e06", "u1", "2024-03-16T00:00:00Z", "purchase", "", "30", ""),
    ("e08", "u2", "2024-01-05T00:00:00Z", "view", "email", "", ""),
    ("e07", "u2", "2024-01-05T00:00:00Z", "view", "search", "", ""),
    ("e09", "u3", "2024-01-10T00:00:00Z", "purchase", "", "20", ""),
    ("e10", "u4", "2024-01-01T00:00:00Z", "view", "display", "", ""),
    ("e11", "u4", "2024-03-01T00:00:00Z", "view", "display", "", ""),
]
COLUMNS = ["id", "customer_id", "timestamp", "event", "channel", "value", "utm_campaign"]


@pytest.fixture
def shop(workspace, tmp_path):
    file = tmp_path / "events.csv"
    pd.DataFrame(EVENTS, columns=COLUMNS).to_csv(file, index=False)
    report = workspace.ingest(file)
    assert report.ingested == len(EVENTS)
    return workspace


def as_dict(built):
    t = built.table
    return {
        p: (c, v, n) for p, c, v, n in zip(t.paths, t.conversions, t.value, t.nulls, strict=True)
    }


def test_paths_by_channel(shop):
    built = workspace_paths(shop, conversion="purchase", lookback="30d")
    assert as_dict(built) == {
        ("email", "search"): (1, 50, 1),
        ("email",): (1, 30, 0),
        ("display",): (0, 0, 1),
    }
    assert (built.unattributed_conversions, built.unattributed_value) == (1, 20)
    # A longer window reaches back to the social touch and u4's first display touch.
    longer = as_dict(workspace_paths(shop, conversion="purchase", lookback="60d"))
    assert longer[("social", "email")] == (1, 30, 0)
    assert longer[("display", "display")] == (0, 0, 1)


def test_paths_by_campaign(shop):
    built = workspace_paths(shop, by="campaign", lookback="30d")
    assert as_dict(built) == {("spring", "brand"): (1, 50, 0), ("retarget",): (1, 30, 0)}
    assert built.unattributed_conversions == 1


def test_attribute_workspace_conserves_all_conversions(shop):
    r = attribute_workspace(shop, lookback="30d")
    assert r.totals["conversions"] + r.totals["unattributed_conversions"] == 3
    assert r.totals["value"] + r.totals["unattributed_value"] == 100
    frame = r.table.set_index("channel")
    # Last touch: search earns the 50 of u1's first journey, email the 30 of the second.
    assert frame["last_touch_value"].to_dict() == {
        "display": 0,
        "email": 30,
        "search": 50,
    }
    assert r.settings["paths"] == {"by": "channel", "conversion": "purchase", "lookback": "30d"}


def test_workspace_errors(shop):
    with pytest.raises(RecorridoError) as exc:
        workspace_paths(shop, conversion="purchse")
    assert exc.value.key == "attribution_unknown_conversion"
    assert "`purchase`" in str(exc.value)
    with pytest.raises(RecorridoError) as exc:
        workspace_paths(shop, by="touchpoint")
    assert exc.value.key == "attribution_needs_map"
    with pytest.raises(RecorridoError) as exc:
        workspace_paths(shop, by="chanel")
    assert exc.value.key == "attribution_unknown_level"
    with pytest.raises(RecorridoError) as exc:
        workspace_paths(shop, lookback="soon")
    assert exc.value.key == "analytics_bad_duration"


def test_kaggle_touchpoints(workspace, shared_data):
    file = shared_data / "mta_touchpoints_kaggle_subset" / "attribution_data.csv"
    workspace.ingest(
        file,
        columns={
            "timestamp": "time",
            "event": "interaction",
            "value": "conversion_value",
            "channel": "channel",
        },
    )
    r = attribute_workspace(workspace, conversion="conversion", lookback="31d")
    totals = r.totals
    # 1,838 conversion rows worth 11,423.5: every one is attributed or counted as unattributed.
    assert totals["conversions"] + totals["unattributed_conversions"] == 1838
    assert totals["value"] + totals["unattributed_value"] == pytest.approx(11423.5)
    assert set(r.table["channel"]) == {
        "Facebook",
        "Instagram",
        "Online Display",
        "Online Video",
        "Paid Search",
    }
    sums = r.table.drop(columns="channel").sum()
    for model in r.models:
        assert sums[model] == pytest.approx(totals["conversions"])


@pytest.mark.spark
def test_spark_builds_the_same_paths(shop, spark_backend):
    frame = shop.events.execute()
    events = spark_backend.create_table("attribution_events", frame, overwrite=True)
    duck = as_dict(workspace_paths(shop, lookback="30d"))
    spark = as_dict(workspace_paths(events, lookback="30d"))
    assert spark == duck
