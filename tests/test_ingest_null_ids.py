"""Identity columns: texts that exports write for "no id" (NA, null, -) are no id, as an empty cell
is; ids written in scientific notation (digits lost) are warned about (probe, items 1 and 2)."""

from __future__ import annotations

import json

import pytest

from recorrido import Workspace
from tests.ingest_helpers import cli, write

NULL_LIKE = ["NA", "N/A", "NaN", "null", "NULL", "None", "-", " na ", "undefined", "#N/A", ""]


@pytest.mark.parametrize("text", NULL_LIKE)
def test_null_like_customer_id_is_no_id(workspace, tmp_path, text):
    # Two anonymous visitors whose user id is a placeholder: each stays its own visitor, and the
    # placeholder never becomes a customer.
    path = write(
        tmp_path / "views.csv",
        "user_id,session_id,timestamp,event\n"
        f"{text},s1,2024-01-01 10:00:00,view\n"
        f"{text},s2,2024-01-01 11:00:00,view\n"
        "u7,s3,2024-01-01 12:00:00,buy\n",
    )
    report = workspace.ingest(path)
    assert (report.ingested, report.quarantined) == (3, 0)
    rows = workspace.query(
        "SELECT customer_id, anonymous_id FROM raw_events ORDER BY anonymous_id"
    ).to_pylist()
    assert rows == [
        {"customer_id": None, "anonymous_id": "s1"},
        {"customer_id": None, "anonymous_id": "s2"},
        {"customer_id": "u7", "anonymous_id": "s3"},
    ]
    customers = workspace.query("SELECT DISTINCT customer_id FROM events ORDER BY 1").to_pylist()
    assert [c["customer_id"] for c in customers] == ["s1", "s2", "u7"]
    # An empty cell was already no id; only the placeholders are counted as read as missing.
    assert report.files[0].null_like_ids == ({} if text == "" else {"user_id": 2})


def test_null_like_in_both_id_columns_is_quarantined_as_missing_id(workspace, tmp_path):
    path = write(
        tmp_path / "views.csv",
        "customer_id,anonymous_id,timestamp,event\n"
        "NA,null,2024-01-01 10:00:00,view\n"
        ",,2024-01-01 10:05:00,view\n"
        "c1,-,2024-01-01 11:00:00,view\n",
    )
    report = workspace.ingest(path)
    assert (report.ingested, report.quarantined) == (1, 2)
    refused = workspace.query("SELECT row, reason_code FROM quarantine ORDER BY row").to_pylist()
    assert refused == [
        {"row": 2, "reason_code": "missing_id"},
        {"row": 3, "reason_code": "missing_id"},
    ]
    assert report.files[0].null_like_ids == {"customer_id": 1, "anonymous_id": 2}
    stored = workspace.query("SELECT customer_id, anonymous_id FROM raw_events").to_pylist()
    assert stored == [{"customer_id": "c1", "anonymous_id": None}]


def test_ids_that_only_contain_a_null_like_text_are_kept(workspace, tmp_path):
    path = write(
        tmp_path / "views.csv",
        "customer_id,timestamp,event\n"
        "NAN-1,2024-01-01 10:00:00,view\n"
        "nobody,2024-01-01 10:00:00,view\n"
        "--,2024-01-01 10:00:00,view\n"
        "nullable,2024-01-01 10:00:00,view\n",
    )
    report = workspace.ingest(path)
    assert report.ingested == 4
    assert report.files[0].null_like_ids == {}
    ids = workspace.query("SELECT customer_id FROM raw_events ORDER BY 1").to_pylist()
    assert [r["customer_id"] for r in ids] == ["--", "NAN-1", "nobody", "nullable"]


def test_null_like_email_links_nobody(workspace, tmp_path):
    # Two people who both left "N/A" as their e-mail are not one customer.
    path = write(
        tmp_path / "signups.ndjson",
        '{"user_id": "a", "timestamp": "2024-01-01T10:00:00Z", "event": "signup", '
        '"email": "N/A"}\n'
        '{"user_id": "b", "timestamp": "2024-01-01T11:00:00Z", "event": "signup", '
        '"email": "n/a"}\n',
    )
    workspace.ingest(path)
    customers = workspace.query("SELECT DISTINCT customer_id FROM events ORDER BY 1").to_pylist()
    assert [c["customer_id"] for c in customers] == ["a", "b"]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "2 values of the column 'user_id' were texts such as NA, null or - and were read "
            "as no id.",
        ),
        (
            "es",
            "2 valores de la columna «user_id» eran textos como NA, null o - y se leyeron "
            "como identificador vacío.",
        ),
    ],
)
def test_cli_says_how_many_ids_were_read_as_missing(tmp_path, lang, said):
    path = write(
        tmp_path / "views.csv",
        "user_id,session_id,timestamp,event\n"
        "NA,s1,2024-01-01 10:00:00,view\n"
        "NA,s2,2024-01-01 11:00:00,view\n",
    )
    assert cli("init", tmp_path / "ws").exit_code == 0
    result = cli("ingest", path, "-w", tmp_path / "ws", lang=lang)
    assert result.exit_code == 0, result.output
    assert said in result.output
    as_json = cli("ingest", path, "-w", tmp_path / "ws", "--json")
    assert json.loads(as_json.stdout)["files"][0]["null_like_ids"] == {"user_id": 2}


def test_diginetica_na_user_is_not_a_customer(tmp_path, shared_data):
    path = shared_data / "diginetica_sample" / "sample_train-item-views.csv"
    with Workspace.init(tmp_path / "ws", timezone="UTC", language="en") as ws:
        report = ws.ingest(path, columns={"timestamp": "eventdate", "event": "item_id"})
        assert report.files[0].null_like_ids == {"user_id": 7681}
        assert (
            ws.query("SELECT count(*) AS n FROM raw_events WHERE customer_id = 'NA'").to_pylist()[
                0
            ]["n"]
            == 0
        )
        biggest = ws.query(
            "SELECT count(*) AS n FROM events GROUP BY customer_id ORDER BY n DESC LIMIT 1"
        ).to_pylist()[0]["n"]
        assert biggest < 100  # was 7,702 events (62 % of the file) under one customer


# -- ids in scientific notation -------------------------------------------------------------------


def test_scientific_notation_ids_are_warned_about_and_still_read(workspace, tmp_path):
    path = write(
        tmp_path / "sessions.csv",
        "fullVisitorId,visitId,date,type\n"
        "2.81772E+18,1,2016-09-13,PAGE\n"
        "2.81772E+18,2,2016-09-13,EVENT\n"
        "9.67481E+18,3,2016-09-14,PAGE\n",
    )
    report = workspace.ingest(
        path, columns={"customer_id": "fullVisitorId", "timestamp": "date", "event": "type"}
    )
    assert (report.ingested, report.quarantined) == (3, 0)
    assert report.files[0].warnings == [
        {
            "code": "events_warning_scientific_ids",
            "field": "customer_id",
            "column": "fullVisitorId",
            "example": "2.81772E+18",
        }
    ]


def test_plain_ids_give_no_warning(workspace, tmp_path):
    path = write(
        tmp_path / "sessions.csv",
        "customer_id,anonymous_id,timestamp,event\n"
        "2817715000000000000,e5f1,2016-09-13,PAGE\n"
        "1E5X,1e,2016-09-13,PAGE\n",
    )
    report = workspace.ingest(path)
    assert report.files[0].warnings == []


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "The column 'fullVisitorId' (customer_id) holds ids in scientific notation, such "
            "as '2.81772E+18'",
        ),
        (
            "es",
            "La columna «fullVisitorId» (customer_id) tiene identificadores en notación "
            "científica, como «2.81772E+18»",
        ),
    ],
)
def test_cli_warns_about_scientific_ids(tmp_path, lang, said):
    path = write(
        tmp_path / "sessions.csv",
        "fullVisitorId,date,type\n2.81772E+18,2016-09-13,PAGE\n",
    )
    assert cli("init", tmp_path / "ws").exit_code == 0
    columns = ["-c", "customer_id=fullVisitorId", "-c", "timestamp=date", "-c", "event=type"]
    result = cli("ingest", path, "-w", tmp_path / "ws", *columns, lang=lang)
    assert result.exit_code == 0, result.output
    assert said in " ".join(result.output.split())


def test_ga_visitor_ids_are_warned_about(tmp_path, shared_data):
    path = shared_data / "ga_merchandise_store_lhl" / "all_sessions.csv"
    with Workspace.init(tmp_path / "ws", timezone="UTC", language="en") as ws:
        report = ws.ingest(
            path, columns={"customer_id": "fullVisitorId", "timestamp": "date", "event": "type"}
        )
    (warning,) = report.files[0].warnings
    assert warning["column"] == "fullVisitorId"
    assert report.quarantined == 0
