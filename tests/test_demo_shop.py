"""The demo's generated shop: the same seed gives the same rows, every touchpoint of the
e-commerce template has events, and the planted patterns (data/SOURCE.md) are there for the
insights to find: the PayPal incident, the phone help that rescues, the stalled carts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow.compute as pc
import pytest

from recorrido import Workspace, demo_shop
from recorrido.events.mapping import ColumnMapping
from recorrido.journey.templates import load_template

SIZE = 6000


@pytest.fixture(scope="module")
def shop():
    return demo_shop.generate(SIZE)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, shop):
    folder = tmp_path_factory.mktemp("shop") / "ws"
    path = demo_shop.write(folder.parent / "shop.parquet", SIZE)
    with Workspace.init(folder, timezone="UTC", language="en") as ws:
        report = ws.ingest(path, mapping=ColumnMapping(defaults={"source": "generated-shop"}))
        assert report.to_dict()["quarantined"] == 0
        assert report.to_dict()["ingested"] == shop.num_rows
    return folder


def test_the_seed_decides_every_row(shop):
    assert demo_shop.generate(SIZE).equals(shop)
    assert not demo_shop.generate(SIZE, seed=7).equals(shop)
    assert len(set(shop.column("customer_id").to_pylist())) == SIZE
    assert len(set(shop.column("event_id").to_pylist())) == shop.num_rows


def test_the_payment_incident_is_paypal_in_its_week(shop):
    rows = shop.to_pandas()
    failed = rows[rows["event"] == "payment_failed"]
    incident = failed[failed["reason"] == "provider_timeout"]
    low, high = demo_shop.INCIDENT
    assert len(incident) > 50
    assert set(incident["payment_method"]) == {"paypal"}
    assert incident["timestamp"].between(low, high, inclusive="left").all()
    # Outside the incident, failures are rare card declines.
    other = failed[failed["reason"] != "provider_timeout"]
    checkouts = (rows["event"] == "checkout").sum()
    assert other["customer_id"].nunique() < 0.06 * checkouts


def test_a_call_rescues_most_failed_payments(shop):
    rows = shop.to_pandas()
    failed = set(rows.loc[rows["event"] == "payment_failed", "customer_id"])
    called = set(rows.loc[rows["event"] == "call_started", "customer_id"]) & failed
    ordered = set(rows.loc[rows["event"] == "orders", "customer_id"])
    alone = failed - called
    assert len(called) >= 20
    assert len(called & ordered) / len(called) > 0.7
    assert len(alone & ordered) / len(alone) < 0.4


def test_every_touchpoint_of_the_template_has_events(workspace):
    journey = load_template("ecommerce", "en")
    with Workspace.open(workspace, read_only=True) as ws:
        measured = ws.measure(journey).to_dict()
    events = {tp["id"]: tp["events"] for tp in measured["touchpoints"]}
    assert set(events) == {tp.id for tp in journey.touchpoints}
    assert all(n > 0 for n in events.values()), events
    # Campaign touches for attribution, on the social and e-mail channels.
    with Workspace.open(workspace, read_only=True) as ws:
        campaigns = ws.query(
            "SELECT channel, count(DISTINCT properties->>'utm_campaign') AS n FROM events "
            "WHERE properties->>'utm_campaign' IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).to_pylist()
    assert campaigns == [{"channel": "email", "n": 3}, {"channel": "social", "n": 2}]


def test_friction_finds_the_planted_failures_in_their_week(workspace):
    """The incident is found and dated: as repeated failures at the cart and/or as the rise of
    ``payment_failed`` (which detector names it is the insights' business; that it is found,
    hurts and is dated within the incident's week is the planted fact)."""
    import json

    from recorrido.insights.findings import friction

    journey = load_template("ecommerce", "en")
    with Workspace.open(workspace, read_only=True) as ws:
        report = friction(ws, journey)
    found = [
        f
        for f in report.findings
        if f.kind in ("failure", "change") and "payment_failed" in json.dumps(f.to_dict())
    ]
    assert found, [(f.kind, f.where) for f in report.findings]
    low, high = (d.date() for d in demo_shop.INCIDENT)
    for finding in found:
        start = datetime.fromisoformat(finding.start).date()
        assert low - timedelta(days=1) <= start <= high, finding.start
        if finding.kind == "failure":
            assert finding.where.get("touchpoint") == "add-to-cart", finding.where
            assert finding.effect < 0 and finding.ci[1] < 0
    assert any(f.kind == "abandonment" for f in report.findings)


def test_timestamps_lie_in_the_documented_period(shop):
    first = pc.min(shop.column("timestamp")).as_py()
    assert first >= demo_shop.START
    assert first < datetime(2022, 6, 2, tzinfo=UTC)
