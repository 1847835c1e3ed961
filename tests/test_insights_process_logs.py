"""Issue 24, found by trying the CLI on public logs it had never seen: a draft map and its
findings must follow the process, whatever its shape.

- Events that share a word are one touchpoint only when they are variants of one step, not
  two steps done in a fixed order (road traffic fines: "Send Fine", then, for the unpaid,
  "Send for Credit Collection", the end of the process).
- The guessed goal is measurable and is where journeys go, not where they start, and the map
  says how it was chosen.
- A rate that moves only because the log's cases grow old (collection comes a year and a half
  after the fine) is no change over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from recorrido.insights.discovery import discover
from recorrido.insights.findings import friction
from tests.visits import visit, workspace

START = datetime(2024, 1, 1, tzinfo=UTC)


def _touchpoints(journey) -> dict[str, list[str]]:
    return {tp.id: list(tp.match.event or []) for tp in journey.touchpoints}


def test_steps_that_share_a_word_but_follow_each_other_stay_apart(tmp_path):
    rows: list[dict] = []
    for c in range(60):
        at = START + timedelta(days=c)
        names = ["Create Fine", "Send Fine"]
        names += ["Payment"] if c % 2 else ["Add penalty", "Send for Credit Collection"]
        visit(rows, f"f{c}", at, names)
    with workspace(tmp_path, rows) as ws:
        journey = discover(ws, goal="Payment", lang="en")
    groups = _touchpoints(journey)
    assert ["Send Fine"] in groups.values()
    assert ["Send for Credit Collection"] in groups.values()
    # the unpaid end of a fine is another ending of the process: in the goal's stage
    goal_stage = journey.stage_of(journey.goal.touchpoint)
    assert "Send for Credit Collection" in [
        e for tp in goal_stage.touchpoints for e in (tp.match.event or [])
    ]


def test_variants_of_one_step_done_in_either_order_are_one_touchpoint(tmp_path):
    rows: list[dict] = []
    for c in range(60):
        searches = ["search for item", "search for poi"]
        if c % 2:
            searches.reverse()
        visit(rows, f"s{c}", START + timedelta(hours=c), ["home", *searches, "clickout item"])
    with workspace(tmp_path, rows) as ws:
        groups = _touchpoints(discover(ws, lang="en"))
    assert sorted(groups["search"]) == ["search for item", "search for poi"]


def test_a_conversion_word_done_by_two_customers_is_not_the_goal(tmp_path):
    rows: list[dict] = []
    for c in range(300):
        names = ["open ticket", "reply"] + (["Family Subscription"] if c < 2 else [])
        visit(rows, f"t{c}", START + timedelta(hours=c), [*names, "case closed"])
    with workspace(tmp_path, rows) as ws:
        journey = discover(ws, lang="en")
    assert _touchpoints(journey)[journey.goal.touchpoint] == ["case closed"]
    assert "Goal: 'case closed', the event named like a completion" in journey.description


def test_one_hit_visits_do_not_make_the_goal_and_a_guess_says_so(tmp_path):
    rows: list[dict] = []
    for c in range(200):
        visit(rows, f"v{c}", START + timedelta(hours=c), ["0"])
    for c in range(20):
        visit(rows, f"b{c}", START + timedelta(hours=c, minutes=30), ["0", "2", "3"])
    with workspace(tmp_path, rows) as ws:
        journey = discover(ws, lang="en")
        assert _touchpoints(journey)[journey.goal.touchpoint] == ["3"]
        assert "the event most journeys end on" in journey.description
    rows = []
    for c in range(200):
        visit(rows, f"v{c}", START + timedelta(hours=c), [f"item {c % 7}"])
    (tmp_path / "b").mkdir()
    with workspace(tmp_path / "b", rows) as ws:
        journey = discover(ws, lang="es")
    assert "solo una suposición" in journey.description


def test_a_rate_that_moves_as_the_cases_grow_old_is_no_change(shared_data, tmp_path):
    from recorrido import Workspace

    ws = Workspace.init(tmp_path / "ws", timezone="UTC", language="en")
    with ws:
        ws.ingest(shared_data / "road_traffic_fines_100" / "roadtraffic100traces.xes")
        journey = discover(ws, lang="en")
        report = friction(ws, journey)
    assert ["Send for Credit Collection"] in _touchpoints(journey).values()
    assert [f.sentence("en") for f in report.findings if f.kind == "change"] == []
    # nor is the end of an unpaid fine "going quiet"
    assert [f.sentence("en") for f in report.findings if f.kind == "abandonment"] == []


def test_a_phone_is_a_call_but_an_iphone_is_not():
    from recorrido.insights.discovery import ASSISTED_WORDS

    assert ASSISTED_WORDS.search("phone_call") and ASSISTED_WORDS.search("Customer Phone")
    assert ASSISTED_WORDS.search("llamada_asesor") and ASSISTED_WORDS.search("support_contact")
    assert not ASSISTED_WORDS.search("iPhone") and not ASSISTED_WORDS.search("iphone_app")


def test_no_segment_of_one_customer_is_chosen(tmp_path):
    from recorrido.insights.segments import segments

    rows: list[dict] = []
    for c in range(24):
        names = ["home", "cart"] + (["purchase"] if c % 2 else [])
        visit(rows, f"c{c}", START + timedelta(days=c % 5), names)
    # one customer unlike any other: a hundred visits to the cart over two months
    for day in range(100):
        visit(rows, "outlier", START + timedelta(hours=14 * day), ["cart"] * 3)
    with workspace(tmp_path, rows) as ws:
        journey = discover(ws, goal="purchase", lang="en")
        report = segments(ws, journey)
    assert min(s["customers"] for s in report.segments) >= 5, report.segments


def test_a_touchpoint_spread_over_channels_is_drawn_on_none(tmp_path):
    rows: list[dict] = []
    channels = ["Facebook", "Instagram", "Online Display", "Paid Search", "Online Video"]
    for c in range(50):
        visit(rows, f"m{c}", START + timedelta(hours=c), ["impression", "conversion"])
        rows[-2]["channel"] = channels[c % 5]  # the impression: five channels alike
        rows[-1]["channel"] = "web"  # the conversion: one
    with workspace(tmp_path, rows) as ws:
        journey = discover(ws, goal="conversion", lang="en")
    drawn = {tp.id: tp.channel for tp in journey.touchpoints}
    assert drawn == {"impression": None, "conversion": "web"}
