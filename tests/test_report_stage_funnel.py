"""The report's stage funnel (shared chains, ``report/stage_funnel.py``) gives the very frame of
``analytics.funnel`` (one chain per entry event): on hand-made journeys that hit each rule of the
ordered funnel, on random journeys full of tied times and window cut-offs, and on the report of
100k real trivago actions (DuckDB; the report's charts from the raw events, each chart tagging
again, as the reference)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ibis
import pandas as pd
import pytest

from recorrido import Workspace, analytics
from recorrido.analytics.tagging import tag_events
from recorrido.journey import JourneyMap
from recorrido.measured.scratch import Scratch
from recorrido.report import build, charts_below
from recorrido.report.stage_funnel import stage_funnel

T0 = datetime(2026, 1, 5, tzinfo=UTC)
STAGES = ["a", "b", "c", "d"]


def _table(rows: list[tuple]) -> ibis.Table:
    """Tagged events ``(customer, minutes after T0, stage, source order)`` on DuckDB."""
    frame = pd.DataFrame(
        [
            {
                "event_id": f"e{index:05d}",
                "customer_id": customer,
                "timestamp": T0 + timedelta(minutes=minutes),
                "event": stage or "other",
                "source_order": order,
                "touchpoint": stage,
                "stage": stage,
            }
            for index, (customer, minutes, stage, order) in enumerate(rows)
        ]
    )
    con = ibis.duckdb.connect()
    return con.create_table("tagged", frame)


def _both(tagged, stages, window, start=None, end=None, *, shared=True):
    """(the report's frame, analytics.funnel's); ``shared``: the report's came from the shared
    chains, not from its fall-back to the general function."""
    expected = analytics.funnel(tagged, stages, window=window, level="stage", start=start, end=end)
    general = analytics.funnel
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return general(*args, **kwargs)

    analytics.funnel = counted
    try:
        with Scratch() as scratch:
            got = stage_funnel(tagged, stages, window=window, start=start, end=end, scratch=scratch)
    finally:
        analytics.funnel = general
    assert (not calls) == shared, "fell back to analytics.funnel" if shared else "did not"
    return got, expected


def test_hand_made_journeys_give_the_general_funnels_figures():
    rows = [
        # x: an early entry that only reaches c outside the window, a later one inside it
        # (same next b): the later entry is the best attempt.
        ("x", 0, "a", 1),
        ("x", 50, "a", 2),
        ("x", 55, "b", 3),
        ("x", 65, "c", 4),
        ("x", 70, "d", 5),
        # y: b at the entry's very time does not follow it; the next b does.
        ("y", 0, "a", 1),
        ("y", 0, "b", 2),
        ("y", 5, "b", 3),
        ("y", 6, "c", 4),
        # z: two entries at one time, told apart by source order; never reaches b.
        ("z", 3, "a", 2),
        ("z", 3, "a", 1),
        ("z", 9, "c", 3),
        # w: no entry at all (counts nowhere); v: entries after every b.
        ("w", 1, "b", 1),
        ("v", 10, "b", 1),
        ("v", 20, "a", 2),
        ("v", 21, "a", 3),
        # u: events without a stage sit in between.
        ("u", 0, "a", 1),
        ("u", 1, None, 2),
        ("u", 2, "b", 3),
        ("u", 3, None, 4),
        ("u", 4, "c", 5),
        ("u", 30, "d", 6),
    ]
    tagged = _table(rows)
    for window in ("20m", "1h", "30d"):
        got, expected = _both(tagged, STAGES, window)
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=window)
    reached = dict(zip(expected["step"], expected["customers"], strict=True))
    assert reached == {"a": 5, "b": 3, "c": 3, "d": 2}  # with 30 days
    got, expected = _both(tagged, ["a", "b"], "10m")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_journeys_with_ties_and_cut_offs(seed):
    rng = random.Random(seed)
    rows = []
    for customer in range(300):
        minutes = 0
        for order in range(rng.randint(1, 25)):
            minutes += rng.choice([0, 0, 1, 2, 5, 30, 200])  # many ties in time
            stage = rng.choice([*STAGES, "a", None])
            rows.append((f"c{customer}", minutes, stage, rng.choice([order, None])))
    tagged = _table(rows)
    for window in ("40m", "5h"):
        got, expected = _both(tagged, STAGES, window)
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=window)
    got, expected = _both(tagged, STAGES, "40m", start="2026-01-05", end="2026-01-05")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_nothing_to_count_raises_as_the_general_funnel_does():
    tagged = _table([("x", 0, "b", 1)])
    with pytest.raises(Exception) as general:
        analytics.funnel(tagged, STAGES, window="1h", level="stage", start="2030-01-01")
    with Scratch() as scratch, pytest.raises(type(general.value)) as mine:
        stage_funnel(tagged, STAGES, window="1h", start="2030-01-01", end=None, scratch=scratch)
    assert str(mine.value) == str(general.value)


def _charts_from_raw_events(measured, ws, journey) -> str:
    """The charts as each one computed them before: every chart from the tagging expression
    over the raw events, nothing kept (so the funnel is ``analytics.funnel`` itself)."""
    tagged = tag_events(ws.events, journey)
    names = {s.id: s.name for s in journey.stages} | {t.id: t.name for t in journey.touchpoints}
    stage_color = {s.id: build.PHASE_COLORS.get(s.phase) or "#64748b" for s in journey.stages}
    tp_color = {tp.id: stage_color[journey.stage_of(tp.id).id] for tp in journey.touchpoints}
    charts = charts_below.chart_list(
        measured,
        tagged,
        "en",
        names=names,
        stage_color=stage_color,
        tp_color=tp_color,
        options=measured.options or {},
        funnel_window="30d",
        sankey_steps=4,
        top_paths=8,
        retention_period="week",
    )
    return json.dumps(charts, sort_keys=True, default=str)


def test_report_on_real_trivago_actions_equals_the_per_chart_computation(tmp_path):
    from tests.conftest import SHARED_DATA
    from tests.test_analytics_figures import ingest_trivago

    if not SHARED_DATA.is_dir():
        pytest.skip("shared datasets not found")
    journey = JourneyMap.load(Path(__file__).parent / "files" / "trivago_map.yaml")
    with Workspace.init(tmp_path / "ws", language="en") as ws:
        ingest_trivago(ws, SHARED_DATA)
        measured = ws.measure(journey)
        context = build.build_context(measured, source=ws, lang="en")
        funnel = next(c for c in context["charts"] if c["id"] == "funnel")
        assert funnel["figure"] is not None, funnel
        report = json.dumps(context["charts"], sort_keys=True, default=str)
        assert report == _charts_from_raw_events(measured, ws, journey)
