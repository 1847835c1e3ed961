"""One bad row never refuses a whole file; same id with other content is a conflict, kept in view
(issue 17: 17.2, 17.8, 17.9), and the quarantine says which ingest refused each row (16.11)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from recorrido import ColumnMapping, Workspace
from tests.conftest import FILES

CORPUS = FILES / "ingest"


def test_row_level_problems_in_ndjson_each_go_to_quarantine(workspace):
    report = workspace.ingest(
        CORPUS / "row_problems.jsonl", mapping=ColumnMapping(timestamp_unit="s")
    )
    assert (report.rows_read, report.ingested, report.quarantined) == (7, 3, 4)
    refused = workspace.quarantine.order_by("row").execute().to_dict("records")
    assert [(r["row"], r["reason_code"]) for r in refused] == [
        (2, "bad_timestamp"),  # an epoch past year 9999: refused in its row, not the whole file
        (3, "malformed_line"),
        (4, "malformed_line"),
        (6, "malformed_line"),
    ]
    assert refused[1]["detail"] == "not a JSON object"
    assert refused[2]["detail"] == "duplicate key 'customer_id'"
    assert all("recorrido-" not in (r["detail"] or "") for r in refused)
    # "plan" is text, a number and an object in turn: kept, as text, on every good row.
    rows = workspace.query(
        "SELECT customer_id, properties FROM events ORDER BY timestamp"
    ).to_pylist()
    plans = [(r["customer_id"], json.loads(r["properties"])["plan"]) for r in rows]
    assert plans == [("c1", "basic"), ("c4", "42"), ("c5", '{"tier": 2}')]


def test_out_of_range_epoch_in_csv_is_one_refused_row(workspace, tmp_path):
    path = tmp_path / "epoch.csv"
    path.write_text(
        "customer_id,timestamp,event\nc1,1700000000,a\nc2,99999999999999999999,b\nc3,nan,c\n"
    )
    report = workspace.ingest(path, mapping=ColumnMapping(timestamp_unit="s"))
    assert (report.ingested, report.quarantined) == (1, 2)


def test_segment_batch_keeps_good_calls_around_a_bad_element(workspace):
    report = workspace.ingest(CORPUS / "segment_batch_bad_element.json")
    assert report.files[0].format == "segment"
    assert (report.rows_read, report.ingested, report.quarantined) == (3, 2, 1)
    [refused] = workspace.quarantine.execute().to_dict("records")
    assert (refused["row"], refused["reason_code"], refused["detail"]) == (
        2,
        "malformed_line",
        "not a JSON object",
    )
    assert refused["record"] == '"not a call"'
    events = workspace.query("SELECT event, value FROM events ORDER BY timestamp").to_pylist()
    assert events == [
        {"event": "Signed Up", "value": None},
        {"event": "Order Completed", "value": 30.0},
    ]


def test_same_event_id_with_other_content_is_a_conflict(workspace):
    first = workspace.ingest(CORPUS / "events_v1.csv")
    assert first.ingested == 2
    second = workspace.ingest(CORPUS / "events_v2.csv")
    # e1 identical (duplicate); e2 other value than stored (conflict); e3 new, then repeated
    # identically (duplicate); e4 new, then with another event name (conflict).
    assert (second.rows_read, second.ingested, second.duplicates) == (6, 2, 2)
    assert (second.conflicts, second.quarantined) == (2, 2)
    assert second.rows_read == second.ingested + second.duplicates + second.quarantined
    refused = workspace.quarantine.order_by("row").execute().to_dict("records")
    assert [(r["row"], r["reason_code"], r["detail"]) for r in refused] == [
        (3, "conflicting_duplicate", "e2"),
        (7, "conflicting_duplicate", "e4"),
    ]
    assert json.loads(refused[0]["record"])["value"] == 25.0
    # The stored event is the first one seen.
    [e2] = workspace.query("SELECT value FROM events WHERE event_id = 'e2'").to_pylist()
    assert e2["value"] == 20.0
    assert second.to_dict()["conflicts"] == 2
    again = workspace.ingest(CORPUS / "events_v1.csv")
    assert (again.duplicates, again.conflicts) == (2, 0)


def test_quarantine_listing_shows_ingest_id_and_time(tmp_path):
    from recorrido.cli import app

    folder = tmp_path / "ws"
    with Workspace.init(folder, language="es") as ws:
        ws.ingest(CORPUS / "offsets.csv")
        ws.ingest(CORPUS / "segment_batch_bad_element.json")
        [when] = ws.ingest_log.filter(ws.ingest_log.ingest_id == 1).finished_at.execute()
    env = {"RECORRIDO_LANG": "es", "COLUMNS": "250"}
    shown = CliRunner().invoke(app, ["quarantine", "-w", str(folder)], env=env)
    assert shown.exit_code == 0, shown.output
    assert "importación" in shown.stdout and "fecha (UTC)" in shown.stdout
    assert when.strftime("%Y-%m-%d %H:%M:%S") in shown.stdout
    listed = CliRunner().invoke(
        app, ["quarantine", "-w", str(folder), "--ingest", "2", "--json"], env=env
    )
    rows = json.loads(listed.stdout)["rows"]
    assert [(r["ingest_id"], r["row"]) for r in rows] == [(2, 2)]
    assert rows[0]["ingested_at"]
