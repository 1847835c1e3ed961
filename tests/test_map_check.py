"""`recorrido map check`: coverage of a map on the bundled real data (OTTO sample)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app
from recorrido.demo import bundled
from recorrido.journey import JourneyMap, check_map, load_template


@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    folder = tmp_path_factory.mktemp("otto") / "ws"
    with (
        Workspace.init(folder, language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    return folder


def test_ecommerce_template_on_the_bundled_data(otto):
    with Workspace.open(otto, read_only=True) as ws:
        coverage = check_map(ws, load_template("ecommerce", "en"))
    assert (coverage.events, coverage.customers) == (862, 20)
    figures = {t.touchpoint: (t.events, t.customers) for t in coverage.touchpoints if t.events}
    assert figures == {"product-view": (800, 20), "add-to-cart": (52, 7), "purchase": (10, 3)}
    assert (coverage.matched_events, coverage.unmatched_events, coverage.unmatched_share) == (
        862,
        0,
        0,
    )
    assert coverage.matching_nothing == [
        "ads",
        "search",
        "newsletter",
        "phone-order-help",
        "delivery",
        "support",
        "review",
        "referral",
    ]
    assert coverage.unmeasured == []
    assert coverage.overlapping_events == 0


def test_holes_overlaps_and_unmeasured(otto):
    journey = JourneyMap.model_validate(
        {
            "name": "partial",
            "language": "en",
            "stages": [
                {
                    "id": "look",
                    "name": "Look",
                    "touchpoints": [
                        {"id": "view", "name": "View", "match": {"event": "cl*"}},
                        {"id": "poster", "name": "Poster in the street"},
                    ],
                },
                {
                    "id": "buy",
                    "name": "Buy",
                    "touchpoints": [
                        {"id": "order", "name": "Order", "match": {"event": "orders"}},
                        {
                            "id": "big-article",
                            "name": "High article id",
                            "match": {"where": [{"property": "aid", "gt": 1_000_000}]},
                        },
                    ],
                },
            ],
        }
    )
    with Workspace.open(otto, read_only=True) as ws:
        coverage = check_map(ws, journey)
        events = ws.events
        big = events.filter(journey.touchpoint("big-article").match.predicate(events))
        big_total = int(big.count().execute())
        big_not_clicks_orders = int(
            big.filter(~big.event.isin(["clicks", "orders"])).count().execute()
        )
        big_overlap = int(big.filter(big.event.isin(["clicks", "orders"])).count().execute())
    assert coverage.unmeasured == ["poster"]
    assert 0 < big_total < 862
    assert coverage.unmatched_events == 52 - big_not_clicks_orders  # carts not picked by "aid"
    assert coverage.overlapping_events == big_overlap
    assert coverage.hole_events == [{"event": "carts", "events": 52 - big_not_clicks_orders}]
    assert coverage.to_dict()["unmatched_share"] == pytest.approx(coverage.unmatched_events / 862)


def test_persona_rule_selects_customers(otto):
    journey = load_template("ecommerce", "en")
    with Workspace.open(otto, read_only=True) as ws:
        buyers = journey.persona_customers(ws.events, "decided-buyer").count().execute()
        browsers = journey.persona_customers(ws.events, "browser").count().execute()
    assert (buyers, browsers) == (3, 0)  # the 3 sessions with an order; no rule, nobody


def test_lifecycle_template_shows_the_whole_data_as_holes(otto):
    with Workspace.open(otto, read_only=True) as ws:
        coverage = check_map(ws, load_template("lifecycle", "en"))
    assert coverage.unmatched_events == 862
    assert coverage.hole_events == [
        {"event": "clicks", "events": 800},
        {"event": "carts", "events": 52},
        {"event": "orders", "events": 10},
    ]


def test_cli_check_reports_coverage(otto, tmp_path):
    runner = CliRunner()
    shop = tmp_path / "tienda.yaml"
    assert runner.invoke(app, ["map", "new", "-o", str(shop), "--lang", "es"]).exit_code == 0
    result = runner.invoke(app, ["map", "check", str(shop), "-w", str(otto), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["events"], data["unmatched_events"], data["unmatched_share"]) == (862, 0, 0.0)
    assert data["touchpoints"][2] == {
        "stage": "consider",
        "touchpoint": "product-view",
        "name": "Ficha de producto",
        "measured": True,
        "events": 800,
        "customers": 20,
        "event_share": 800 / 862,
    }
    human = runner.invoke(app, ["map", "check", str(shop), "-w", str(otto)])
    assert human.exit_code == 0
    assert "Huecos: 0 de 862 eventos (0,0 %)" in human.output
    assert "No encuentran ningún evento: ads" in human.output.replace("\n", " ")


def test_cli_check_refuses_an_invalid_map(otto):
    from tests.conftest import FILES

    result = CliRunner().invoke(
        app, ["map", "check", str(FILES / "maps" / "empty_rule.yaml"), "-w", str(otto), "--json"]
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["error"], data["line"]) == ("map_invalid", 10)
