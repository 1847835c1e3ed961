"""The collection API with real senders: the Segment Python library, curl and httpx, against a
real uvicorn server on loopback; the calls reach the workspace through ingest's own path."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import uuid

import httpx
import pytest

from tests.server_helpers import event_ids, make_key, new_workspace, running_server, wait_for


@pytest.fixture
def folder(tmp_path):
    return new_workspace(tmp_path / "ws")


def _rows(app, sql: str) -> list[dict]:
    return app.state.ctx.run(lambda ws: ws.query(sql).to_pylist())


def test_segment_library_calls_are_acknowledged_and_in_events_within_5_s(folder):
    from segment.analytics.client import Client

    key = make_key(folder)
    with running_server(folder) as (url, app):
        errors = []
        client = Client(
            write_key=key,
            host=url,
            sync_mode=True,
            gzip=True,
            on_error=lambda e, batch: errors.append(e),
        )
        client.page(anonymous_id="anon-1", name="Home", properties={"path": "/"})
        client.track(anonymous_id="anon-1", event="Product Viewed", properties={"sku": "A1"})
        client.identify(user_id="ana@example.com", anonymous_id="anon-1", traits={"plan": "pro"})
        client.track(user_id="ana@example.com", event="Order Completed", properties={"revenue": 42})
        client.screen(user_id="ana@example.com", name="Cart")
        client.group(user_id="ana@example.com", group_id="acme")
        client.alias(previous_id="anon-2", user_id="ana@example.com")
        client.flush()
        assert errors == []
        loaded = wait_for(lambda: len(event_ids(app)) == 7, timeout=5.0)
        assert loaded, event_ids(app)
        rows = _rows(
            app,
            "select event, customer_id, anonymous_id, channel, value from events order by event",
        )
    events = {r["event"]: r for r in rows}
    assert sorted(events) == sorted(
        [
            "page_view",
            "Product Viewed",
            "identify",
            "Order Completed",
            "screen_view",
            "group",
            "alias",
        ]
    )
    assert events["Order Completed"]["value"] == 42
    assert events["page_view"]["channel"] == "web"
    # identify stitched the anonymous browsing to the customer, as a file ingest would
    assert {r["customer_id"] for r in rows} == {"ana@example.com"}


def test_curl_and_writekey_in_body_and_gzip(folder):
    if shutil.which("curl") is None:
        pytest.skip("curl is not on this machine")
    key = make_key(folder)
    with running_server(folder) as (url, app):
        body = json.dumps({"userId": "u1", "event": "Signed Up", "messageId": "curl-1"})
        done = subprocess.run(
            [
                "curl",
                "-sS",
                "-u",
                f"{key}:",
                "-H",
                "Content-Type: application/json",
                "-d",
                body,
                f"{url}/v1/track",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert json.loads(done.stdout) == {"success": True}
        batch = {
            "writeKey": key,
            "batch": [{"type": "track", "userId": "u2", "event": "x", "messageId": "curl-2"}],
        }
        packed = gzip.compress(json.dumps(batch).encode())
        answer = httpx.post(
            f"{url}/v1/batch",
            content=packed,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
        assert answer.status_code == 200 and answer.json() == {"success": True}
        assert wait_for(lambda: sorted(event_ids(app)) == ["curl-1", "curl-2"], timeout=5.0)


def _post(url, path, body=None, key=None, raw=None, headers=None):
    return httpx.post(
        url + path,
        json=body if raw is None else None,
        content=raw,
        auth=(key, "") if key else None,
        headers=headers or {},
    )


GOOD = {"userId": "u1", "event": "Clicked"}
BAD_CALLS = [
    # (case, path, body or raw bytes, key kind, headers, status, error)
    ("no key", "/v1/track", GOOD, None, {}, 401, "server_auth_missing"),
    ("wrong key", "/v1/track", GOOD, "wrong", {}, 401, "server_auth_wrong"),
    ("read key", "/v1/track", GOOD, "read", {}, 403, "server_auth_kind"),
    ("missing ids", "/v1/track", {"event": "x"}, "write", {}, 400, "server_missing_id"),
    (
        "blank ids",
        "/v1/track",
        {"userId": " ", "event": "x"},
        "write",
        {},
        400,
        "server_missing_id",
    ),
    ("no event", "/v1/track", {"userId": "u"}, "write", {}, 400, "server_missing_event"),
    (
        "bad timestamp",
        "/v1/track",
        {**GOOD, "timestamp": "yesterday"},
        "write",
        {},
        400,
        "server_bad_timestamp",
    ),
    (
        "impossible date",
        "/v1/track",
        {**GOOD, "timestamp": "2024-02-30T10:00:00Z"},
        "write",
        {},
        400,
        "server_bad_timestamp",
    ),
    (
        "number timestamp",
        "/v1/track",
        {**GOOD, "timestamp": 1700000000},
        "write",
        {},
        400,
        "server_wrong_type",
    ),
    (
        "properties a list",
        "/v1/track",
        {**GOOD, "properties": [1, 2]},
        "write",
        {},
        400,
        "server_wrong_type",
    ),
    (
        "event a number",
        "/v1/track",
        {"userId": "u", "event": 5},
        "write",
        {},
        400,
        "server_wrong_type",
    ),
    (
        "userId an object",
        "/v1/identify",
        {"userId": {"a": 1}},
        "write",
        {},
        400,
        "server_wrong_type",
    ),
    (
        "alias without previousId",
        "/v1/alias",
        {"userId": "u"},
        "write",
        {},
        400,
        "server_missing_previous_id",
    ),
    (
        "huge properties",
        "/v1/track",
        {**GOOD, "properties": {"x": "a" * 40_000}},
        "write",
        {},
        413,
        "server_too_large",
    ),
    (
        "huge batch",
        "/v1/batch",
        {"batch": [{**GOOD, "type": "track", "properties": {"x": "a" * 20_000}}] * 30},
        "write",
        {},
        413,
        "server_too_large",
    ),
    ("not JSON", "/v1/track", b"{not json", "write", {}, 400, "server_bad_json"),
    ("JSON list", "/v1/track", b"[1, 2]", "write", {}, 400, "server_not_object"),
    (
        "bad gzip",
        "/v1/track",
        b"\x1f\x8bnot-gzip",
        "write",
        {"Content-Encoding": "gzip"},
        400,
        "server_bad_gzip",
    ),
    (
        "other encoding",
        "/v1/track",
        b"{}",
        "write",
        {"Content-Encoding": "br"},
        400,
        "server_bad_encoding",
    ),
    (
        "batch not a list",
        "/v1/batch",
        {"batch": {"a": 1}},
        "write",
        {},
        400,
        "server_batch_not_list",
    ),
    ("empty batch", "/v1/batch", {"batch": []}, "write", {}, 400, "server_batch_empty"),
    (
        "unknown type",
        "/v1/batch",
        {"batch": [{"type": "sneeze", "userId": "u"}]},
        "write",
        {},
        400,
        "server_bad_type",
    ),
    ("no such path", "/v1/nothing", GOOD, "write", {}, 404, "server_not_found"),
]


def test_bad_calls_get_the_right_4xx_and_nothing_lands(folder):
    keys = {"write": make_key(folder), "read": make_key(folder, "read"), "wrong": "rw_nope"}
    with running_server(folder) as (url, app):
        for case, path, body, kind, headers, status, error in BAD_CALLS:
            raw = body if isinstance(body, bytes) else None
            answer = _post(url, path, None if raw else body, keys.get(kind), raw, headers)
            assert answer.status_code == status, (case, answer.text)
            payload = answer.json()
            assert payload["success"] is False and payload["error"] == error, case
            assert "Traceback" not in answer.text and str(folder) not in answer.text, case
        # the same refusal in Spanish when the sender asks for it
        spanish = _post(
            url,
            "/v1/track",
            {"event": "x"},
            keys["write"],
            headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"},
        )
        assert spanish.json()["message"] == "La llamada no tiene userId ni anonymousId."
        assert app.state.collector.accepted_calls == 0
    with running_server(folder) as (url, app):
        assert event_ids(app) == []


def test_batch_keeps_good_calls_and_names_each_bad_one(folder):
    key = make_key(folder)
    batch = [
        {"type": "track", "userId": "u1", "event": "a", "messageId": "good-1"},
        {"type": "track", "event": "b", "messageId": "bad-no-id"},
        {"type": "page", "anonymousId": "x", "name": "Home", "messageId": "good-2"},
        {"type": "track", "userId": "u1", "event": "c", "timestamp": "soon"},
        "not a call",
        # passes the server's checks; ingest refuses it (in the future) into quarantine
        {
            "type": "track",
            "userId": "u3",
            "event": "d",
            "timestamp": "2999-01-01T00:00:00Z",
            "messageId": "future-1",
        },
    ]
    with running_server(folder) as (url, app):
        answer = _post(url, "/v1/batch", {"batch": batch}, key)
        assert answer.status_code == 200
        body = answer.json()
        assert body["success"] is True and body["accepted"] == 3
        assert [(r["index"], r["error"]) for r in body["rejected"]] == [
            (1, "server_missing_id"),
            (3, "server_bad_timestamp"),
            (4, "server_not_object"),
        ]
        assert wait_for(lambda: sorted(event_ids(app)) == ["good-1", "good-2"], timeout=5.0)
        sql = 'select file, "row", "column", reason_code, detail, record from quarantine'
        quarantined = wait_for(lambda: len(_rows(app, sql)) == 4 and _rows(app, sql), timeout=5.0)
    assert quarantined, "each refused call reaches the quarantine"
    by_reason = {r["reason_code"]: r for r in quarantined}
    assert sorted(by_reason) == [
        "server_bad_timestamp",
        "server_missing_id",
        "server_not_object",
        "timestamp_in_future",
    ]
    # each with the reason it was answered with, its place in the batch and the call as sent
    for listed in body["rejected"]:
        row = by_reason[listed["error"]]
        assert (row["row"], row["detail"]) == (listed["index"], listed["message"])
        assert json.loads(row["record"]) == batch[listed["index"]]
        assert "landing" in row["file"]
    assert by_reason["server_bad_timestamp"]["column"] == "timestamp"
    assert "landing" in by_reason["timestamp_in_future"]["file"]


def test_message_id_deduplicates_retries(folder):
    key = make_key(folder)
    # as senders do, the call carries its own time, so a retry is the same event again
    call = {
        "userId": "u1",
        "event": "Paid",
        "messageId": f"m-{uuid.uuid4()}",
        "timestamp": "2026-01-02T03:04:05Z",
    }
    with running_server(folder, rotate_age=0.1) as (url, app):
        for sent in range(1, 4):  # three retries, each landed in a file of its own
            assert _post(url, "/v1/track", call, key).status_code == 200
            assert wait_for(lambda: app.state.loader.stats.files >= sent, timeout=5.0)  # noqa: B023
        assert event_ids(app) == [call["messageId"]]
        assert app.state.loader.stats.duplicates == 2
    with running_server(folder) as (url, app):
        assert event_ids(app) == [call["messageId"]]


def test_rate_limit_per_key(folder):
    key, other = make_key(folder), make_key(folder)
    with running_server(folder, rate_limit=1, rate_burst=2) as (url, _):
        answers = [_post(url, "/v1/track", GOOD, key) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2].headers["Retry-After"]) >= 1
        assert answers[2].json()["error"] == "server_rate_limited"
        assert _post(url, "/v1/track", GOOD, other).status_code == 200


def test_revoked_key_stops_at_once_and_after_load_hooks_run(folder):
    from recorrido.server.keys import KeyStore

    store = KeyStore(folder)
    record, key = store.create("write")
    with running_server(folder) as (url, app):
        seen = []
        app.state.after_load.append(lambda ws: seen.append(ws.events.count().execute()))
        assert _post(url, "/v1/track", GOOD, key).status_code == 200
        assert wait_for(lambda: seen, timeout=5.0) == [1]
        store.revoke(record.key_id)
        assert _post(url, "/v1/track", GOOD, key).status_code == 401


def test_collectors_side_by_side_share_the_landing_folder_and_duckdb_reads_it(folder):
    import duckdb

    key = make_key(folder)
    with (
        running_server(folder) as (url, app),
        running_server(folder, collect_only=True) as (collector_url, _),
    ):
        for number, target in enumerate([url, collector_url] * 3):
            call = {"userId": f"u{number}", "event": "x", "messageId": f"side-{number}"}
            assert _post(target, "/v1/track", call, key).status_code == 200
        wanted = [f"side-{n}" for n in range(6)]
        assert wait_for(lambda: sorted(event_ids(app)) == wanted, timeout=8.0)
    # a warehouse can read the landed files as they are
    landed = str(folder / "landing" / "loaded" / "*.ndjson")
    found = duckdb.sql(f"select messageId from read_json_auto('{landed}') order by 1").fetchall()
    assert [row[0] for row in found] == wanted


def test_other_methods_and_paths_still_go_through_the_router(folder):
    """POST /v1/<type> is served ahead of FastAPI's router (collect.CollectFastPath); everything
    else on those paths keeps the router's answers, and the spec still lists them."""
    key = make_key(folder)
    with running_server(folder) as (url, _):
        wrong_method = httpx.get(url + "/v1/track", auth=(key, ""))
        assert wrong_method.status_code == 405
        assert wrong_method.json()["error"] == "server_method"
        unknown = httpx.post(url + "/v1/trackk", auth=(key, ""), json=GOOD)
        assert unknown.status_code == 404 and unknown.json()["error"] == "server_not_found"
        spec = httpx.get(url + "/openapi.json").json()
        assert {f"/v1/{p}" for p in ("track", "alias", "batch", "import")} <= set(spec["paths"])
        served = _post(url, "/v1/track", GOOD, key)
        assert served.status_code == 200 and served.json() == {"success": True}
        assert served.headers["content-type"] == "application/json"
