"""A corpus of files as users have them (tests/files/ingest): each is ingested with the right
counts, or stops with a message that names the fix, in Spanish and English (issue 16)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recorrido import ColumnMapping, Workspace
from recorrido.errors import RecorridoError
from tests.conftest import FILES

CORPUS = FILES / "ingest"


def cli(*args: str, lang: str = "en"):
    from recorrido.cli import app

    env = {"RECORRIDO_LANG": lang, "COLUMNS": "200"}
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def stored(ws: Workspace, sql: str) -> list[dict]:
    return ws.query(sql).to_pylist()


# -- encodings: decided before the header is read ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("latin1_accented_header.csv", "cp1252"),  # Latin-1 text is cp1252 text
        ("cp1252_euro.csv", "cp1252"),
        ("utf16_bom.csv", "utf-16"),
        ("utf16le_no_bom.csv", "utf-16-le"),
        ("utf8_bom.csv", "utf-8"),  # the mark is taken off, not read as a character
        ("latin1.jsonl", "cp1252"),
    ],
)
def test_encodings_are_detected_before_the_header(workspace, name, encoding):
    report = workspace.ingest(CORPUS / name)
    [item] = report.files
    assert item.encoding == encoding
    assert report.quarantined == 0
    assert report.ingested == report.rows_read >= 2
    # The header row is the header: the canonical fields were found by their names.
    assert item.mapping["customer_id"] == "customer_id"


def test_latin1_accents_survive_in_values_and_property_names(workspace):
    workspace.ingest(CORPUS / "latin1_accented_header.csv")
    rows = stored(workspace, "SELECT customer_id, event, properties FROM events ORDER BY timestamp")
    assert [r["customer_id"] for r in rows] == ["josé", "maría", "íñigo"]
    assert json.loads(rows[0]["properties"]) == {
        "categoría": "menú",
        "descripción": "café con leche",
    }


def test_cp1252_euro_sign_and_quotes(workspace):
    workspace.ingest(CORPUS / "cp1252_euro.csv")
    rows = stored(workspace, "SELECT event, properties FROM events ORDER BY timestamp")
    assert rows[1]["event"] == "devolución"
    assert json.loads(rows[0]["properties"]) == {"importe (€)": "19 €", "nota": "“oferta”"}
    assert json.loads(rows[1]["properties"])["nota"] == "…"


def test_explicit_encoding_wins_and_a_wrong_one_is_named(workspace, tmp_path):
    report = workspace.ingest(CORPUS / "latin1_accented_header.csv", encoding="latin-1")
    assert (report.files[0].encoding, report.ingested) == ("iso8859-1", 3)
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(CORPUS / "latin1.jsonl", encoding="utf-16")
    assert caught.value.key == "events_encoding_mismatch"
    assert "latin1.jsonl is not valid utf-16 text" in str(caught.value)


def test_cyrillic_file_asks_for_its_encoding_in_both_languages(workspace, tmp_path):
    path = tmp_path / "clientes.csv"
    path.write_bytes(
        "Имя,Время,Событие\nИван,2024-01-01,покупка\nПётр,2024-01-02,возврат\n".encode("cp1251")
    )
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(path)
    assert caught.value.key == "events_not_utf8"
    assert "--encoding cp1251" in caught.value.localized("en")
    assert "no está en UTF-8" in caught.value.localized("es")
    assert workspace.events.count().execute() == 0


def test_one_latin1_line_in_utf8_ndjson_is_quarantined_not_replaced(workspace):
    report = workspace.ingest(CORPUS / "one_latin1_line.jsonl")
    assert (report.rows_read, report.ingested, report.quarantined) == (3, 2, 1)
    [refused] = workspace.quarantine.execute().to_dict("records")
    assert (refused["row"], refused["reason_code"]) == (2, "malformed_line")
    assert "not valid UTF-8" in refused["detail"]
    names = workspace.events.customer_id.execute().tolist()
    assert sorted(names) == ["josé", "íñigo"]
    assert not any("\ufffd" in n for n in names)


def test_mostly_latin1_rows_under_an_ascii_header_are_read_as_cp1252(workspace, tmp_path):
    path = tmp_path / "ascii_header.csv"
    path.write_bytes(
        b"customer_id,timestamp,event\n"
        + "".join(f"c1,2024-01-01 10:0{i},caf\u00e9\n" for i in range(3)).encode("latin-1")
        + "c2,2024-01-01 11:00,ni\u00f1o\n".encode()  # one well-formed UTF-8 row
    )
    # Once every Latin-1 row was quarantined and the ingest said ✓. Three broken sequences
    # against one well-formed character is not UTF-8 with a few bad lines: the file is cp1252.
    report = workspace.ingest(path)
    assert report.files[0].encoding == "cp1252"
    assert (report.ingested, report.quarantined) == (4, 0)


# -- counts with recognised layouts, and refusals that name the fix ------------------------------


def test_spanish_shop_export_is_read_without_options(workspace):
    report = workspace.ingest(CORPUS / "es_shop_ddmm_decimal_comma.csv")
    assert (report.rows_read, report.ingested, report.quarantined) == (4, 4, 0)
    assert report.files[0].recognised == {
        "timestamp_format": "%d/%m/%Y %H:%M",
        "decimal_separator": ",",
    }
    rows = stored(workspace, "SELECT timestamp, value FROM events ORDER BY timestamp")
    assert [r["value"] for r in rows] == [None, 19.99, 3.0, 1234.56]
    assert rows[0]["timestamp"].isoformat() == "2024-02-13T10:05:00+00:00"


def test_compact_ga_dates(workspace):
    report = workspace.ingest(
        CORPUS / "ga_compact_dates.csv", columns=["customer_id=fullVisitorId"]
    )
    assert report.ingested == 3
    assert report.files[0].recognised == {"timestamp_format": "%Y%m%d"}
    assert workspace.customers.count().execute() == 2


def test_column_names_with_colons_dots_spaces_and_accents_are_kept(workspace):
    report = workspace.ingest(CORPUS / "odd_column_names.csv")
    assert report.ingested == 2
    [first] = stored(workspace, "SELECT properties FROM events ORDER BY timestamp LIMIT 1")
    assert set(json.loads(first["properties"])) == {
        "case:AMOUNT_REQ",
        "org.resource",
        "Nombre del producto",
        "año",
    }


@pytest.mark.parametrize("lang", ["en", "es"])
def test_ambiguous_dates_refuse_everything_exit_1_and_name_both_formats(tmp_path, lang):
    folder = tmp_path / "ws"
    Workspace.init(folder, language=lang).close()
    done = cli("ingest", CORPUS / "ddmm_ambiguous.csv", "-w", folder, lang=lang)
    assert done.exit_code == 1
    assert "✓" not in done.stdout
    assert "--timestamp-format '%d/%m/%Y %H:%M'" in done.stderr
    assert "'%m/%d/%Y %H:%M'" in done.stderr
    assert ("Nothing was stored" if lang == "en" else "No se guardó nada") in done.stderr
    again = cli(
        "ingest",
        CORPUS / "ddmm_ambiguous.csv",
        "-w",
        folder,
        "--timestamp-format",
        "%d/%m/%Y %H:%M",
        lang=lang,
    )
    assert again.exit_code == 0, again.output
    with Workspace.open(folder, read_only=True) as ws:
        days = [t.day for t in ws.events.order_by("timestamp").timestamp.execute()]
    assert days == [1, 3, 5]


def test_json_report_of_a_refused_ingest(tmp_path):
    folder = tmp_path / "ws"
    Workspace.init(folder, language="en").close()
    done = cli("ingest", CORPUS / "ddmm_ambiguous.csv", "-w", folder, "--json")
    assert done.exit_code == 1
    report = json.loads(done.stdout)  # stdout is one JSON document and nothing else
    assert report["ingested"] == 0
    assert report["quarantine_reasons"][0]["reason_code"] == "bad_timestamp"
    assert report["quarantine_reasons"][0]["count"] == 3
    assert any("--timestamp-format" in line for line in report["advice"])


def test_decimal_comma_advice_and_flag(tmp_path):
    path = tmp_path / "mixed.csv"
    # Comma and point decimals together: no convention is certain, so nothing is recognised.
    path.write_text(
        "customer_id;timestamp;event;value\n"
        "c1;2024-01-01 10:00;pago;19,99\nc2;2024-01-01 11:00;pago;5,50\n"
        "c3;2024-01-01 12:00;pago;7.5\n",
        encoding="utf-8",
    )
    folder = tmp_path / "ws"
    Workspace.init(folder, language="es").close()
    done = cli("ingest", path, "-w", folder, lang="es")
    assert done.exit_code == 0
    assert "--decimal-separator ," in done.stdout
    assert "!" in done.stdout and "✓" not in done.stdout
    path2 = tmp_path / "commas.csv"
    path2.write_text("customer_id;timestamp;event;value\nc9;2024-01-01 10:00;pago;2,5\n")
    done = cli("ingest", path2, "-w", folder, "--decimal-separator", ",", lang="es")
    assert done.exit_code == 0, done.output
    with Workspace.open(folder, read_only=True) as ws:
        values = stored(ws, "SELECT value FROM events WHERE customer_id = 'c9'")
    assert values == [{"value": 2.5}]


def test_epoch_advice_names_the_unit(tmp_path):
    path = tmp_path / "epoch.csv"
    path.write_text("customer_id,timestamp,event\nc1,1700000000123,x\nc2,1700000000456,y\n")
    folder = tmp_path / "ws"
    Workspace.init(folder, language="en").close()
    done = cli("ingest", path, "-w", folder)
    assert done.exit_code == 1
    assert "--timestamp-unit ms" in done.stderr
    assert cli("ingest", path, "-w", folder, "--timestamp-unit", "ms").exit_code == 0


def test_mapping_file_keys_still_work_and_flags_win(workspace, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("timestamp_format: '%m/%d/%Y %H:%M'\n", encoding="utf-8")
    folder = tmp_path / "ws2"
    Workspace.init(folder, language="en").close()
    done = cli(
        "ingest",
        CORPUS / "ddmm_ambiguous.csv",
        "-w",
        folder,
        "--mapping",
        mapping,
        "--timestamp-format",
        "%d/%m/%Y %H:%M",
    )
    assert done.exit_code == 0, done.output
    with Workspace.open(folder, read_only=True) as ws:
        months = sorted(t.month for t in ws.events.timestamp.execute())
    assert months == [2, 4, 6]


# -- offsets --------------------------------------------------------------------------------


def test_offsets_beyond_14_hours_or_malformed_are_quarantined(workspace):
    report = workspace.ingest(CORPUS / "offsets.csv")
    assert (report.rows_read, report.ingested, report.quarantined) == (6, 4, 2)
    refused = workspace.quarantine.order_by("row").execute().to_dict("records")
    assert [(r["row"], r["reason_code"]) for r in refused] == [(2, "bad_offset"), (5, "bad_offset")]
    assert refused[0]["detail"] == "2024-03-01T10:00:00+25:00"
    kept = stored(workspace, "SELECT event, timestamp FROM events ORDER BY event")
    assert [r["timestamp"].isoformat() for r in kept] == [
        "2024-03-01T08:00:00+00:00",  # +02:00
        "2024-02-29T20:00:00+00:00",  # +14:00, the farthest real offset (Kiribati)
        "2024-03-01T04:30:00+00:00",  # +0530
        "2024-03-01T10:00:00+00:00",  # Z
    ]


# -- whole-file problems ---------------------------------------------------------------------


def test_empty_file_is_named(workspace):
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(CORPUS / "empty.csv")
    assert caught.value.key == "events_file_empty"
    assert "empty.csv" in caught.value.localized("es") and "vacío" in caught.value.localized("es")


def test_truncated_gzip_is_an_error_and_changes_nothing(tmp_path):
    rows = "".join(f"c{i},2024-01-01 10:{i % 60:02d},e{i % 7}\n" for i in range(20000))
    whole = gzip.compress(("customer_id,timestamp,event\n" + rows).encode())
    path = tmp_path / "events.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    folder = tmp_path / "ws"
    Workspace.init(folder, language="en").close()
    done = cli("ingest", path, "-w", folder)
    assert done.exit_code == 1
    assert "events.csv.gz is truncated or corrupt" in done.stderr
    assert "Traceback" not in done.output
    with Workspace.open(folder, read_only=True) as ws:
        assert ws.events.count().execute() == 0
        assert ws.ingest_log.count().execute() == 0
    complete = tmp_path / "complete.csv.gz"
    complete.write_bytes(whole)
    with Workspace.open(folder) as ws:
        assert ws.ingest(complete).ingested == 20000


def test_messages_never_name_a_scratch_file(workspace, tmp_path):
    path = tmp_path / "weird.jsonl"
    # Every line refused: the message names the user's file.
    path.write_text('"a"\n"b"\n', encoding="latin-1")
    with pytest.raises(RecorridoError) as caught:
        workspace.ingest(path)
    assert "weird.jsonl" in str(caught.value)
    assert "recorrido-" not in str(caught.value)


def test_stale_scratch_folders_of_killed_ingests_are_removed(workspace, tmp_path):
    import subprocess
    import sys
    import tempfile

    # A folder made by a process that has since died (as after a kill -9 mid-ingest).
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    stale = Path(tempfile.mkdtemp(prefix="recorrido-test-stale-"))
    (stale / "owner.pid").write_text(dead)
    (stale / "batch.parquet").write_bytes(b"x" * 1000)
    mine = Path(tempfile.mkdtemp(prefix="recorrido-test-live-"))
    (mine / "owner.pid").write_text(str(__import__("os").getpid()))
    try:
        workspace.ingest(CORPUS / "utf8_bom.csv")
        assert not stale.exists()
        assert mine.exists()  # a live process's folder is left alone
    finally:
        import shutil

        shutil.rmtree(mine, ignore_errors=True)


def test_engine_progress_bar_never_prints_to_stdout(workspace):
    workspace.ingest(CORPUS / "utf8_bom.csv")
    [(printing,)] = workspace.con.con.execute(
        "SELECT current_setting('enable_progress_bar_print')"
    ).fetchall()
    assert printing is False


def test_mapping_options_in_python_api_are_unchanged(workspace):
    report = workspace.ingest(
        CORPUS / "es_shop_ddmm_decimal_comma.csv",
        mapping=ColumnMapping(timestamp_format="%d/%m/%Y %H:%M", decimal_separator=","),
    )
    # Given, not recognised: the report says nothing was guessed.
    assert report.files[0].recognised == {}
    assert report.ingested == 4


@pytest.mark.parametrize("lang", ["en", "es"])
def test_ga_export_whose_time_column_is_not_the_date(tmp_path, lang):
    """GA's `time` (seconds into the visit) is taken for its name; `date` holds the dates."""
    folder = tmp_path / "ws"
    Workspace.init(folder, language=lang).close()
    path = CORPUS / "ga_all_sessions_excerpt.csv"
    ids = ["-c", "customer_id=fullVisitorId", "-c", "event=type"]
    done = cli("ingest", path, "-w", folder, *ids, lang=lang)
    assert done.exit_code == 1
    assert "--column timestamp=date" in done.stderr
    assert "20160913" in done.stderr
    again = cli("ingest", path, "-w", folder, *ids, "-c", "timestamp=date", "--json", lang=lang)
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["ingested"] == 3
    assert report["files"][0]["recognised"] == {"timestamp_format": "%Y%m%d"}


# -- a column or key named like the reader's row number -------------------------------------------


def test_a_csv_column_named_like_the_row_number_is_refused_by_name(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    data = tmp_path / "rows.csv"
    data.write_text("customer_id,event,timestamp,__row\nu1,view,2024-01-01T00:00:00Z,7\n")
    with pytest.raises(RecorridoError) as caught:
        ws.ingest(data)
    assert caught.value.key == "column_reserved"
    assert str(data) in caught.value.localized("en") and "__row" in caught.value.localized("es")
    assert stored(ws, "SELECT count(*) AS n FROM raw_events") == [{"n": 0}]


def test_an_ndjson_line_with_the_row_number_key_is_quarantined_alone(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    data = tmp_path / "rows.ndjson"
    lines = [
        {"customer_id": "u1", "event": "view", "timestamp": "2024-01-01T00:00:00Z"},
        {"customer_id": "u2", "event": "view", "timestamp": "2024-01-01T00:00:00Z", "__row": 9},
        {"customer_id": "u3", "event": "buy", "timestamp": "2024-01-02T00:00:00Z"},
    ]
    data.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = ws.ingest(data)
    assert (report.ingested, report.quarantined) == (2, 1)
    refused = stored(ws, "SELECT row, reason_code, detail FROM quarantine")
    assert refused[0]["row"] == 2 and "__row" in refused[0]["detail"]
