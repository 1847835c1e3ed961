"""What the measured map's tables say on small data.

A log shorter than the inactivity that counts as stopping (six days of yoochoose's clicks
against the default 7d) shows 0 "stopped here" in every stage by construction: the measured
map says so instead of letting the zeros read as nobody leaving. A conversion rate read over a
few customers is shown with their number."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from recorrido.measured.measured_map import measure
from tests.visits import visit, workspace

RECORRIDO = Path(sys.executable).with_name("recorrido")
MAP = """version: 1
name: Two steps
language: en
stages:
  - id: look
    name: Look
    touchpoints:
      - {id: home, name: Home, match: {event: home}}
  - id: buy
    name: Buy
    touchpoints:
      - {id: purchase, name: Purchase, match: {event: purchase}}
goal: {touchpoint: purchase}
"""


def _data(tmp_path, days: int) -> Path:
    rows: list[dict] = []
    start = datetime(2024, 3, 1, tzinfo=UTC)
    for c in range(20):
        at = start + timedelta(days=(c * days) / 20)
        visit(rows, f"c{c}", at, ["home"] + (["purchase"] if c % 3 == 0 else []))
    workspace(tmp_path, rows).close()
    (tmp_path / "map.yaml").write_text(MAP, encoding="utf-8")
    return tmp_path


def _measure(folder: Path, *extra: str) -> str:
    done = subprocess.run(
        [RECORRIDO, "measure", str(folder / "map.yaml"), "-w", str(folder / "ws"), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())


def test_a_log_shorter_than_the_inactivity_says_nobody_counts_as_stopped(tmp_path):
    folder = _data(tmp_path, days=5)
    said = _measure(folder)
    assert "The data runs for about 5 days, less than the inactivity" in said, said
    # 13 customers never bought: their rate is shown with their number, not a bare "0.0%"
    assert "0.0% (n=13)" in said, said
    # with a shorter inactivity the stages can count who stopped, and the note goes
    assert "less than the inactivity" not in _measure(folder, "--inactivity", "1d")


def test_a_long_enough_log_has_no_note_and_the_summary_says_when_it_starts(tmp_path):
    folder = _data(tmp_path, days=30)
    assert "less than the inactivity" not in _measure(folder)
    from recorrido import Workspace

    with Workspace.open(folder / "ws", read_only=True) as ws:
        summary = measure(ws, folder / "map.yaml").summary
    assert summary["first_event_at"].startswith("2024-03-01T00:00:00")
