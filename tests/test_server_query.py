"""The JSON API's ``/query`` has two fences on the server's own (writable) connection: the
statement check, and a read-only transaction in which the database refuses any write. Here the
first is switched off, as if a write slipped past it: the second still refuses it."""

from __future__ import annotations

import httpx
import pytest
import sqlglot

from recorrido.events import query as query_module
from tests.server_helpers import event_ids, make_key, new_workspace, running_server, wait_for

WRITES = [
    "UPDATE raw_events SET event = 'changed'",
    "DELETE FROM raw_events",
    "INSERT INTO customers (customer_id) VALUES ('intruder')",
    "CREATE TABLE intruder AS SELECT 1 AS x",
    "DROP TABLE quarantine",
]


@pytest.fixture
def served(tmp_path):
    folder = new_workspace(tmp_path / "ws")
    write, read = make_key(folder), make_key(folder, "read")
    with running_server(folder) as (url, app), httpx.Client(timeout=60) as client:
        call = {"userId": "ana", "event": "Signed Up", "messageId": "q-1"}
        assert client.post(f"{url}/v1/track", json=call, auth=(write, "")).status_code == 200
        assert wait_for(lambda: event_ids(app) == ["q-1"])
        client.headers["Authorization"] = f"Bearer {read}"
        yield url, app, client


def _ask(url, client, sql):
    return client.get(f"{url}/api/v1/query", params={"sql": sql})


def test_the_statement_check_refuses_writes(served):
    url, _, client = served
    for sql in WRITES:
        answer = _ask(url, client, sql)
        assert answer.status_code == 400 and answer.json()["error"] == "query_write_refused", sql


def test_a_write_that_slips_past_the_check_is_refused_by_the_database(served, monkeypatch):
    url, app, client = served
    # The statement check let everything through (a gap in it, say):
    monkeypatch.setattr(
        query_module, "check_read_only", lambda sql, dialect="duckdb": sqlglot.parse_one(sql)
    )
    monkeypatch.setattr(query_module, "check_sandbox", lambda statement, tables: None)
    for sql in WRITES:
        answer = _ask(url, client, sql)
        assert answer.status_code == 400, (sql, answer.text)
        assert answer.json()["error"] == "query_failed" and "read-only" in answer.json()["message"]
    # nothing changed, and reading still works through the same path
    rows = _ask(url, client, "SELECT event_id, event FROM events").json()
    assert rows == [{"event_id": "q-1", "event": "Signed Up"}]
    tables = app.state.ctx.run(lambda ws: set(ws.con.list_tables()))
    assert "intruder" not in tables and "quarantine" in tables
    customers = app.state.ctx.run(lambda ws: ws.customers.customer_id.to_pyarrow().to_pylist())
    assert customers == ["ana"]
    # the loader, the writer on that connection, still writes
    write = make_key(app.state.ctx.folder)
    call = {"userId": "bo", "event": "Signed Up", "messageId": "q-2"}
    assert client.post(f"{url}/v1/track", json=call, auth=(write, "")).status_code == 200
    assert wait_for(lambda: sorted(event_ids(app)) == ["q-1", "q-2"])
