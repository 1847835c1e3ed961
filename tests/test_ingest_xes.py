"""XES event logs as a first-class format: case = customer, attributes as properties (16.2)."""

from __future__ import annotations

import gzip
import json

import pytest

from recorrido.errors import RecorridoError
from tests.conftest import FILES

TINY = FILES / "ingest" / "tiny.xes"


def test_tiny_log_cases_events_and_attributes(workspace):
    report = workspace.ingest(TINY)
    [item] = report.files
    assert item.format == "xes"
    assert item.mapping["customer_id"] == "case:concept:name"
    # The fifth event has no time:timestamp: quarantined with its reason, the rest kept.
    assert (report.rows_read, report.ingested, report.quarantined) == (5, 4, 1)
    [refused] = workspace.quarantine.execute().to_dict("records")
    assert (refused["row"], refused["reason_code"], refused["column"]) == (
        5,
        "empty_timestamp",
        "time:timestamp",
    )
    rows = workspace.query(
        "SELECT customer_id, event, timestamp, properties FROM events ORDER BY timestamp"
    ).to_pylist()
    assert [(r["customer_id"], r["event"]) for r in rows] == [
        ("173688", "A_SUBMITTED"),
        ("173691", "A_SUBMITTED"),
        ("173691", "A_DECLINED"),
        ("173688", "A_ACCEPTED"),
    ]
    assert rows[0]["timestamp"].isoformat() == "2011-09-30T22:38:44.546000+00:00"
    assert json.loads(rows[0]["properties"]) == {
        "case:AMOUNT_REQ": 20000.5,
        "case:REG_DATE": "2011-10-01T00:38:44.546+02:00",
        "lifecycle:transition": "COMPLETE",
        "org:resource": 112,
    }
    assert json.loads(rows[3]["properties"])["urgent"] is True
    assert workspace.customers.count().execute() == 2


def test_gzipped_log_and_format_flag(workspace, tmp_path):
    packed = tmp_path / "loans.xes.gz"
    packed.write_bytes(gzip.compress(TINY.read_bytes()))
    assert workspace.ingest(packed).ingested == 4
    renamed = tmp_path / "loans.log"
    renamed.write_bytes(TINY.read_bytes())
    again = workspace.ingest(renamed, format="xes")
    assert (again.ingested, again.duplicates) == (0, 4)


def test_entities_are_refused_and_broken_xml_is_named(workspace, tmp_path):
    laughs = tmp_path / "laughs.xes"
    laughs.write_text(
        '<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><log><trace>&b;</trace></log>'
    )
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(laughs)
    assert caught.value.key == "events_xes_invalid"
    broken = tmp_path / "broken.xes"
    broken.write_text("<log><trace><event><string key='concept:name' value='x'/></trace></log>")
    with pytest.raises(RecorridoError, match=r"broken\.xes is not a readable XES log"):
        workspace.ingest(broken)
    assert workspace.events.count().execute() == 0


def test_running_example_matches_pm4py(workspace, shared_data):
    """The textbook log: 6 cases, 42 events, 8 activities (its SOURCE.md, computed by pm4py)."""
    path = shared_data / "pm4py_running_example" / "running-example.xes"
    report = workspace.ingest(path)
    assert (report.rows_read, report.ingested, report.quarantined) == (42, 42, 0)
    [counts] = workspace.query(
        "SELECT count(DISTINCT customer_id) AS cases, count(DISTINCT event) AS activities, "
        "min(timestamp) AS first FROM events"
    ).to_pylist()
    assert (counts["cases"], counts["activities"]) == (6, 8)
    assert counts["first"].isoformat() == "2010-12-30T10:02:00+00:00"


@pytest.mark.slow
def test_bpi_2012_loan_log_matches_pm4py(workspace, shared_data):
    """13,087 cases, 262,200 events, 24 activities (SOURCE.md's pm4py figures); about 20 s."""
    path = shared_data / "bpi2012_loan_application" / "bpic2012.xes.gz"
    report = workspace.ingest(path)
    assert (report.rows_read, report.ingested, report.quarantined) == (262200, 262200, 0)
    [counts] = workspace.query(
        "SELECT count(DISTINCT customer_id) AS cases, count(DISTINCT event) AS activities "
        "FROM events"
    ).to_pylist()
    assert (counts["cases"], counts["activities"]) == (13087, 24)
