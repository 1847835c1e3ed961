"""The analytics commands through the installed ``recorrido`` script, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from recorrido import Workspace
from recorrido import analytics as A
from recorrido.demo import bundled

RECORRIDO = str(Path(sys.executable).parent / "recorrido")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "ws"
    with (
        Workspace.init(path, language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RECORRIDO, *args], capture_output=True, text=True, timeout=300)


def run_json(*args: str) -> dict:
    done = run(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_paths_json_has_edges(folder, tmp_path):
    chart = tmp_path / "paths.html"
    payload = run_json(
        "paths",
        "--workspace",
        str(folder),
        "--level",
        "event",
        "--variants",
        "3",
        "--html",
        str(chart),
    )
    with Workspace.open(folder, read_only=True) as ws:
        expected = A.transitions(ws)
    assert payload["edges"][0] == {
        "source": "clicks",
        "target": "clicks",
        "count": 732,
        "customers": 20,
        "mean_seconds": expected["mean_seconds"][0],
        "median_seconds": expected["median_seconds"][0],
    }
    assert len(payload["edges"]) == len(expected) and len(payload["variants"]) == 3
    assert chart.stat().st_size > 1_000_000


def test_funnel_json_has_steps(folder):
    payload = run_json(
        "funnel",
        "--workspace",
        str(folder),
        "--steps",
        "clicks,carts,orders",
        "--window",
        "7d",
        "--breakdown",
        "source",
    )
    assert [(s["step"], s["customers"]) for s in payload["steps"]] == [
        ("clicks", 20),
        ("carts", 7),
        ("orders", 2),
    ]
    assert {r["breakdown"] for r in payload["breakdown"]["rows"]} == {"otto"}


def test_sessions_and_retention_json(folder):
    sessions = run_json("sessions", "--workspace", str(folder), "--by", "week")
    assert sessions["summary"]["sessions"] == sum(p["sessions"] for p in sessions["periods"])
    cohorts = run_json("retention", "--workspace", str(folder), "--period", "week")["cohorts"]
    assert {c["cohort"] for c in cohorts} == {"2022-07-25", "2022-08-22"}


def test_people_get_tables_and_clear_errors(folder):
    done = run("funnel", "--workspace", str(folder), "--steps", "clicks,cart")
    assert done.returncode == 1 and "Did you mean `carts`?" in done.stderr
    done = run(
        "--lang", "es", "funnel", "-w", str(folder), "--steps", "clicks,carts", "--window", "siete"
    )
    assert done.returncode == 1 and "no es una duración" in done.stderr
    done = run("paths", "-w", str(folder), "--level", "stage", "--json")
    assert json.loads(done.stdout)["error"] == "analytics_level_untagged"
    done = run("retention", "-w", str(folder))
    assert done.returncode == 0 and "2022-07-25" in done.stdout


@pytest.mark.spark
def test_backend_pyspark_gives_the_same_json(folder):
    args = ("funnel", "-w", str(folder), "--steps", "clicks,carts,orders", "--window", "7d")
    assert run_json(*args, "--backend", "pyspark") == run_json(*args)
