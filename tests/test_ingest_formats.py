"""Parquet, NDJSON (with nested lists) and the bundled real dataset."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pytest

from recorrido import ColumnMapping, RecorridoError
from recorrido.demo import bundled


def test_bundled_otto_sample_exact_counts(workspace):
    with bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
        report = workspace.ingest(data, mapping=mapping)
    assert (report.rows_read, report.ingested, report.quarantined) == (862, 862, 0)
    counts = dict(
        workspace.events.group_by("event").aggregate(n=workspace.events.count()).execute().values
    )
    assert counts == {"clicks": 800, "carts": 52, "orders": 10}  # as its SOURCE.md states
    assert workspace.customers.count().execute() == 20
    first = workspace.events.order_by(["timestamp", "event_id"]).limit(1).execute().iloc[0]
    # 1659304800025 ms since the epoch
    assert first.timestamp == datetime(2022, 7, 31, 22, 0, 0, 25000, tzinfo=UTC)


def test_parquet_typed_columns(workspace, tmp_path):
    path = tmp_path / "events.parquet"
    con = duckdb.connect()
    con.execute(
        """
        COPY (
            SELECT * FROM (VALUES
                ('e1', 'u1', TIMESTAMP '2024-06-01 12:00:00', 'login', 1.5::DOUBLE, 3),
                ('e2', NULL, TIMESTAMP '2024-06-01 12:05:00', 'visita', NULL, 4),
                ('e3', 'u2', NULL, 'login', 2.0::DOUBLE, 5)
            ) t(event_id, user_id, ts, event, amount, items)
        ) TO '{path}' (FORMAT parquet)
        """.replace("{path}", str(path))
    )
    report = workspace.ingest(
        path, columns={"timestamp": "ts", "value": "amount"}, timezone="Europe/Madrid"
    )
    assert (report.rows_read, report.ingested, report.quarantined) == (3, 1, 2)
    quarantine = {
        r["row"]: r["reason_code"] for r in workspace.quarantine.execute().to_dict("records")
    }
    assert quarantine == {2: "missing_id", 3: "empty_timestamp"}
    [row] = workspace.events.execute().to_dict("records")
    # A naive Parquet timestamp is read in the stated zone (CEST, UTC+2 in June).
    assert row["timestamp"] == datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
    assert row["value"] == 1.5
    assert row["properties"] == {"items": 3}


def test_ndjson_generic_with_nested_properties(workspace, tmp_path):
    path = tmp_path / "app.ndjson"
    path.write_text(
        '{"anonymous_id": "d1", "timestamp": "2024-01-05T10:00:00-05:00", "event": "abrir_app",'
        ' "device": {"os": "android"}}\n'
        '{"anonymous_id": "d1", "timestamp": "2024-01-05T10:01:00-05:00", "event": ""}\n',
        encoding="utf-8",
    )
    report = workspace.ingest(path)
    assert (report.ingested, report.quarantined) == (1, 1)
    [row] = workspace.events.execute().to_dict("records")
    assert row["timestamp"] == datetime(2024, 1, 5, 15, 0, tzinfo=UTC)
    assert row["properties"] == {"device": {"os": "android"}}
    [refused] = workspace.quarantine.execute().to_dict("records")
    assert (refused["row"], refused["reason_code"], refused["column"]) == (
        2,
        "empty_event",
        "event",
    )


def test_epoch_numbers_need_a_unit(workspace, tmp_path):
    path = tmp_path / "epoch.csv"
    path.write_text("customer_id,timestamp,event\nc1,1700000000,x\n", encoding="utf-8")
    workspace.ingest(path, mapping=ColumnMapping(timestamp_unit="s"))
    [ts] = workspace.events.timestamp.execute().tolist()
    assert ts == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    parquet = tmp_path / "epoch.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT 'c1' AS customer_id, 1700000000 AS timestamp, 'x' AS event) "
        f"TO '{parquet}' (FORMAT parquet)"
    )
    with pytest.raises(RecorridoError, match="timestamp_unit"):
        workspace.ingest(parquet)


def test_unreadable_file_changes_nothing(workspace, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("customer_id,timestamp,event\nc1,2024-01-01,x\n", encoding="utf-8")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(RecorridoError, match=r"broken\.parquet"):
        workspace.ingest([good, broken])
    assert workspace.events.count().execute() == 0
    assert workspace.ingest_log.count().execute() == 0
    with pytest.raises(RecorridoError, match=r"not-here\.csv"):
        workspace.ingest(tmp_path / "not-here.csv")


def test_real_clickstream_from_shared_data(workspace, shared_data):
    """REES46 sample: well-known column names (event_time, event_type, user_id, price)."""
    path = shared_data / "rees46_multicategory_sample" / "2019-Oct-sample.csv"
    report = workspace.ingest(path)
    assert report.rows_read == 1000
    assert report.ingested + report.duplicates + report.quarantined == 1000
    assert report.files[0].mapping["customer_id"] == "user_id"
    assert workspace.customers.count().execute() == 330  # as its SOURCE.md states


def test_malformed_json_lines_are_quarantined_not_fatal(workspace, tmp_path):
    path = tmp_path / "app.jsonl"
    lines = [
        '{"anonymous_id": "d1", "timestamp": "2024-01-05T10:00:00Z", "event": "abrir_app"}',
        '{"anonymous_id": "d1", "timestamp": "2024-01-05T10:01:00Z", "event": "ver_',  # cut off
        "",  # a blank line is not a record
        "[1, 2]",  # JSON, but not an object
        '{"anonymous_id": "d1", "timestamp": "ayer", "event": "pagar"}',
        '{"anonymous_id": "d2", "timestamp": "2024-01-05T11:00:00Z", "event": "pagar",'
        ' "importe": 9.5}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = workspace.ingest(path)
    assert (report.rows_read, report.ingested, report.quarantined) == (5, 2, 3)
    refused = workspace.quarantine.order_by("row").execute().to_dict("records")
    assert [(r["row"], r["reason_code"]) for r in refused] == [
        (2, "malformed_line"),
        (4, "malformed_line"),
        (5, "bad_timestamp"),
    ]
    assert refused[0]["record"] == lines[1]
    assert "not a JSON object" in refused[1]["detail"]
    kept = workspace.events.order_by("timestamp").execute().to_dict("records")
    assert [r["event"] for r in kept] == ["abrir_app", "pagar"]
    assert kept[1]["properties"] == {"importe": 9.5}


def test_segment_batch_call(workspace, tmp_path):
    path = tmp_path / "batch.json"
    calls = [
        {
            "type": "track",
            "messageId": "b1",
            "anonymousId": "a-1",
            "event": "Product Viewed",
            "timestamp": "2024-05-01T10:00:00Z",
        },
        {
            "type": "identify",
            "messageId": "b2",
            "anonymousId": "a-1",
            "userId": "u-1",
            "timestamp": "2024-05-01T10:01:00Z",
            "traits": {"name": "Lucía"},
        },
        {"type": "track", "messageId": "b3", "userId": "u-1", "event": "Order Completed"},
    ]
    path.write_text(json.dumps({"batch": calls, "sentAt": "2024-05-01T10:02:00Z"}, indent=2))
    report = workspace.ingest(path)
    assert report.files[0].format == "segment"
    assert (report.rows_read, report.ingested, report.quarantined) == (3, 2, 1)
    [refused] = workspace.quarantine.execute().to_dict("records")
    assert (refused["row"], refused["reason_code"]) == (3, "empty_timestamp")
    owners = workspace.events.customer_id.execute().tolist()
    assert owners == ["u-1", "u-1"]
