"""The report's Sankey and top journeys from one table of journey variants
(``report/journey_variants.py``) give the very frames of ``analytics.flows`` and
``analytics.variants``: on hand-made journeys that hit each rule (repeats collapsed, tied times
ordered by source order and then event_id, a one-step journey, a journey longer than the Sankey,
unmapped events and events without a customer), on random journeys full of ties, within a date
range, and without a source order column. The whole report on real logs is compared in
``tests/test_tagged_once.py`` (OTTO sample) and ``tests/test_report_stage_funnel.py`` (trivago)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import ibis
import pandas as pd
import pytest

from recorrido import analytics
from recorrido.measured.scratch import Scratch
from recorrido.report import journey_variants
from recorrido.report.journey_variants import JourneyVariants, first_steps, top_journeys

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _table(rows: list[tuple], *, source_order: bool = True) -> ibis.Table:
    """Tagged events ``(event id, customer, minutes after T0, touchpoint, source order)``."""
    frame = pd.DataFrame(
        [
            {
                "event_id": event_id,
                "customer_id": customer,
                "timestamp": T0 + timedelta(minutes=minutes),
                "event": touchpoint or "other",
                "source_order": order,
                "touchpoint": touchpoint,
                "stage": touchpoint,
            }
            for event_id, customer, minutes, touchpoint, order in rows
        ]
    )
    if not source_order:
        frame = frame.drop(columns="source_order")
    return ibis.duckdb.connect().create_table("tagged", frame)


def _both(tagged, *, steps=4, top=8, start=None, end=None):
    """(report's Sankey, analytics.flows'), (report's top journeys, analytics.variants')."""
    span = {"start": start, "end": end}
    flows = analytics.flows(tagged, "touchpoint", steps=steps, include_end=True, **span)
    variants = analytics.variants(tagged, "touchpoint", top=top, **span)
    with Scratch() as scratch:
        table = JourneyVariants(tagged, span, scratch).get()
        assert table is not None, "fell back to the general functions"
        return (first_steps(table, steps), flows), (top_journeys(table, top), variants)


def _assert_same(pairs) -> None:
    for got, expected in pairs:
        assert not expected.empty
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


HAND_MADE = [
    # x: a run of two b's is one step; the tie at minute 5 is ordered by source order (c before
    # d although d's event_id sorts first).
    ("e01", "x", 0, "a", 1),
    ("e02", "x", 1, "b", 2),
    ("e03", "x", 2, "b", 3),
    ("e00", "x", 5, "d", 5),
    ("e04", "x", 5, "c", 4),
    # y: the same time and source order: event_id decides (y1 before y2); an unmapped event
    # between two b's does not split their run.
    ("y2", "y", 0, "b", 1),
    ("y1", "y", 0, "a", 1),
    ("y3", "y", 3, None, 2),
    ("y4", "y", 4, "b", 3),
    # z: one step only (a band to the end at step 1).
    ("z1", "z", 0, "a", 1),
    # w: longer than the Sankey (six steps, a - b repeated): its fifth step has no band.
    *[(f"w{i}", "w", i, "ab"[i % 2], i) for i in range(6)],
    # no customer: not counted anywhere.
    ("n1", None, 0, "a", 1),
]


def test_hand_made_journeys_give_the_general_frames():
    sankey, paths = _both(_table(HAND_MADE))
    _assert_same([sankey, paths])
    got = dict(zip(paths[0]["variant"], paths[0]["customers"], strict=True))
    assert got == {"a → b → c → d": 1, "a → b": 1, "a": 1, "a → b → a → b → a → b": 1}


def test_without_source_order_ties_go_by_event_id():
    _assert_same(_both(_table(HAND_MADE, source_order=False)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_journeys_full_of_ties(seed):
    rng = random.Random(seed)
    rows = []
    for index in range(1500):
        customer = f"c{rng.randrange(120)}"
        minutes = rng.randrange(0, 60 * 24 * 20, 60 * 12)  # few distinct times: many ties
        touchpoint = rng.choice(["a", "b", "c", "d", None])
        rows.append((f"e{rng.randrange(10**6):06d}_{index}", customer, minutes, touchpoint, 1))
    tagged = _table(rows)
    _assert_same([*_both(tagged, steps=3, top=5), *_both(tagged, start="2026-01-09")])
    _assert_same(_both(tagged, start="2026-01-07", end="2026-01-15", steps=5, top=20))


def test_nothing_in_the_dates_leaves_it_to_the_general_functions():
    tagged = _table(HAND_MADE)
    with Scratch() as scratch:
        assert JourneyVariants(tagged, {"start": "2027-01-01"}, scratch).get() is None


@pytest.mark.parametrize("buckets", [2, 5])
def test_customers_taken_in_buckets_give_the_same_frames(monkeypatch, buckets):
    # Large data is counted in buckets of customers (a list aggregate cannot spill): the summed
    # buckets are the same variants as one pass over everyone.
    rng = random.Random(buckets)
    rows = []
    for index in range(1500):
        customer = f"c{rng.randrange(150)}"
        minutes = rng.randrange(0, 60 * 24 * 20, 60 * 6)
        touchpoint = rng.choice(["a", "b", "c", None])
        rows.append((f"e{index:05d}", customer, minutes, touchpoint, 1))
    tagged = _table(rows)
    monkeypatch.setattr(journey_variants, "_buckets", lambda backend, events: buckets)
    _assert_same([*_both(tagged, steps=4, top=30), *_both(tagged, start="2026-01-09")])


def test_the_number_of_buckets_follows_the_memory_limit():
    con = ibis.duckdb.connect()
    con.raw_sql("SET memory_limit = '1GB'")  # shown as 953.6 MiB: 2.5 M events a bucket
    assert journey_variants._buckets(con, 2_000_000) == 1
    assert journey_variants._buckets(con, 10_000_000) == 5
    con.raw_sql("SET memory_limit = '100MB'")  # never under a million events a bucket
    assert journey_variants._buckets(con, 2_500_000) == 3
