"""Each load recomputes only the customers it touched (``events/customer_updates.py``); after every
load the ``customers`` table equals a full rebuild from every stored event, through identity
stitching: anonymous visits identified later, an e-mail shared by two devices, an alias, two user
ids that turn out to be one person, traits that change, duplicates. Through ``Workspace.ingest``
and through the server's loader (the same ingest)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from recorrido import Workspace
from recorrido.events import schema
from recorrido.events.identity import customer_profiles
from tests.server_helpers import event_ids, make_key, new_workspace, running_server, wait_for


def _call(kind, number, day, **fields):
    return {
        "type": kind,
        "messageId": f"m{number}",
        "timestamp": f"2024-05-{day:02d}T10:{number % 60:02d}:00Z",
        **fields,
    }


#: Loads in order; each note says what it does to the customers.
LOADS = [
    # three anonymous visitors, one user with an e-mail, an id an alias will name later
    [
        _call("page", 1, 1, anonymousId="anon-1", name="Home"),
        _call("track", 2, 1, anonymousId="anon-1", event="Product Viewed"),
        _call("track", 3, 1, anonymousId="stranger", event="Product Viewed"),
        _call("identify", 4, 1, userId="user-7", traits={"email": "bo@example.com", "tier": 1}),
        _call("track", 5, 2, userId="user-7", event="Order Completed", properties={"revenue": 9}),
        _call("track", 6, 2, anonymousId="old-id-9", event="Store Visit", channel="store"),
    ],
    # anon-1 logs in as user-42: the anonymous customer's row goes, user-42 has both histories
    [
        _call(
            "identify",
            7,
            3,
            anonymousId="anon-1",
            userId="user-42",
            traits={"email": "Ana@Example.com", "plan": "plata"},
        ),
        _call(
            "track", 8, 3, userId="user-42", event="Order Completed", properties={"revenue": 49.9}
        ),
    ],
    # another device with the same e-mail (other case, blanks): stitched to user-42
    [
        _call("screen", 9, 4, anonymousId="device-7", name="Cart"),
        _call(
            "identify",
            10,
            4,
            anonymousId="device-7",
            traits={"email": " ana@example.com ", "plan": "oro"},
        ),
    ],
    # only a known customer's events and a duplicate: no new link
    [
        _call("track", 11, 5, anonymousId="stranger", event="Cart Viewed"),
        _call("track", 2, 1, anonymousId="anon-1", event="Product Viewed"),
    ],
    # an alias: old-id-9's own customer row goes into user-42
    [_call("alias", 12, 6, previousId="old-id-9", userId="user-42")],
    # user-3 shares user-7's e-mail: one person, whose id becomes user-3 (the smaller)
    [
        _call("identify", 13, 7, userId="user-3", traits={"email": "BO@example.com", "tier": 2}),
        _call("track", 14, 7, userId="user-3", event="Product Viewed", channel="app"),
    ],
    # newer traits for user-42; a new anonymous visitor
    [
        _call("identify", 15, 8, userId="user-42", traits={"plan": "platino"}),
        _call("page", 16, 8, anonymousId="newcomer", name="Home"),
    ],
]


def _rows(table) -> list[dict]:
    rows = table.to_pyarrow().to_pylist()
    for row in rows:
        row["channels"] = sorted(row["channels"] or [])
        row["traits"] = json.loads(row["traits"]) if row["traits"] else None
    return sorted(rows, key=lambda r: r["customer_id"])


def _kept_and_rebuilt(ws: Workspace) -> tuple[list[dict], list[dict]]:
    con = ws.con
    everything = con.table(schema.RAW_EVENTS).select(*schema.CANONICAL_FIELDS)
    rebuilt = customer_profiles(everything, con.table(schema.IDENTITY_MAP))
    return _rows(ws.customers), _rows(rebuilt)


EXPECTED_CUSTOMERS = [
    {"anon-1", "stranger", "user-7", "old-id-9"},
    {"stranger", "user-7", "old-id-9", "user-42"},
    {"stranger", "user-7", "old-id-9", "user-42"},
    {"stranger", "user-7", "old-id-9", "user-42"},
    {"stranger", "user-7", "user-42"},
    {"stranger", "user-3", "user-42"},
    {"stranger", "user-3", "user-42", "newcomer"},
]


def _check(ws: Workspace, step: int) -> None:
    kept, rebuilt = _kept_and_rebuilt(ws)
    assert kept == rebuilt, step
    assert {r["customer_id"] for r in kept} == EXPECTED_CUSTOMERS[step], step


POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["duckdb", "postgres"])
def workspace_options(request):
    """A DuckDB workspace, and one whose tables live in PostgreSQL (where a server runs)."""
    if request.param == "duckdb":
        yield {}
        return
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    schema_name = f"rt_{uuid.uuid4().hex[:12]}"
    yield {"connection": POSTGRES, "connection_schema": schema_name}
    with psycopg.connect(POSTGRES) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')


def test_customers_after_each_ingest_equal_a_full_rebuild(tmp_path, workspace_options):
    folder = tmp_path / "ws"
    with Workspace.init(folder, timezone="UTC", language="en", **workspace_options) as ws:
        for step, calls in enumerate(LOADS):
            path = tmp_path / f"load-{step}.jsonl"
            path.write_text("\n".join(json.dumps(c) for c in calls) + "\n", encoding="utf-8")
            ws.ingest(path)
            _check(ws, step)
        final = {r["customer_id"]: r for r in _rows(ws.customers)}
    ana = final["user-42"]
    assert ana["event_count"] == 9 and ana["anonymous_ids"] == 3
    assert ana["traits"] == {"plan": "platino"}
    assert sorted(ana["channels"]) == ["mobile", "store", "web"]
    assert final["user-3"]["event_count"] == 4 and final["user-3"]["traits"]["tier"] == 2


def test_customers_after_each_load_of_the_server_equal_a_full_rebuild(tmp_path):
    folder = new_workspace(tmp_path / "ws")
    key = make_key(folder)
    stored = 0
    with running_server(folder) as (url, app), httpx.Client(timeout=60) as client:
        for step, calls in enumerate(LOADS):
            done = client.post(f"{url}/v1/batch", json={"batch": calls}, auth=(key, ""))
            assert done.status_code == 200, done.text
            stored += len({c["messageId"] for c in calls} - set(event_ids(app)))
            assert wait_for(lambda n=stored: len(event_ids(app)) == n), step
            app.state.ctx.run(_check, step)
