"""Which columns give which fields: pm4py/XES column names, every missing required field named at
once, and a mapping file's ``defaults`` that are either honoured or refused (probe, items 3-5)."""

from __future__ import annotations

import pytest

from recorrido import ColumnMapping, Workspace
from recorrido.errors import RecorridoError
from tests.ingest_helpers import cli, write

# -- pm4py / XES column names -------------------------------------------------------------------


def test_pm4py_csv_headers_are_recognised(workspace, tmp_path):
    # pm4py writes the XES keys as CSV headers, next to columns that are mere attributes.
    path = write(
        tmp_path / "log.csv",
        "case:concept:name,concept:name,time:timestamp,org:resource,Activity,date\n"
        "case-1,register,2011-10-11 13:45:40+02:00,Pete,register,2020-01-01\n"
        "case-1,decide,2011-10-12 08:26:25+02:00,Sara,decide,2020-01-01\n"
        "case-2,register,2011-10-13 09:00:00+02:00,Pete,register,2020-01-01\n",
    )
    report = workspace.ingest(path)
    assert report.ingested == 3
    assert report.files[0].mapping == {
        "customer_id": "case:concept:name",
        "timestamp": "time:timestamp",
        "event": "concept:name",
    }
    rows = workspace.query(
        "SELECT customer_id, event, timestamp FROM raw_events ORDER BY timestamp"
    ).to_pylist()
    assert [(r["customer_id"], r["event"]) for r in rows] == [
        ("case-1", "register"),
        ("case-1", "decide"),
        ("case-2", "register"),
    ]
    assert str(rows[0]["timestamp"]).startswith("2011-10-11 11:45:40")


def test_pm4py_receipt_csv_ingests_without_options(tmp_path, shared_data):
    path = shared_data / "pm4py_receipt" / "receipt.csv"
    with Workspace.init(tmp_path / "ws", timezone="UTC", language="en") as ws:
        report = ws.ingest(path)
        assert (report.rows_read, report.ingested, report.quarantined) == (8577, 8577, 0)
        cases = ws.query("SELECT count(DISTINCT customer_id) AS n FROM raw_events").to_pylist()
    assert report.files[0].mapping["event"] == "concept:name"
    assert cases[0]["n"] == 1434  # the log's cases (receipt.xes has as many traces)


# -- every missing required field in one message -----------------------------------------------


@pytest.mark.parametrize(
    ("header", "fields"),
    [
        ("a,b,c", "timestamp, event, customer_id/anonymous_id"),
        ("user_id,b,c", "timestamp, event"),
        ("ts,b,c", "event, customer_id/anonymous_id"),
    ],
)
def test_every_missing_field_is_named_at_once(workspace, tmp_path, header, fields):
    path = write(tmp_path / "log.csv", f"{header}\n1,2,3\n")
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(path)
    assert caught.value.key == "events_fields_unmapped"
    assert f"no column gives the required fields {fields}." in str(caught.value)
    assert str(path) in str(caught.value)
    assert f"ninguna columna da los campos obligatorios {fields}." in caught.value.localized("es")


def test_one_missing_field_keeps_its_own_message(workspace, tmp_path):
    path = write(tmp_path / "log.csv", "user_id,ts,b\n1,2024-01-01,3\n")
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(path)
    assert caught.value.key == "field_unmapped"
    assert caught.value.params["field"] == "event"


def test_cli_names_every_missing_field_in_one_run(tmp_path):
    path = write(tmp_path / "log.csv", "a,b,c\n1,2,3\n")
    assert cli("init", tmp_path / "ws").exit_code == 0
    result = cli("ingest", path, "-w", tmp_path / "ws", lang="es")
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "campos obligatorios timestamp, event, customer_id/anonymous_id" in said
    assert "--column timestamp=COLUMNA" in said


# -- mapping file defaults ----------------------------------------------------------------------


def test_default_event_is_given_to_every_row(workspace, tmp_path):
    # CDNOW-like: one purchase per row, no column that names the event.
    data = write(
        tmp_path / "purchases.csv",
        "customer_id,date,amount\n1,1997-01-01,11.77\n2,1997-01-12,12.00\n",
    )
    mapping = write(
        tmp_path / "mapping.yaml",
        "columns:\n  timestamp: date\ndefaults:\n  event: purchase\n  channel: shop\n",
    )
    report = workspace.ingest(data, mapping=mapping)
    assert report.ingested == 2
    rows = workspace.query(
        "SELECT customer_id, event, channel, value FROM raw_events ORDER BY customer_id"
    ).to_pylist()
    assert rows == [
        {"customer_id": "1", "event": "purchase", "channel": "shop", "value": 11.77},
        {"customer_id": "2", "event": "purchase", "channel": "shop", "value": 12.0},
    ]


def test_cli_ingests_with_a_default_event(tmp_path):
    data = write(tmp_path / "purchases.csv", "customer_id,date\n1,1997-01-01\n")
    mapping = write(
        tmp_path / "mapping.yaml", "columns: {timestamp: date}\ndefaults: {event: purchase}\n"
    )
    assert cli("init", tmp_path / "ws").exit_code == 0
    result = cli("ingest", data, "-w", tmp_path / "ws", "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert "1 ingested" in result.output


@pytest.mark.parametrize("field", ["timestamp", "customer_id", "anonymous_id", "event_id", "value"])
def test_default_for_a_field_no_constant_can_give_is_refused(workspace, tmp_path, field):
    data = write(tmp_path / "log.csv", "user_id,ts,event\nu1,2024-01-01,view\n")
    mapping = write(tmp_path / "mapping.yaml", f"defaults:\n  {field}: '1'\n")
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(data, mapping=mapping)
    assert caught.value.key == "events_mapping_default_unsupported"
    said = str(caught.value)
    assert said.startswith(f"{mapping}: defaults.{field} is not supported")
    assert "event, channel, source" in said
    assert f"{mapping}: defaults.{field} no se admite" in caught.value.localized("es")
    assert workspace.events.count().execute() == 0


def test_default_refused_from_python_too():
    with pytest.raises(RecorridoError) as caught:
        ColumnMapping(defaults={"timestamp": "2024-01-01"})
    assert caught.value.key == "events_mapping_default_unsupported"


def test_cli_refuses_an_unsupported_default_naming_key_and_file(tmp_path):
    data = write(tmp_path / "log.csv", "user_id,ts\nu1,2024-01-01\n")
    mapping = write(tmp_path / "mapping.yaml", "defaults:\n  timestamp: '2024-01-01'\n")
    assert cli("init", tmp_path / "ws").exit_code == 0
    result = cli("ingest", data, "-w", tmp_path / "ws", "--mapping", mapping)
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "defaults.timestamp is not supported" in said
    assert mapping.name in said


def test_unknown_mapping_key_is_refused_with_the_file(workspace, tmp_path):
    data = write(tmp_path / "log.csv", "user_id,ts,event\nu1,2024-01-01,view\n")
    mapping = write(tmp_path / "mapping.yaml", "constants:\n  event: purchase\n")
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(data, mapping=mapping)
    assert caught.value.key == "mapping_file_invalid"
    assert str(mapping) in str(caught.value) and "constants" in str(caught.value)
