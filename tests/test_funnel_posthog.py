"""Funnels as PostHog users know them (issue 16): an exclusion between an attempt's steps drops
the whole attempt, an exclusion at the same instant as a step counts as between them, and
``first_only`` means the first time ever, whatever the date range. The earlier exclusion rule
stays as ``exclusion_rule='cut'``."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido import analytics as A

RECORRIDO = str(Path(sys.executable).parent / "recorrido")
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)

#: customer -> [(minutes after T0, event)]
JOURNEYS = {
    # an exclusion between view and cart: the only attempt is dropped
    "between": [(0, "view"), (1, "refund"), (2, "cart"), (3, "buy")],
    # the exclusion at the very instant of the entry, and of the last step
    "tied_entry": [(0, "view"), (0, "refund"), (2, "cart"), (3, "buy")],
    "tied_last": [(0, "view"), (2, "cart"), (3, "buy"), (3, "refund")],
    # after the attempt finished: nothing changes
    "after_done": [(0, "view"), (2, "cart"), (3, "buy"), (9, "refund")],
    # the attempt stalls at cart; the refund comes after its 1 h window: it counts at cart
    "after_window": [(0, "view"), (2, "cart"), (90, "refund")],
    # the first attempt is dropped, the customer comes back and converts cleanly
    "again": [(0, "view"), (1, "refund"), (20, "view"), (21, "cart"), (22, "buy")],
    # clean
    "clean": [(0, "view"), (5, "cart")],
}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("posthog")
    rows = []
    for customer, events in JOURNEYS.items():
        for n, (minutes, event) in enumerate(events):
            rows.append(
                {
                    "event_id": f"{customer}-{n}",
                    "customer_id": customer,
                    "timestamp": T0 + timedelta(minutes=minutes),
                    "event": event,
                }
            )
    # first_only: a view in February, then one inside March that converts
    rows += [
        {
            "event_id": "old-0",
            "customer_id": "old",
            "timestamp": T0 - timedelta(days=20),
            "event": "view",
        },
        {"event_id": "old-1", "customer_id": "old", "timestamp": T0, "event": "view"},
        {
            "event_id": "old-2",
            "customer_id": "old",
            "timestamp": T0 + timedelta(minutes=1),
            "event": "cart",
        },
    ]
    data = root / "events.parquet"
    pd.DataFrame(rows).to_parquet(data, index=False)
    with Workspace.init(root / "ws", timezone="UTC", language="en") as opened:
        opened.ingest(data)
    with Workspace.open(root / "ws", read_only=True) as opened:
        yield opened


def reached(ws, steps, **options) -> dict[str, int]:
    """Each customer's furthest step, from their best attempt (customers at no step are absent):
    the attempts the funnel counts, read in one query."""
    from recorrido.analytics.funnels import _attempts, best_attempts

    _, _, attempts = _attempts(ws, steps, window="1h", **options)
    frame = best_attempts(attempts).select("customer_id", "reached").execute()
    return {str(c): int(r) for c, r in zip(frame.customer_id, frame.reached, strict=True)}


def test_an_exclusion_between_the_steps_drops_the_attempt(ws):
    got = reached(ws, ["view", "cart", "buy"], exclusions=["refund"])
    assert got == {
        "after_done": 3,
        "after_window": 2,
        "again": 3,  # its second, clean attempt
        "clean": 2,
        "old": 2,
    }
    # 'between', 'tied_entry' and 'tied_last' count at no step at all
    counts = A.funnel(ws, ["view", "cart", "buy"], window="1h", exclusions=["refund"])
    assert counts["customers"].tolist() == [5, 5, 2]


def test_the_earlier_rule_is_kept_as_cut(ws):
    got = reached(ws, ["view", "cart", "buy"], exclusions=["refund"], exclusion_rule="cut")
    # cut: the steps strictly before the first exclusion after the entry count
    assert got["between"] == 1
    assert got["tied_entry"] == 3  # an exclusion tied with the entry is not after it
    assert got["tied_last"] == 2  # but one tied with a step cuts that step off
    assert got["again"] == 3


def test_any_order_drops_too(ws):
    result = A.funnel(ws, ["view", "cart"], window="1h", kind="any", exclusions=["refund"])
    # dropped: between and tied_entry; tied_last's two steps end at minute 2, before its refund
    # at minute 3, so it counts; again converts on its second view.
    assert result["customers"].tolist()[-1] == 6


def test_first_only_means_the_first_time_ever(ws):
    march = {"start": "2024-03-01", "end": "2024-03-31"}
    every = reached(ws, ["view", "cart"], **march)
    first = reached(ws, ["view", "cart"], first_only=True, **march)
    assert every["old"] == 2
    # its first view ever was in February: inside March it has no first time, so no attempt
    assert "old" not in first
    assert first["clean"] == 2
    # without a range the first view is February's, which does not convert within 1 h
    assert reached(ws, ["view", "cart"], first_only=True)["old"] == 1


def test_cli_takes_the_rule_and_refuses_an_unknown_one(ws):
    folder = str(ws.folder)
    base = [RECORRIDO, "--lang", "en", "funnel", "--workspace", folder, "--steps", "view,cart"]
    base += ["--exclude", "refund", "--window", "1h"]
    done = subprocess.run([*base, "--exclusion-rule", "cut", "--json"], capture_output=True)
    assert done.returncode == 0, done.stderr
    bad = subprocess.run([*base, "--exclusion-rule", "sometimes"], capture_output=True, text=True)
    assert bad.returncode != 0
    assert "sometimes" in bad.stdout + bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("rule", ["drop", "cut"])
def test_the_window_finder_spark_uses_agrees(ws, rule, monkeypatch):
    """DuckDB finds next steps with ASOF joins, other engines (Spark) with windows: the window
    form, run here on DuckDB, gives the same attempts under both exclusion rules."""
    from recorrido.analytics import funnel_attempts

    steps, options = ["view", "cart", "buy"], {"exclusions": ["refund"], "exclusion_rule": rule}
    asof = reached(ws, steps, **options)
    monkeypatch.setattr(funnel_attempts, "engine_of", lambda table: "windows")
    assert reached(ws, steps, **options) == asof
