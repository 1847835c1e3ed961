"""Issue 24: changes over time compare like with like. A rate that moves only because the mix of
customers moved (more app customers, who always did it more) is no incident; a rate that moves
inside a segment is (docs: recorrido.insights.change_segments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from recorrido import Workspace
from recorrido.insights.findings import FrictionOptions, friction
from recorrido.journey import JourneyMap

START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 140
PER_DAY = 25
WINDOW = range(56, 84)  # weeks 9-12


def _log(path, *, mix_shift: bool, web_rise: bool, seed: int, ios_rise: bool = False) -> None:
    """One visit per customer; ``help_view`` by 40 % of app and 10 % of web customers. With
    ``mix_shift`` the app share goes from 20 % to 60 % in WINDOW (rates inside each channel
    unchanged); with ``web_rise`` web customers' rate triples in WINDOW (mix unchanged); with
    ``ios_rise`` the rate of the 10 % of web customers on the ``ios`` platform goes to 60 %
    (overall only 1.4x: found by the platform's own series)."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in range(DAYS):
        inside = day in WINDOW
        app_share = 0.6 if (mix_shift and inside) else 0.2
        for i in range(PER_DAY):
            cid = f"d{day}-{i}"
            channel = "app" if rng.random() < app_share else "web"
            rate = 0.4 if channel == "app" else (0.3 if (web_rise and inside) else 0.1)
            platform = "ios" if rng.random() < 0.1 else "other"
            if ios_rise and inside and platform == "ios":
                rate = 0.6
            at = START + timedelta(days=day, minutes=10 + i)
            rows.append((cid, "visit", at, channel, platform))
            if rng.random() < rate:
                rows.append((cid, "help_view", at + timedelta(minutes=1), channel, platform))
            if rng.random() < 0.3:
                rows.append((cid, "buy", at + timedelta(minutes=2), channel, platform))
    columns = ["customer_id", "event", "timestamp", "channel", "platform"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["timestamp"] = frame.timestamp.map(lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    frame.to_csv(path, index=False)


def _map() -> JourneyMap:
    tps = [("visit", "visit"), ("help", "help_view"), ("buy", "buy")]
    return JourneyMap.model_validate(
        {
            "version": 1,
            "name": "mix",
            "stages": [
                {
                    "id": f"s-{tid}",
                    "name": tid,
                    "phase": "during" if tid == "buy" else "before",
                    "touchpoints": [{"id": tid, "name": tid, "match": {"event": event}}],
                }
                for tid, event in tps
            ],
            "goal": {"touchpoint": "buy"},
        }
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("mix")
    found = {}
    cases = (("mix", True, False, False), ("inside", False, True, False))
    cases += (("ios", False, False, True),)
    for name, mix_shift, web_rise, ios_rise in cases:
        _log(
            root / f"{name}.csv", mix_shift=mix_shift, web_rise=web_rise, seed=7, ios_rise=ios_rise
        )
        ws = Workspace.init(root / name, timezone="UTC", language="en")
        try:
            ws.ingest(root / f"{name}.csv")
            report = friction(ws, _map(), options=FrictionOptions(kinds=("change",)))
        finally:
            ws.close()
        found[name] = [p for f in report.findings for p in [f, *f.parts]]
    return found


def _help(findings):
    return [f for f in findings if f.where.get("event") == "help_view"]


def test_a_pure_mix_shift_is_no_change(runs):
    # Overall the help rate goes from 16 % to 28 % in the window (1.75x), all of it the mix.
    assert _help(runs["mix"]) == []


def test_a_change_inside_a_segment_is_found(runs):
    helps = _help(runs["inside"])
    assert helps, [f.sentence("en") for f in runs["inside"]]
    best = helps[0]
    assert best.effect > 0
    assert best.start is not None and best.end is not None
    first = START.date() + timedelta(days=WINDOW.start)
    last = START.date() + timedelta(days=WINDOW.stop - 1)
    assert abs((pd.Timestamp(best.start).date() - first).days) <= 7
    assert abs((pd.Timestamp(best.end).date() - last).days) <= 7


def test_platform_has_its_own_series_by_default(runs):
    # No --segment-by: the platform property is cut by default; the overall rate moves 1.4x
    # only (not a change), the ios series 6x.
    helps = _help(runs["ios"])
    assert helps, [f.sentence("en") for f in runs["ios"]]
    assert helps[0].where.get("segment") == {"dimension": "platform", "value": "ios"}
    assert all(f.where.get("segment") for f in helps)
