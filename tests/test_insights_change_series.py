"""Issue 24: two series of the changes scan beyond one event's rate. **Trouble**: several error
and support events rising together, each too few to stand out alone. **Reach the goal after it**:
the customers who first applied in a period reaching the goal less often, with no event of
their own rising. Each with a clean twin that must stay quiet."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido.insights.change_series import bin_width
from recorrido.insights.discovery import discover
from recorrido.insights.findings import friction

START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
DAYS = 182
INCIDENT = (70, 90)  # days from START, inclusive: three weeks
TROUBLE = ("login_error", "payment_error", "support_call")


def _write(path, rows) -> None:
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "event", "channel"])
    frame.to_parquet(path)


def _arrivals(rng: random.Random, customers: int, planted: bool):
    """``(customer id, when, in the incident)`` of each customer, on a random day."""
    for i in range(customers):
        day = rng.randrange(DAYS)
        at = START + timedelta(days=day, hours=rng.uniform(8, 20))
        yield f"c{i}", at, planted and INCIDENT[0] <= day <= INCIDENT[1]


def _shop(path, *, planted: bool, seed: int = 7, customers: int = 1200) -> None:
    """One visit per customer on a random day; each trouble event at 3 % (9 % during the
    incident, when planted); purchases at 40 % whatever happens."""
    rng, rows = random.Random(seed), []
    for cid, at, during in _arrivals(rng, customers, planted):
        rows.append((cid, at, "visit", "web"))
        for k, name in enumerate(TROUBLE):
            if rng.random() < (0.09 if during else 0.03):
                rows.append((cid, at + timedelta(minutes=1 + k), name, "web"))
        if rng.random() < 0.4:
            rows.append((cid, at + timedelta(minutes=10), "purchase", "web"))
    _write(path, rows)


def _loans(path, *, planted: bool, seed: int = 11, customers: int = 1500) -> None:
    """Each customer applies once and signs 1–5 days later with probability 0.5; those who
    apply during the incident sign with probability 0.15 (when planted). Nothing else moves."""
    rng, rows = random.Random(seed), []
    for cid, at, during in _arrivals(rng, customers, planted):
        rows.append((cid, at - timedelta(minutes=5), "visit", "web"))
        rows.append((cid, at, "apply", "web"))
        if rng.random() < (0.15 if during else 0.5):
            rows.append((cid, at + timedelta(days=rng.uniform(1, 5)), "signed", "web"))
    _write(path, rows)


def _changes(tmp_path, write, goal: str, planted: bool, kind: str) -> tuple[list, list]:
    """The change findings (parts included) of friction on a new workspace of ``write``'s data,
    and those of them whose ``where`` has ``kind``."""
    path = tmp_path / "events.parquet"
    write(path, planted=planted)
    with Workspace.init(tmp_path / "ws", timezone="UTC", language="en") as ws:
        ws.ingest(path)
        findings = friction(ws, discover(ws, goal=goal)).findings
    found = [g for f in findings for g in (f, *f.parts) if g.kind == "change"]
    return found, [g for g in found if g.where.get(kind)]


def _in_incident(finding) -> bool:
    first = START.date() + timedelta(days=INCIDENT[0])
    last = START.date() + timedelta(days=INCIDENT[1])
    return bool(finding.start) and (
        date.fromisoformat(finding.start) <= last and first <= date.fromisoformat(finding.end)
    )


def test_a_week_bin_needs_few_customers_a_day_needs_many():
    # Three customers a day: weekly bins (a three-week incident stays three bins), not four-week.
    assert bin_width([3] * 182, 182) == 7
    assert bin_width([30] * 182, 182) == 7
    assert bin_width([60] * 182, 182) == 1


@pytest.mark.parametrize("planted", [True, False], ids=["planted", "clean"])
def test_errors_and_support_rising_together_are_one_trouble_change(tmp_path, planted):
    found, trouble = _changes(tmp_path, _shop, "purchase", planted, "trouble")
    if not planted:
        assert found == []
        return
    assert trouble, [f.sentence("en") for f in found]
    hit = trouble[0]
    assert _in_incident(hit) and hit.effect > 0
    named = set(hit.where["events"])
    assert len(named) >= 2 and named <= set(TROUBLE)
    assert " / ".join(hit.where["events"]) in hit.sentence("en")
    assert "subió" in hit.sentence("es")


@pytest.mark.parametrize("planted", [True, False], ids=["planted", "clean"])
def test_a_cohort_reaching_the_goal_less_often_is_a_change(tmp_path, planted):
    found, cohort = _changes(tmp_path, _loans, "signed", planted, "goal_after")
    if not planted:
        # recent applicants who have not had time to sign are no drop either
        assert cohort == [], [f.sentence("en") for f in cohort]
        return
    assert cohort, [f.sentence("en") for f in found]
    hit = next(f for f in cohort if f.where["goal_after"] == "apply")
    assert _in_incident(hit) and hit.effect < 0
    assert hit.where["during"] < 0.3 < hit.where["before"]
    assert "went on to reach the goal" in hit.sentence("en")
    assert "llegó después al objetivo" in hit.sentence("es")
