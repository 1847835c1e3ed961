"""The insight commands end to end: friction, moments, conformance, segments, map discover."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recorrido.journey import JourneyMap
from tests import journey_generator as gen
from tests.visits import visit, workspace

RECORRIDO = Path(sys.executable).with_name("recorrido")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("insights-cli")
    gen.workspace(base, 2000, planted=True).close()
    (base / "shop.yaml").write_text(gen.SHOP_MAP, encoding="utf-8")
    return base


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RECORRIDO, *args], capture_output=True, text=True, timeout=300)


def run_json(*args: str) -> dict:
    done = run(*args, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def test_friction(folder):
    data = run_json(
        "friction", str(folder / "shop.yaml"), "-w", str(folder / "ws"), "--kinds", "failure,wait"
    )
    assert data["findings"] and {f["kind"] for f in data["findings"]} <= {"failure", "wait"}
    assert all(set(f["text"]) == {"es", "en"} for f in data["findings"])
    text = run("--lang", "es", "friction", str(folder / "shop.yaml"), "-w", str(folder / "ws"))
    assert text.returncode == 0 and "clientes" in text.stdout
    bad = run("friction", str(folder / "shop.yaml"), "-w", str(folder / "ws"), "--kinds", "loops")
    assert bad.returncode == 1 and "loops" in bad.stderr


def test_moments_conformance_segments(folder):
    moments = run_json("moments", str(folder / "shop.yaml"), "-w", str(folder / "ws"))
    assert moments["helps"] and moments["tested"] >= len(moments["helps"])
    conformance = run_json("conformance", str(folder / "shop.yaml"), "-w", str(folder / "ws"))
    assert 0 < conformance["share_following"] <= 1
    assert {m["event"] for m in conformance["missing_touchpoints"]} == {
        "payment_error",
        "payment_retry",
    }
    segments = run_json("segments", str(folder / "shop.yaml"), "-w", str(folder / "ws"), "-k", "3")
    assert segments["k"] == 3 and len(segments["segments"]) == 3


def test_map_discover_writes_a_valid_draft(folder, tmp_path):
    target = tmp_path / "draft.yaml"
    data = run_json("map", "discover", "-w", str(folder / "ws"), "-o", str(target))
    assert target.exists() and data["stages"] >= 2
    journey = JourneyMap.load(target)
    assert journey.goal.touchpoint == "order_completed"
    assert run("map", "validate", str(target)).returncode == 0
    again = run("map", "discover", "-w", str(folder / "ws"), "-o", str(target))
    assert again.returncode == 1


def test_nothing_tested_is_said_apart_from_nothing_found(tmp_path):
    # Six customers: no group reaches the floor, so nothing could be compared at all.
    rows: list[dict] = []
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for c in range(6):
        visit(rows, f"c{c}", start, ["home", "cart"] + (["purchase"] if c % 2 else []))
    workspace(tmp_path, rows).close()
    draft = tmp_path / "map.yaml"
    assert run("map", "discover", "-w", str(tmp_path / "ws"), "-o", str(draft)).returncode == 0
    friction = run("friction", str(draft), "-w", str(tmp_path / "ws"))
    assert friction.returncode == 0, friction.stderr
    said = " ".join(friction.stdout.split())  # the terminal's line breaks aside
    assert "Nothing could be tested: no step, wait or group has 10 customers" in said, said
    moments = run("moments", str(draft), "-w", str(tmp_path / "ws"))
    said = " ".join(moments.stdout.split())
    assert "has 30 customers with it and 30 without it" in said, said
