"""Segment-spec calls: anonymous then identified events stitch into one customer."""

from __future__ import annotations

import json

from tests.conftest import FILES

SEGMENT = FILES / "segment_journey.jsonl"


def test_segment_file_is_detected_and_mapped(workspace):
    report = workspace.ingest(SEGMENT)
    assert report.files[0].format == "segment"
    assert (report.rows_read, report.ingested, report.quarantined) == (9, 9, 0)
    rows = {r["event_id"]: r for r in workspace.events.to_pyarrow().to_pylist()}
    assert [rows[f"m{i}"]["event"] for i in range(1, 10)] == [
        "page_view",
        "Product Viewed",
        "identify",
        "Order Completed",
        "screen_view",
        "identify",
        "alias",
        "Store Visit",
        "Product Viewed",
    ]
    assert rows["m4"]["value"] == 49.9
    assert (rows["m1"]["channel"], rows["m5"]["channel"], rows["m8"]["channel"]) == (
        "web",
        "mobile",
        "store",
    )
    first = json.loads(rows["m1"]["properties"])
    assert first["path"] == "/" and first["name"] == "Inicio"
    assert first["context"] == {"ip": "203.0.113.9"}
    assert json.loads(rows["m3"]["properties"])["name"] == "Ana"  # identify keeps its traits


def test_anonymous_then_identified_is_one_customer(workspace):
    workspace.ingest(SEGMENT)
    by_event = {r["event_id"]: r["customer_id"] for r in workspace.events.to_pyarrow().to_pylist()}
    # anon-1 (identify), device-7 (same e-mail, other case and blanks), old-id-9 (alias).
    assert {by_event[f"m{i}"] for i in range(1, 9)} == {"user-42"}
    assert by_event["m9"] == "stranger"
    customers = {r["customer_id"]: r for r in workspace.customers.to_pyarrow().to_pylist()}
    assert set(customers) == {"user-42", "stranger"}
    ana = customers["user-42"]
    assert ana["event_count"] == 8
    assert ana["anonymous_ids"] == 3
    assert sorted(ana["channels"]) == ["mobile", "store", "web"]
    assert json.loads(ana["traits"])["plan"] == "oro"  # the latest identify call's traits


def test_identity_learned_later_rewrites_earlier_events(workspace, tmp_path):
    """The anonymous visit is ingested first; the link arrives in a later file."""
    lines = SEGMENT.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[2:]) + "\n", encoding="utf-8")
    workspace.ingest(first)
    assert set(workspace.events.customer_id.execute()) == {"anon-1"}
    workspace.ingest(second)
    assert workspace.events.filter(workspace.events.event_id == "m1").customer_id.execute()[0] == (
        "user-42"
    )
    assert workspace.customers.count().execute() == 2


def test_long_chain_of_links_is_one_component():
    """Label propagation with pointer jumping joins a 200-long chain of identifiers."""
    import ibis

    from recorrido.events.identity import connected_customers

    n = 200
    links = ibis.memtable(
        {
            "left": [f"a:{i:04d}" for i in range(n)] + ["u:zed", "a:lonely"],
            "right": [f"a:{i + 1:04d}" for i in range(n)] + ["a:0150", "a:lonely"],
        }
    )
    con = ibis.duckdb.connect()
    result = con.execute(connected_customers(con.create_table("links", links)))
    owners = dict(zip(result.identifier, result.customer_id, strict=True))
    # Only identifiers whose customer is another id are listed: not u:zed nor a:lonely.
    assert len(owners) == n + 1
    assert {owners[f"a:{i:04d}"] for i in range(n + 1)} == {"zed"}
    assert "u:zed" not in owners and "a:lonely" not in owners


def test_customer_profile_sums_up_the_stitched_journey(workspace):
    workspace.ingest(SEGMENT)
    rows = workspace.customers.order_by("customer_id").to_pyarrow().to_pylist()
    profiles = {r["customer_id"]: r for r in rows}
    ana = profiles["user-42"]
    assert ana["event_count"] == 8
    assert (ana["first_seen"].isoformat(), ana["last_seen"].isoformat()) == (
        "2024-05-01T10:00:00+00:00",
        "2024-05-03T12:00:00+00:00",
    )
    assert ana["channels"] == ["mobile", "store", "web"]
    assert ana["anonymous_ids"] == 3  # anon-1, device-7 and the aliased old-id-9
    # The traits are those of the latest identify call.
    assert json.loads(ana["traits"]) == {"email": " ana@example.com ", "plan": "oro"}
    stranger = profiles["stranger"]
    assert (stranger["event_count"], stranger["channels"], stranger["traits"]) == (1, [], None)
