"""Issue 24: ``map discover`` without ``--goal`` never takes a failure (nor the rarest event) as
the goal: a conversion, else a completion, else the commonest ending (docs in goal_choice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import pandas as pd
import pytest

from recorrido.analytics.sequence import epoch_micros
from recorrido.insights.discovery import discover
from recorrido.insights.goal_choice import choose


def _events(journeys: list[list[str]]) -> ibis.Table:
    rows, start = [], datetime(2013, 1, 1, tzinfo=UTC)
    for c, names in enumerate(journeys):
        for i, name in enumerate(names):
            at = start + timedelta(hours=c, minutes=i)
            rows.append(
                {
                    "customer_id": f"c{c}",
                    "event": name,
                    "timestamp": at,
                    "event_id": f"{c}-{i}",
                    "channel": "web",
                }
            )
    # A real DuckDB table (in memory), as a workspace's events are read.
    return ibis.duckdb.connect().create_table("events", pd.DataFrame(rows))


def test_incidents_log_takes_the_completion_not_the_rarest_event():
    # Shaped like BPI 2013's incidents: Queued / Accepted / Completed, and a rare Unmatched.
    journeys = [["Accepted", "Queued", "Accepted", "Completed"]] * 40 + [
        ["Accepted", "Unmatched"]
    ] * 2
    journeys += [["Accepted", "Queued", "Accepted"]] * 5
    assert discover(_events(journeys), lang="en").goal.touchpoint == "completed"


def test_a_failure_is_never_the_goal_even_when_it_ends_most_journeys():
    # No conversion or completion word: the commonest ending is the failure, then 'step_b'.
    journeys = [["step_a", "payment_failed"]] * 30 + [["step_a", "step_b"]] * 20
    journeys += [["step_a", "cancelled_by_user"]] * 25
    events = _events(journeys)
    goal = discover(events, lang="en").goal.touchpoint
    assert goal == "step_b"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Take in charge ticket", "Resolve ticket", "Closed", "Insert ticket"], "Resolve ticket"),
        (["vista", "pago_fallido", "pago"], "pago"),
        (["A_SUBMITTED", "A_DECLINED", "A_APPROVED"], "A_APPROVED"),
    ],
)
def test_words_before_endings(names, expected):
    from recorrido.insights.discovery import GOAL_WORDS

    events = _events([names])
    assert choose(events.mutate(us=epoch_micros(events)), names, GOAL_WORDS) == expected
