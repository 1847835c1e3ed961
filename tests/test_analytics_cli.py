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


def test_funnel_drill_down_export_and_next_paths(folder, tmp_path):
    listing = tmp_path / "dropped.csv"
    payload = run_json(
        "funnel",
        "--workspace",
        str(folder),
        "--steps",
        "clicks,carts,orders",
        "--customers-at",
        "2",
        "--dropped",
        "--export",
        str(listing),
        "--next-after",
        "2",
    )
    with Workspace.open(folder, read_only=True) as ws:
        steps = A.funnel(ws, ["clicks", "carts", "orders"])
    counts = [row["customers"] for row in payload["steps"]]
    assert counts == steps["customers"].tolist()
    assert payload["interval"] == "wilson-95"
    assert all(row["conversion_ci"] is not None for row in payload["steps"])
    # The drop-offs after step 2 are the customers at step 2 less those at step 3.
    dropped = payload["customers"]["rows"]
    assert len(dropped) == counts[1] - counts[2]
    exported = listing.read_text(encoding="utf-8").splitlines()
    assert exported[0].startswith("customer_id,")
    assert sorted(line.split(",")[0] for line in exported[1:]) == sorted(
        str(r["customer_id"]) for r in dropped
    )
    assert sum(p["customers"] for p in payload["next_after"]["paths"]) == len(dropped)


def test_paths_step_matrix_and_flows_reconcile_in_json(folder):
    payload = run_json(
        "paths",
        "--workspace",
        str(folder),
        "--start-at",
        "clicks",
        "--steps",
        "4",
        "--include-end",
        "--matrix",
    )
    cells = {(r["step"], r["item"]): r["customers"] for r in payload["step_matrix"]}
    for k in range(1, 4):
        out_of = {}
        for band in payload["flows"]:
            if band["step"] == k:
                out_of[band["source"]] = out_of.get(band["source"], 0) + band["customers"]
        for (step, item), n in cells.items():
            if step == k and item != "(end)":
                assert out_of[item] == n


def test_funnel_refuses_an_optional_first_step(folder):
    done = run("funnel", "--workspace", str(folder), "--steps", "clicks,carts", "--optional", "1")
    assert done.returncode != 0
    assert "Optional step 1 is not allowed" in done.stdout + done.stderr
