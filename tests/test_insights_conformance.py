"""Conformance to the designed stage order, and moments of truth, on journeys written by hand
and on the synthetic shop."""

from __future__ import annotations

import pytest

from recorrido.insights.conformance import conformance
from recorrido.insights.moments import moments
from recorrido.journey import JourneyMap
from tests import journey_generator as gen

SHOP = JourneyMap.loads(gen.SHOP_MAP)
# a follows the map; b skips "consider"; c goes back from consider to discover; d has an event
# the map lacks (and otherwise follows it).
ROWS = """customer_id,timestamp,event
a,2024-03-01T10:00:00Z,search
a,2024-03-01T10:01:00Z,product_view
a,2024-03-01T10:02:00Z,add_to_cart
a,2024-03-01T10:03:00Z,shipping_form
a,2024-03-01T10:04:00Z,order_completed
b,2024-03-01T11:00:00Z,search
b,2024-03-01T11:01:00Z,add_to_cart
c,2024-03-01T12:00:00Z,product_view
c,2024-03-01T12:01:00Z,search
c,2024-03-01T12:02:00Z,product_view
c,2024-03-01T12:03:00Z,add_to_cart
d,2024-03-01T13:00:00Z,search
d,2024-03-01T13:01:00Z,mystery_click
d,2024-03-01T13:02:00Z,product_view
"""


@pytest.fixture
def hand(workspace, tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    workspace.ingest(path)
    return workspace


def test_conformance_counts_by_hand(hand):
    report = conformance(hand, SHOP)
    assert (report.mapped_customers, report.following) == (4, 2)
    stages = {s["id"]: s for s in report.stages}
    assert stages["consider"]["skipped"] == 1
    assert stages["discover"]["out_of_order"] == 1
    assert stages["discover"]["entered_here"] == 3 and stages["consider"]["entered_here"] == 1
    assert stages["purchase"]["customers"] == 1 and not stages["after"]["observed"]
    assert report.back_moves == [
        {"from_stage": "consider", "to_stage": "discover", "customers": 1, "moves": 1}
    ]
    assert report.missing_touchpoints == [
        {
            "event": "mystery_click",
            "events": 1,
            "customers": 1,
            "stage": "discover",
            "samples": ["d"],
        }
    ]
    assert report.examples == [
        {"customer_id": "c", "path": ["consider", "discover", "consider", "cart"]}
    ]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    ws = gen.workspace(tmp_path_factory.mktemp("moments"), 3000, planted=True)
    yield ws
    ws.close()


def test_moments_of_truth_help_and_hurt(shop):
    report = moments(shop, SHOP, min_support=30)
    helps = {(r["kind"], r["touchpoint"], r["to_touchpoint"]) for r in report.helps}
    hurts = {(r["kind"], r["touchpoint"], r["to_touchpoint"]) for r in report.hurts}
    assert ("touchpoint", "advisor", None) in hurts  # the planted hand-off costs sales
    assert ("transition", "product", "cart") in helps
    everything = report.helps + report.hurts + report.neutral
    assert all(r["touchpoint"] not in ("order", "delivery") for r in everything)  # goal, after
    for r in everything:
        assert r["customers_with"] >= 30 and r["customers_without"] >= 30
        assert r["ci"][0] <= r["difference"] <= r["ci"][1]
    for r in report.helps:
        assert r["ci"][0] > 0
        assert r["lift"] is None or r["lift"] > 1
    for r in report.hurts:
        assert r["ci"][1] < 0 and r["lift"] < 1
    assert report.tested == len(everything)


def test_moments_count_only_what_happens_before_the_goal(hand, tmp_path):
    # "a" reads the help article only after buying: it must not count for the article.
    late = tmp_path / "late.csv"
    late.write_text(
        "customer_id,timestamp,event\na,2024-03-01T10:05:00Z,help_article\n"
        "b,2024-03-01T11:02:00Z,help_article\n",
        encoding="utf-8",
    )
    hand.ingest(late)
    report = moments(hand, SHOP, min_support=1)
    everything = report.helps + report.hurts + report.neutral
    faq = next(r for r in everything if r["kind"] == "touchpoint" and r["touchpoint"] == "faq")
    assert (faq["customers_with"], faq["rate_with"]) == (1, 0.0)  # only b, who did not buy
    assert faq["customers_without"] == 3 and faq["rate_without"] == pytest.approx(1 / 3)
