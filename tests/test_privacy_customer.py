"""One person's data exported and forgotten: everywhere, for good, audited, no trace."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app
from recorrido.privacy.person import export_person, forget_person
from recorrido.privacy.retention import apply_retention
from tests.conftest import FILES

JOURNEY = FILES / "segment_journey.jsonl"
# user-42 is also anon-1, device-7 (same e-mail) and old-id-9 (alias): 8 events; stranger has 1.
PERSON_EVENTS = 8


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("privacy")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"type":"track","messageId":"q1","userId":"user-42","event":"X","timestamp":"nope"}\n'
        '{"type":"track","messageId":"q2","userId":"user-420","event":"X","timestamp":"nope"}\n',
        encoding="utf-8",
    )
    path = tmp_path / "ws"
    with Workspace.init(path, language="en") as ws:
        ws.ingest([JOURNEY, bad])
        predictions = {"customer_id": ["user-42", "stranger"], "score": [0.9, 0.1]}
        ws.con.create_table("predictions", _memtable(predictions))
    return path


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    """A copy of the workspace per test (ingesting takes seconds; copying a folder does not)."""
    path = tmp_path / "ws"
    shutil.copytree(template, path)
    return path


def _memtable(data):
    import ibis

    return ibis.memtable(data)


def _held(folder: Path, customer_id: str) -> dict:
    with Workspace.open(folder) as ws:
        return export_person(ws, customer_id)


def test_export_gives_everything_held_about_the_person(folder):
    data = _held(folder, "device-7")  # any of their ids finds the whole person
    assert data["found"]
    assert data["identifiers"] == {
        "user_ids": ["user-42"],
        "anonymous_ids": ["anon-1", "device-7", "old-id-9"],
    }
    assert len(data["events"]) == PERSON_EVENTS
    assert {e["customer_id"] for e in data["events"]} == {"user-42"}
    tables = data["tables"]
    assert len(tables["raw_events"]) == PERSON_EVENTS
    assert [r["customer_id"] for r in tables["customers"]] == ["user-42"]
    assert [r["score"] for r in tables["predictions"]] == [0.9]
    assert len(tables["quarantine"]) == 1  # user-42's refused row, not user-420's
    assert "user-42" in tables["quarantine"][0]["record"]
    assert tables["identity_links"]
    json.dumps(data, default=str)  # all of it is JSON


def test_forget_then_export_returns_nothing_and_reingest_keeps_them_out(folder):
    with Workspace.open(folder) as ws:
        result = forget_person(ws, "user-42", actor="dpo@example.org")
        assert result["rows_removed"]["raw_events"] == PERSON_EVENTS
        assert result["rows_removed"]["predictions"] == 1
        assert result["rows_removed"]["quarantine"] == 1
    for asked in ("user-42", "anon-1", "device-7", "old-id-9"):
        data = _held(folder, asked)
        assert not data["found"], asked
        assert data["events"] == [] and data["tables"] == {}
    with Workspace.open(folder) as ws:
        # Nobody else was touched.
        assert ws.query("SELECT customer_id, count(*) n FROM events GROUP BY 1").to_pylist() == [
            {"customer_id": "stranger", "n": 1}
        ]
        assert ws.con.table("predictions").count().execute() == 1
        assert ws.con.table("quarantine").count().execute() == 1  # user-420's row stays
        # Re-ingesting the original file does not bring them back, and says so in the counts.
        again = ws.ingest(JOURNEY)
        report = again.files[0]
        assert report.forgotten == PERSON_EVENTS
        assert report.rows_read == (
            report.ingested + report.duplicates + report.quarantined + report.forgotten
        )
        assert again.to_dict()["files"][0]["forgotten"] == PERSON_EVENTS
    assert not _held(folder, "user-42")["found"]


def test_the_audit_log_lists_the_request_without_personal_data(folder):
    with Workspace.open(folder) as ws:
        request = forget_person(ws, "anon-1", actor="dpo")["request_id"]
        from recorrido.privacy.ledger import audit_entries

        [entry] = audit_entries(ws.con)
        assert entry["request_id"] == request
        assert entry["action"] == "forget" and entry["actor"] == "dpo"
        assert entry["counts"]["raw_events"] == PERSON_EVENTS
        stored = ws.con.con.sql(
            "SELECT * FROM privacy_audit UNION ALL "
            "SELECT identifier_hash, NULL, NULL, request_id, NULL, NULL FROM privacy_tombstones"
        ).fetchall()
    text = repr(stored)
    for personal in ("user-42", "anon-1", "device-7", "old-id-9", "ana@example.com"):
        assert personal not in text.lower()
    runner = CliRunner()
    listing = runner.invoke(app, ["customer", "audit", "-w", str(folder), "--json"])
    assert listing.exit_code == 0, listing.output
    assert json.loads(listing.output)[0]["request_id"] == request


def test_the_commands(folder, tmp_path):
    runner = CliRunner()
    shown = runner.invoke(app, ["customer", "show", "user-42", "-w", str(folder), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["rows"]["events"] == PERSON_EVENTS
    target = tmp_path / "user-42.json"
    ws = str(folder)
    exported = runner.invoke(app, ["customer", "export", "user-42", "-w", ws, "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    assert len(json.loads(target.read_text(encoding="utf-8"))["events"]) == PERSON_EVENTS
    unconfirmed = runner.invoke(app, ["--lang", "en", "customer", "forget", "user-42", "-w", ws])
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.output
    done = runner.invoke(app, ["customer", "forget", "user-42", "-w", str(folder), "--yes"])
    assert done.exit_code == 0, done.output
    nothing = runner.invoke(app, ["customer", "export", "user-42", "-w", str(folder)])
    assert json.loads(nothing.output)["found"] is False


def test_retention_deletes_old_events_and_recomputes_profiles(folder):
    with Workspace.open(folder) as ws:
        result = apply_retention(ws, months=1)  # the sample is from 2024: everything is older
        assert result["events_removed"] == PERSON_EVENTS + 1
        assert ws.con.table("raw_events").count().execute() == 0
        assert ws.con.table("customers").count().execute() == 0
        from recorrido.privacy.ledger import audit_entries

        assert audit_entries(ws.con)[-1]["action"] == "retention"
    with Workspace.open(folder) as ws:
        from recorrido.errors import RecorridoError

        with pytest.raises(RecorridoError, match="retention_months"):
            apply_retention(ws)  # no setting, no --months
