"""The command line as a user runs it: the installed ``recorrido`` script in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FILES

RECORRIDO = shutil.which("recorrido", path=str(Path(sys.executable).parent)) or "recorrido"


def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "RECORRIDO_LANG": lang, "COLUMNS": "200"}
    return subprocess.run(
        [RECORRIDO, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def folder(tmp_path: Path) -> str:
    path = str(tmp_path / "ws")
    assert run("init", path).returncode == 0
    return path


def test_ingest_json_report_and_quarantine_listing(folder):
    done = run(
        "ingest",
        str(FILES / "dirty_es.csv"),
        "--workspace",
        folder,
        "--json",
        "--mapping",
        str(FILES / "dirty_es_mapping.yaml"),
        "--delimiter",
        ";",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {k: report[k] for k in ("rows_read", "ingested", "duplicates", "quarantined")} == {
        "rows_read": 15,
        "ingested": 4,
        "duplicates": 1,
        "quarantined": 10,
    }
    listing = json.loads(run("quarantine", "--workspace", folder, "--json").stdout)
    assert listing["total"] == 10
    reasons = {r["row"]: r["reason"] for r in listing["rows"]}
    assert reasons[10] == "value 'doce' is not a number"
    spanish = run("quarantine", "--workspace", folder, lang="es").stdout
    assert "el valor «doce» no es un número" in spanish


def test_column_options_and_human_output(folder, tmp_path):
    path = tmp_path / "acciones.csv"
    path.write_text("Cliente,Cuando,Action\nc1,2024-01-01 10:00,compra\n", encoding="utf-8")
    done = run(
        "ingest",
        str(path),
        "-w",
        folder,
        "--column",
        "customer_id=Cliente",
        "--column",
        "timestamp=Cuando",
        "--column",
        "event=Action",
        lang="es",
    )
    assert done.returncode == 0, done.stderr
    assert "1 filas leídas · 1 importadas · 0 duplicadas · 0 en cuarentena" in done.stdout


def test_nothing_readable_exits_non_zero_with_a_clear_message(folder, tmp_path):
    done = run("ingest", str(tmp_path / "missing.csv"), "-w", folder, "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"] == "file_missing"
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    done = run("ingest", str(bad), "-w", folder)
    assert done.returncode == 1
    assert "no column gives the required fields timestamp, event" in done.stderr
    assert "Traceback" not in done.stderr


def test_query_is_read_only(folder):
    run("ingest", str(FILES / "segment_journey.jsonl"), "-w", folder)
    rows = json.loads(
        run(
            "query",
            "-w",
            folder,
            "--json",
            "SELECT customer_id, count(*) AS n FROM events GROUP BY 1 ORDER BY 1",
        ).stdout
    )
    assert rows == [{"customer_id": "stranger", "n": 1}, {"customer_id": "user-42", "n": 8}]
    for statement in (
        "DELETE FROM raw_events",
        "DROP TABLE customers",
        "SELECT 1; DELETE FROM raw_events",
        "COPY raw_events TO '/tmp/out.csv'",
        "ATTACH '/tmp/other.duckdb'",
    ):
        refused = run("query", "-w", folder, statement)
        assert refused.returncode == 1, statement
        assert "Only read-only queries" in refused.stderr, statement
    after = json.loads(run("query", "-w", folder, "--json", "SELECT count(*) n FROM events").stdout)
    assert after == [{"n": 9}]


def test_missing_workspace_says_how_to_make_one(tmp_path):
    done = run("query", "-w", str(tmp_path / "nope"), "SELECT 1")
    assert done.returncode == 1
    assert "recorrido init" in done.stderr


def test_demo_runs_on_the_bundled_data(tmp_path):
    # The real sample alone (--customers 0) is the 862 OTTO events of 20 sessions.
    alone = run("demo", "--workspace", str(tmp_path / "otto"), "--customers", "0", lang="es")
    assert alone.returncode == 0, alone.stderr
    assert "862 eventos de 20 clientes" in alone.stdout and "Tienda generada" not in alone.stdout
    # With a small generated shop beside it (the default is 30,000 customers).
    done = run("demo", "--workspace", str(tmp_path / "demo"), "--customers", "300", lang="es")
    assert done.returncode == 0, done.stderr
    assert "862 filas leídas · 862 importadas" in done.stdout
    assert "Tienda generada: 300 clientes (semilla 2022" in done.stdout
    assert " eventos de 320 clientes" in done.stdout
    again = run("demo", "--workspace", str(tmp_path / "demo"), "--customers", "300", lang="es")
    assert "862 duplicadas" in again.stdout and " 0 importadas" in again.stdout
    assert "0 importadas" in again.stdout.split("Tienda generada")[1]
    bad = run("demo", "--workspace", str(tmp_path / "bad"), "--customers", "-1", lang="en")
    assert bad.returncode == 1 and "--customers must be 0 or more" in bad.stderr
