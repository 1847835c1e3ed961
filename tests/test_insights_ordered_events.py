"""A date range cut from events tagged and ordered once (``journeys.ordered_events``, what the
web app keeps per map) must give the relations and the findings that preparing the events of
that range gives: the places (``seq``, ``tn``) start again at the range's first event, and the
touchpoints before and after the range are not the run's neighbours."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from recorrido.insights.conformance import conformance
from recorrido.insights.findings import friction
from recorrido.insights.journeys import ordered_events, prepare
from recorrido.insights.moments import moments
from recorrido.insights.segments import segments
from recorrido.journey import JourneyMap
from recorrido.measured.scratch import Scratch
from tests import journey_generator as gen

SHOP = JourneyMap.loads(gen.SHOP_MAP)

# the events run from 2024-03-01 to 2024-05-09; journeys last up to 12 days
RANGES = [(None, None), (None, "2024-03-20"), ("2024-03-15", "2024-04-20"), ("2024-04-01", None)]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    ws = gen.workspace(tmp_path_factory.mktemp("ordered"), 1500, planted=True)
    yield ws
    ws.close()


def _frame(table) -> pd.DataFrame:
    frame = table.execute()
    return frame.sort_values(["customer_id", "seq"]).reset_index(drop=True)


@pytest.mark.parametrize(("start", "end"), RANGES)
@pytest.mark.parametrize("kept", [False, True], ids=["read", "copied"])
def test_a_cut_range_is_the_range_prepared(shop, start, end, kept):
    ordered = ordered_events(shop, SHOP)
    assert ordered is not None
    with Scratch() as scratch:
        direct = prepare(shop, SHOP, start=start, end=end)
        cut = prepare(ordered, SHOP, start=start, end=end, scratch=scratch, many_reads=kept)
        assert (cut.customers, cut.converted) == (direct.customers, direct.converted)
        assert (cut.first_us, cut.as_of_us) == (direct.first_us, direct.as_of_us)
        for name in ("events", "tagged"):
            mine, theirs = _frame(getattr(cut, name)), _frame(getattr(direct, name))
            assert list(mine.columns) == list(theirs.columns), name
            pd.testing.assert_frame_equal(mine, theirs, check_dtype=False, obj=name)
        mine = cut.people.execute().sort_values("customer_id").reset_index(drop=True)
        theirs = direct.people.execute().sort_values("customer_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)


def test_the_range_does_cut_journeys(shop):
    """The ranges above cut customers' journeys in the middle (else the test proves little)."""
    direct = prepare(shop, SHOP, start="2024-03-15", end="2024-04-20")
    whole = prepare(shop, SHOP)
    firsts = _frame(direct.tagged)
    assert 0 < direct.customers < whole.customers
    everything = _frame(whole.tagged).set_index(["customer_id", "event_id"])
    # some customer's first tagged event in the range was not their first in all time
    starts = firsts[firsts.tn == 1].set_index(["customer_id", "event_id"])
    assert (everything.loc[starts.index, "tn"] > 1).any()


@pytest.mark.parametrize(
    "insight", [friction, moments, conformance, segments], ids=lambda f: f.__name__
)
def test_the_insights_of_a_cut_range(shop, insight):
    ordered = ordered_events(shop, SHOP)
    mine = insight(ordered, SHOP, start="2024-03-15", end="2024-04-20").to_dict()
    theirs = insight(shop, SHOP, start="2024-03-15", end="2024-04-20").to_dict()
    assert json.dumps(mine, sort_keys=True, default=str) == json.dumps(
        theirs, sort_keys=True, default=str
    )


def test_another_map_is_refused(shop):
    ordered = ordered_events(shop, SHOP)
    other = JourneyMap.loads(gen.SHOP_MAP.replace("name:", "name: other", 1))
    with pytest.raises(ValueError, match="another map"):
        prepare(ordered, other)


def test_a_log_with_lifecycle_transitions_is_prepared_from_its_events(tmp_path):
    """A range can split a work item whose transitions are collapsed after the cut: such a log
    is never cut from ordered events (the web app then reads the events as before)."""
    from recorrido import Workspace
    from tests.test_insights_lifecycle import _xes

    _xes(tmp_path / "loans.xes.gz", 30)
    with Workspace.init(tmp_path / "ws", timezone="UTC", language="en") as ws:
        ws.ingest(tmp_path / "loans.xes.gz")
        loans = JourneyMap.loads(
            "version: 1\nname: loans\nstages:\n  - id: apply\n    name: Apply\n"
            "    touchpoints:\n"
            "      - {id: submitted, name: Submitted, match: {event: A_SUBMITTED}}\n"
        )
        assert ordered_events(ws, loans) is None
