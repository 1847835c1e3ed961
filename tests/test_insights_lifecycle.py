"""Issue 24: a work item's lifecycle transitions (SCHEDULE / START / COMPLETE, as in BPI 2012)
are one step for the detectors, not a loop, a wait between steps or a trailing "went quiet"."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from recorrido import Workspace
from recorrido.analytics.sequence import epoch_micros, events_of
from recorrido.insights import lifecycle
from recorrido.insights.findings import FrictionOptions, friction

START = datetime(2012, 1, 2, 9, tzinfo=UTC)
WORK = "W_Completeren aanvraag"
CHECK = "W_Valideren aanvraag"


def _case(i: int) -> list[tuple[str, str, float]]:
    """(event, transition, hours after the case's start). Every case's work item is scheduled
    once and worked on in two or three sittings; one case in three is declined, and then the
    work item is closed after the decision (as in BPI 2012); one in four is validated twice
    (two scheduled work items: a real repeat)."""
    sittings = 2 + i % 2
    rows = [("A_SUBMITTED", "COMPLETE", 0.0), ("O_SENT", "COMPLETE", 0.05), (WORK, "SCHEDULE", 0.1)]
    hour = 2.0 + (i % 5)
    for _ in range(sittings):
        rows += [(WORK, "START", hour), (WORK, "COMPLETE", hour + 0.5)]
        hour += 20.0
    if i % 4 == 0:
        for offset in (1.0, 10.0):
            rows += [(CHECK, "SCHEDULE", hour + offset), (CHECK, "START", hour + offset + 1)]
            rows += [(CHECK, "COMPLETE", hour + offset + 2)]
        hour += 15.0
    if i % 3 == 0:
        rows += [("A_DECLINED", "COMPLETE", hour), (WORK, "COMPLETE", hour + 0.2)]
    else:
        rows += [(WORK, "COMPLETE", hour), ("A_APPROVED", "COMPLETE", hour + 0.2)]
        rows.append(("A_ACTIVATED", "COMPLETE", hour + 30))
    return rows


def _xes(path: Path, cases: int) -> None:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<log>"]
    for i in range(cases):
        began = START + timedelta(hours=7 * i)
        out.append(f'<trace><string key="concept:name" value="{100000 + i}"/>')
        for event, transition, hours in _case(i):
            at = (began + timedelta(hours=hours)).isoformat()
            out.append(
                f'<event><string key="concept:name" value="{event}"/>'
                f'<string key="lifecycle:transition" value="{transition}"/>'
                f'<date key="time:timestamp" value="{at}"/></event>'
            )
        out.append("</trace>")
    out.append("</log>")
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(out))


@pytest.fixture(scope="module")
def bpi_like(tmp_path_factory):
    root = tmp_path_factory.mktemp("lifecycle")
    _xes(root / "loans.xes.gz", 120)
    ws = Workspace.init(root / "ws", timezone="UTC", language="en")
    ws.ingest(root / "loans.xes.gz")
    yield ws
    ws.close()


def test_one_work_item_is_one_step(bpi_like):
    events = events_of(bpi_like)
    events = events.mutate(us=epoch_micros(events))
    assert lifecycle.has_lifecycle(events)
    steps = lifecycle.collapse(events)
    counts = dict(steps.group_by("event").aggregate(n=steps.count()).execute().values.tolist())
    # 120 cases: one work item each (not 6-8 events); validation twice in 30 cases.
    assert counts[WORK] == 120
    assert counts[CHECK] == 60
    assert counts["A_SUBMITTED"] == 120  # complete-only activities unchanged
    # The step is the work item's first event: it comes before the decision, also where the
    # work item was closed after it.
    frame = steps.select("customer_id", "event", "us").execute()
    work = frame[frame.event == WORK].set_index("customer_id").us
    declined = frame[frame.event == "A_DECLINED"].set_index("customer_id").us
    assert len(declined) == 40 and (work[declined.index] < declined).all()
    inst = lifecycle.instances(events).execute()
    work = inst[inst.event == WORK]
    assert len(work) == 120 and set(work.transitions) == {6, 8}
    # Waiting to be picked up: SCHEDULE at 0.1 h, first START at 2-6 h.
    hours = work.queue_us / 3.6e9
    assert hours.between(1.8, 6.0).all()
    assert (work.own_us > work.queue_us).all()


def test_no_lifecycle_no_change(tmp_path):
    ws = Workspace.init(tmp_path / "ws", timezone="UTC", language="en")
    try:
        csv = tmp_path / "e.csv"
        csv.write_text(
            "customer_id,event,timestamp\n"
            "a,view,2024-01-01T10:00:00Z\na,view,2024-01-01T10:01:00Z\n"
            "a,buy,2024-01-01T10:02:00Z\n",
            encoding="utf-8",
        )
        ws.ingest(csv)
        events = events_of(ws)
        assert not lifecycle.has_lifecycle(events)
        assert lifecycle.collapse(events) is events
    finally:
        ws.close()


def _tp(event: str) -> dict:
    return {"id": event.lower().replace(" ", "-"), "name": event, "match": {"event": event}}


def _map():
    from recorrido.journey import JourneyMap

    stages = [
        ("start", "before", ["A_SUBMITTED"]),
        ("progress", "before", ["O_SENT", WORK, CHECK]),
        ("outcome", "during", ["A_APPROVED", "A_DECLINED"]),
        ("after", "after", ["A_ACTIVATED"]),
    ]
    return JourneyMap.model_validate(
        {
            "version": 1,
            "name": "loans",
            "stages": [
                {"id": sid, "name": sid, "phase": phase, "touchpoints": [_tp(e) for e in events]}
                for sid, phase, events in stages
            ],
            "goal": {"touchpoint": "a_approved"},
        }
    )


def test_friction_reads_work_items_as_steps(bpi_like):
    journey = _map()
    found = friction(bpi_like, journey, options=FrictionOptions(kinds=("loop", "abandonment")))
    for f in found.findings:
        text = f.sentence("en")
        # Without the collapse the work item's 6-8 events read as a loop, and its trailing
        # COMPLETE as "went quiet after" it.
        assert WORK not in text, text
