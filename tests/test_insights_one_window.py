"""On DuckDB the copy friction keeps of the tagged, ordered events is made in one window over
each customer's events (``journeys._kept_copy``: the tagged events' neighbours are the nearest
tagged ones, ``tn`` their running count), and it holds each event's previous event for the
collapse of repeats. Its events, tagged events and previous events must be what the two
windows of the plain expressions give, ties in time and untagged events between the tagged
ones included."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from recorrido.insights.journeys import prepare, seq_order
from recorrido.journey import JourneyMap
from recorrido.measured.scratch import Scratch
from tests import journey_generator as gen

SHOP = JourneyMap.loads(gen.SHOP_MAP)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    ws = gen.workspace(tmp_path_factory.mktemp("one_window"), 600, planted=True)
    yield ws
    ws.close()


def _frame(table) -> pd.DataFrame:
    return table.execute().sort_values(["customer_id", "seq"]).reset_index(drop=True)


def _same(kept, plain) -> None:
    for name in ("events", "tagged"):
        mine, theirs = _frame(getattr(kept, name)), _frame(getattr(plain, name))
        assert list(mine.columns) == list(theirs.columns), name
        pd.testing.assert_frame_equal(mine, theirs, obj=name)
    e = plain.events
    lagged = e.mutate(prev_event=e.event.lag().over(seq_order(e)))
    pd.testing.assert_frame_equal(_frame(kept.with_prev), _frame(lagged), obj="with_prev")


def test_the_one_window_copy_is_the_two_windows(planted):
    with Scratch() as scratch:
        kept = prepare(planted, SHOP, scratch=scratch)
        plain = prepare(planted, SHOP)
        assert plain.with_prev is None
        _same(kept, plain)


def test_ties_and_untagged_events_between(tmp_path):
    """Events at one instant are ordered by their place in the source (none: last), then by
    id; untagged events (a name the map does not match, no name) sit between tagged ones."""
    at = pd.Timestamp("2024-03-01 10:00", tz="UTC")
    later = at + pd.Timedelta(minutes=5)
    rows = [
        # customer, event id, time, source order, event
        ("a", "e3", at, None, "product_view"),
        ("a", "e2", at, 7, "unmatched"),
        ("a", "e1", at, 7, "product_view"),
        ("a", "e0", later, None, "add_to_cart"),
        ("a", "e4", later, 1, None),
        ("a", "e5", later, 2, "add_to_cart"),
        ("b", "f1", at, None, "unmatched"),
        ("b", "f2", later, None, "unmatched"),
        ("c", "g1", at, 3, "order_completed"),
    ]
    frame = pd.DataFrame(
        rows, columns=["customer_id", "event_id", "timestamp", "source_order", "event"]
    )
    frame["source_order"] = frame["source_order"].astype("Int64")
    frame["channel"] = "web"
    frame["properties"] = None
    con = ibis.duckdb.connect()
    events = con.create_table("events", frame.astype({"properties": "string"}))
    with Scratch() as scratch:
        kept = prepare(events, SHOP, need_goal=False, scratch=scratch)
        plain = prepare(events, SHOP, need_goal=False)
        _same(kept, plain)
        tagged = _frame(kept.tagged)
    assert tagged.touchpoint.notna().all() and len(tagged) >= 4
