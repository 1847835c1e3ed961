"""A dirty Spanish CSV with planted bad rows of every kind gives exact counts and reasons."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from recorrido import RecorridoError
from tests.conftest import FILES

DIRTY = FILES / "dirty_es.csv"
MAPPING = FILES / "dirty_es_mapping.yaml"


def quarantine_by_row(ws) -> dict[int, tuple[str, str | None, str | None]]:
    rows = ws.quarantine.to_pyarrow().to_pylist()
    return {r["row"]: (r["reason_code"], r["column"], r["detail"]) for r in rows}


def test_dirty_csv_counts(workspace):
    report = workspace.ingest(DIRTY, mapping=MAPPING, delimiter=";")
    assert (report.rows_read, report.ingested, report.duplicates, report.quarantined) == (
        15,
        4,
        1,
        10,
    )
    assert workspace.events.count().execute() == 4


def test_every_reason_with_its_line_and_column(workspace):
    workspace.ingest(DIRTY, mapping=MAPPING, delimiter=";")
    # Lines count the header as line 1; line 13 is the malformed one, so later lines must not
    # be shifted by it.
    assert quarantine_by_row(workspace) == {
        5: ("missing_id", "cliente", None),
        6: ("bad_timestamp", "fecha", "no es fecha"),
        7: ("bad_timestamp", "fecha", "2024-02-30 10:00:00"),
        8: ("empty_timestamp", "fecha", None),
        9: ("empty_event", "accion", None),
        10: ("bad_value", "importe", "doce"),
        13: ("malformed_line", None, "Expected Number of Columns: 8 Found: 9"),
        14: ("timestamp_in_future", "fecha", "2090-01-01 10:00:00"),
        15: ("timestamp_too_old", "fecha", "1900-01-01 00:00:00"),
        16: ("bad_value", "importe", "NaN"),
    }


def test_quarantine_keeps_the_original_record(workspace):
    workspace.ingest(DIRTY, mapping=MAPPING, delimiter=";")
    rows = {r["row"]: r for r in workspace.quarantine.to_pyarrow().to_pylist()}
    assert '"ciudad":"León"' in rows[10]["record"].replace(" ", "")
    assert rows[13]["record"] == "11;c3;;2024-03-03 10:00:00;compra;tienda;5;Zaragoza;sobra"


def test_values_times_and_properties(workspace):
    workspace.ingest(DIRTY, mapping=MAPPING, delimiter=";")
    rows = {
        r["event_id"]: r for r in workspace.events.order_by("event_id").to_pyarrow().to_pylist()
    }
    assert sorted(rows) == ["1", "10", "2", "3"]
    # Naive times are Madrid time (UTC+1 in March); offsets are honoured.
    assert rows["1"]["timestamp"] == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert rows["2"]["timestamp"] == datetime(2024, 3, 1, 9, 5, tzinfo=UTC)
    assert rows["2"]["value"] == 12.5
    assert rows["10"]["value"] == 1234.56
    assert rows["2"]["event"] == "añadir_carrito"
    assert rows["3"]["customer_id"] == "a9"  # anonymous-only customers keep their anonymous id
    assert json.loads(rows["1"]["properties"]) == {"ciudad": "Málaga"}
    assert rows["1"]["source"] == "dirty_es.csv"


def test_second_ingest_adds_nothing(workspace):
    workspace.ingest(DIRTY, mapping=MAPPING, delimiter=";")
    before = workspace.events.count().execute()
    again = workspace.ingest(DIRTY, mapping=MAPPING, delimiter=";")
    assert (again.rows_read, again.ingested, again.duplicates, again.quarantined) == (15, 0, 5, 10)
    assert workspace.events.count().execute() == before


def test_rows_without_ids_get_a_stable_content_hash(workspace, tmp_path):
    path = tmp_path / "sin_id.csv"
    path.write_text(
        "cliente,fecha,accion\nc1,2024-01-01 10:00,visita\nc1,2024-01-01 10:00,visita\n"
        "c1,2024-01-01 10:01,visita\n",
        encoding="utf-8",
    )
    columns = ["customer_id=cliente", "timestamp=fecha", "event=accion"]
    first = workspace.ingest(path, columns=columns)
    assert (first.ingested, first.duplicates) == (2, 1)
    second = workspace.ingest(path, columns=columns)
    assert (second.ingested, second.duplicates) == (0, 3)


def test_delimiter_is_sniffed_and_well_known_names_are_used(workspace, tmp_path):
    path = tmp_path / "tabs.tsv"
    path.write_text(
        "user_id\tevent_time\tevent_type\tprice\n7\t2024-01-01T08:00:00Z\tview\t3.5\n",
        encoding="utf-8",
    )
    report = workspace.ingest(path)
    assert report.ingested == 1
    assert report.files[0].mapping == {
        "customer_id": "user_id",
        "timestamp": "event_time",
        "event": "event_type",
        "value": "price",
    }


def test_missing_column_names_the_file_and_suggests(workspace):
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(DIRTY, delimiter=";", columns=["event=acción", "customer_id=cliente"])
    text = str(caught.value)
    assert "dirty_es.csv" in text and "acción" in text and "`accion`" in text
    assert workspace.events.count().execute() == 0


def test_unknown_field_is_refused():
    from recorrido.events.mapping import parse_column_options

    with pytest.raises(RecorridoError, match="evnt"):
        parse_column_options(["evnt=Action"])


def test_utf16_file_with_encoding(workspace, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_text("customer_id,timestamp,event\nñ1,2024-01-01 10:00,reseña\n", encoding="utf-16")
    report = workspace.ingest(path, encoding="utf-16")
    assert report.ingested == 1
    assert workspace.events.event.execute().tolist() == ["reseña"]


def test_custom_time_format_and_unknown_time_zone(workspace, tmp_path):
    path = tmp_path / "dmy.csv"
    path.write_text("customer_id,timestamp,event\nc,31/12/2024 23:30,pago\n", encoding="utf-8")
    from recorrido import ColumnMapping

    workspace.ingest(
        path, mapping=ColumnMapping(timestamp_format="%d/%m/%Y %H:%M"), timezone="America/Bogota"
    )
    [ts] = workspace.events.timestamp.execute().tolist()
    assert ts.isoformat() == "2025-01-01T04:30:00+00:00"
    with pytest.raises(RecorridoError, match="Europe/Madrid"):
        workspace.ingest(path, timezone="Europe/Madird")
