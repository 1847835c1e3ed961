"""``map discover`` on a process that is not a purchase: a slice of the real BPI Challenge 2012 loan
log (``/work/shared/data/bpi2012_loan_application``). Touchpoints are named from their events
(not the one-letter prefixes A, W, O), outcomes that end an application (declined, cancelled)
sit with the goal, not in the first stage, stages follow when things happen, and stage and phase
names fit a loan."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido.insights.discovery import discover, looks_like_purchase
from recorrido.report.build import build_context

BPI = Path("/work/shared/data/bpi2012_loan_application/bpic2012.xes.gz")
CASES = 600


def read_cases(path: Path, cases: int) -> pd.DataFrame:
    """The first ``cases`` traces of an XES log as events (case = customer): a streaming read
    that stops early, so the test does not depend on the XES reader of ingest."""
    from defusedxml.ElementTree import iterparse

    rows, done, pending = [], 0, []
    with gzip.open(path, "rb") as stream:
        for kind, element in iterparse(stream, events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if kind == "start" and tag == "trace":
                pending = []
            elif kind == "end" and tag == "event":
                pending.append({c.get("key"): c.get("value") for c in element})
                element.clear()
            elif kind == "end" and tag == "trace":
                case = {
                    c.get("key"): c.get("value")
                    for c in element
                    if c.tag.rsplit("}", 1)[-1] != "event"
                }
                for n, event in enumerate(pending):
                    rows.append(
                        {
                            "event_id": f"{case['concept:name']}-{n}",
                            "customer_id": case["concept:name"],
                            "timestamp": event["time:timestamp"],
                            "event": event["concept:name"],
                            "case:AMOUNT_REQ": case.get("AMOUNT_REQ"),
                        }
                    )
                element.clear()
                done += 1
                if done >= cases:
                    break
    frame = pd.DataFrame(rows)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    return frame


@pytest.fixture(scope="module")
def loans(tmp_path_factory):
    if not BPI.exists():
        pytest.skip(f"{BPI} is not here")
    root = tmp_path_factory.mktemp("bpi")
    read_cases(BPI, CASES).to_parquet(root / "loans.parquet", index=False)
    with Workspace.init(root / "ws", timezone="UTC", language="en") as ws:
        ws.ingest(root / "loans.parquet")
    with Workspace.open(root / "ws", read_only=True) as ws:
        yield ws


def _stage_index(journey, event: str) -> int:
    for index, stage in enumerate(journey.stages):
        if any(event in tp.match.event for tp in stage.touchpoints):
            return index
    raise AssertionError(event)


def test_touchpoints_are_named_from_their_events(loans):
    journey = discover(loans, lang="en")
    names = {tp.name for tp in journey.touchpoints}
    assert not names & {"a", "w", "o", "A", "W", "O"}
    assert {"A_SUBMITTED", "W_Completeren aanvraag", "O_SELECTED", "A_APPROVED"} <= names
    for tp in journey.touchpoints:  # one event each: a code prefix is not a word to group by
        assert tp.match.event == [tp.name]


def test_stages_follow_when_things_happen(loans):
    journey = discover(loans, lang="en")
    assert journey.goal.touchpoint == "a_approved"
    goal = _stage_index(journey, "A_APPROVED")
    # the application comes first, the outcomes (approved, declined, cancelled) together after it
    assert _stage_index(journey, "A_SUBMITTED") == 0
    assert _stage_index(journey, "A_DECLINED") == goal
    assert _stage_index(journey, "A_CANCELLED") == goal
    # an offer is sent, then the customer is called about it (W_Nabellen offertes), then decided
    sent, called = _stage_index(journey, "O_SENT"), _stage_index(journey, "W_Nabellen offertes")
    assert 0 <= sent <= called < goal
    assert _stage_index(journey, "A_ACTIVATED") > goal  # the loan is activated after approval
    first = [tp.name for tp in journey.stages[0].touchpoints]
    assert first.index("A_SUBMITTED") < first.index("A_PARTLYSUBMITTED")


@pytest.mark.parametrize(
    ("lang", "names"),
    [("en", ["Start", "Progress", "Outcome", "After"]), ("es", ["Inicio", "Avance", "Resultado"])],
)
def test_a_loan_gets_neutral_stage_and_phase_names(loans, lang, names):
    journey = discover(loans, lang=lang)
    stage_names = [s.name for s in journey.stages]
    assert stage_names[: len(names)] == names
    assert not {"Discovery", "Purchase", "Compra", "Descubrimiento"} & set(stage_names)
    measured = loans.measure(journey)
    phases = [p["label"] for p in build_context(measured, lang=lang)["phases"]]
    assert not any("purchase" in p.lower() or "compra" in p.lower() for p in phases)
    assert phases[0] == ("Before the goal" if lang == "en" else "Antes del objetivo")


def test_purchase_words():
    assert looks_like_purchase("order_completed") and looks_like_purchase("Compra")
    assert not looks_like_purchase("A_APPROVED") and not looks_like_purchase(None)
