"""`recorrido demo` ends with the journey map report; `recorrido report` without a browser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from recorrido.journey.templates import load_template

RECORRIDO = Path(sys.executable).with_name("recorrido")


def test_demo_writes_the_report(tmp_path):
    folder = tmp_path / "demo"
    done = subprocess.run(
        [str(RECORRIDO), "--lang", "es", "demo", "-w", str(folder), "--customers", "500"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "400"},  # the report's path on one line, however long
    )
    assert done.returncode == 0, done.stderr
    report = folder / "report.html"
    assert report.is_file()
    assert "Informe escrito en" in done.stdout and "report.html" in done.stdout
    html = report.read_text(encoding="utf-8")
    assert '<html lang="es">' in html and "Mapa del recorrido del cliente" in html
    assert "Tienda online" in html and "Primeros pasos del recorrido" in html


def test_run_demo_returns_the_report_path(tmp_path):
    from rich.console import Console

    from recorrido.demo import run_demo

    log = Console(file=open(tmp_path / "log", "w"))  # noqa: SIM115
    result = run_demo(tmp_path / "d", "en", log, customers=400)
    assert {"report", "totals", "by_event", "measured", "report_path"} <= set(result)
    assert result["shop"]["ingested"] > 400 * 3 and result["shop"]["quarantined"] == 0
    assert result["totals"]["customers"] == 420  # 20 OTTO sessions and the shop's 400
    # The automation the demo attaches to the map is valid against it.
    from recorrido.automations.validate import validate_file

    assert validate_file(Path(result["automation"]), "en")[0] == []
    assert Path(result["report_path"]).read_text(encoding="utf-8").startswith("<!doctype html>")


def test_report_command_language_and_errors(tmp_path):
    from recorrido import Workspace
    from recorrido.demo import bundled

    ws = tmp_path / "ws"
    with (
        Workspace.init(ws, timezone="UTC", language="en") as workspace,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        workspace.ingest(data, mapping=mapping)
    map_file = tmp_path / "mapa.yaml"
    load_template("ecommerce", "es").save(map_file)
    out = tmp_path / "r.html"
    done = subprocess.run(
        [str(RECORRIDO), "report", str(map_file), "-w", str(ws), "-o", str(out), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Before the purchase" in html
    assert "Descubrimiento" in html  # the map's own texts as written

    missing = subprocess.run(
        [str(RECORRIDO), "--lang", "es", "report", str(map_file), "-w", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1
    assert "No hay un espacio de trabajo" in missing.stderr and "Traceback" not in missing.stderr

    folder = subprocess.run(
        [str(RECORRIDO), "report", str(map_file), "-w", str(ws), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert folder.returncode == 1 and "carpeta" in folder.stderr  # the map's language: es
