"""One order of each customer's events, the same bytes everywhere (``docs/event-order.md``).

The data: 5,000 real trivago actions with their timestamps floored to 10 minutes, so that nearly
every event of a customer ties with another one, and random-looking event ids (a hash), so that
sorting ties by event id would shuffle the journeys. Every analysis is run through the CLI with
``--json``:

- twice, each time in a fresh process (with another ``PYTHONHASHSEED``, so set and dict orders
  differ) on a fresh workspace ingested from the same file: the outputs must be byte-identical;
- once more on the same rows whose event ids sort in the reverse of the file order: the outputs
  must still be byte-identical, because source order breaks the ties, not the event id;
- on DuckDB and on a local PySpark session (``spark`` marker): byte-identical too, floats
  included (no rounding: both engines compute the same integers and the same float operations).

A small hand-made file checks the order itself: three events of one customer at one instant
follow the file (view → cart → buy) where their event ids say the opposite.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FILES, SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
MAP = FILES / "trivago_map.yaml"
TRIVAGO = SHARED_DATA / "trivago_recsys2019_100k" / "trivago_val_100k.parquet"
ROWS = 5000
FLOOR_S = 600
STEPS = ("--steps", "search for destination,interaction item image,clickout item")


def commands(ws: str, journey: str = str(MAP)) -> dict[str, list[str]]:
    """Every analysis of the CLI, each with ``--json``, on workspace ``ws``."""
    return {
        "paths": ["paths", "-w", ws, "--variants", "10", "--start-at", "search for destination"],
        "paths_touchpoint": ["paths", "-w", ws, "--level", "touchpoint", "--map", journey],
        "funnel": ["funnel", "-w", ws, *STEPS, "--window", "1d", "--breakdown", "platform"],
        "funnel_strict": ["funnel", "-w", ws, *STEPS, "--window", "2h", "--kind", "strict"],
        "sessions": ["sessions", "-w", ws, "--gap", "30m", "--by", "day"],
        "retention": ["retention", "-w", ws, "--period", "day"],
        "measure": ["measure", journey, "-w", ws, "--inactivity", "1d", "--breakdown", "channel"],
        "friction": ["friction", journey, "-w", ws, "--min-customers", "3", "--inactivity", "2h"],
        "moments": ["moments", journey, "-w", ws, "--min-support", "10"],
        "conformance": ["conformance", journey, "-w", ws],
        "segments": ["segments", journey, "-w", ws, "-k", "3"],
        "attribution": ["attribution", "-w", ws, "--conversion", "clickout item"],
        "attribution_touchpoint": ["attribution", "-w", ws, "--by", "touchpoint", "--map", journey],
    }


def invoke(args: list[str]) -> str:
    """Run one command in this process; its stdout (``--json``) as text."""
    from recorrido.cli import app

    done = CliRunner().invoke(app, [*args, "--json"])
    assert done.exit_code == 0, (args, done.output, done.exception)
    return done.stdout


def ingest_and_run(folder: Path, data: Path) -> dict[str, str]:
    """``recorrido init`` + ``recorrido ingest data`` into a fresh ``folder``, then every
    analysis: the stdout of each command by name."""
    ws = str(folder)
    from recorrido.cli import app

    assert CliRunner().invoke(app, ["init", ws, "--language", "en"]).exit_code == 0
    report = json.loads(invoke(["ingest", str(data), "-w", ws]))
    assert (report["ingested"], report["quarantined"]) == (ROWS, 0)
    return {name: invoke(args) for name, args in commands(ws).items()}


def write_tied_csv(path: Path, ids: str = "hash") -> Path:
    """The first ``ROWS`` trivago actions as a CSV in their source order, times floored to
    ``FLOOR_S`` seconds. ``ids="hash"``: event ids are a hash of (session, step), unrelated to
    the order; ``ids="reversed"``: they sort in the reverse of the file order."""
    import pandas as pd

    data = pd.read_parquet(TRIVAGO).head(ROWS)

    def price(row) -> float | None:
        # The value of a clickout: the price shown for the hotel clicked, when it was shown.
        if row.action_type != "clickout item" or not isinstance(row.impressions, str):
            return None
        shown = row.impressions.split("|")
        return (
            float(row.prices.split("|")[shown.index(row.reference)])
            if row.reference in shown
            else None
        )

    if ids == "hash":
        event_ids = [
            hashlib.md5(f"{s}|{k}".encode()).hexdigest()[:12]
            for s, k in zip(data.session_id, data.step, strict=True)
        ]
    else:
        event_ids = [f"r{ROWS - i:06d}" for i in range(ROWS)]
    floored = data.timestamp // FLOOR_S * FLOOR_S
    frame = pd.DataFrame(
        {
            "event_id": event_ids,
            "customer_id": data.user_id,
            "timestamp": pd.to_datetime(floored, unit="s", utc=True).dt.strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "event": data.action_type,
            "channel": data.device,
            "value": [price(row) for row in data.itertuples()],
            "device": data.device,
            "platform": data.platform,
            "search": data.session_id,
        }
    )
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def tied(tmp_path_factory) -> Path:
    if not TRIVAGO.exists():
        pytest.skip(f"shared datasets not found at {SHARED_DATA}")
    import pandas as pd

    path = write_tied_csv(tmp_path_factory.mktemp("tied") / "tied.csv")
    frame = pd.read_csv(path)
    # Nearly every event ties with another of the same customer; ids disagree with file order.
    tied_share = frame.duplicated(["customer_id", "timestamp"], keep=False).mean()
    assert tied_share > 0.9
    assert not frame["event_id"].is_monotonic_increasing
    return path


def start_run(folder: Path, data: Path, seed: int) -> subprocess.Popen:
    """:func:`ingest_and_run` in a fresh Python process; its results go to ``folder``.json."""
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    script = [sys.executable, "-m", "tests.test_deterministic_order", str(folder), str(data)]
    return subprocess.Popen(script, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)


def results(process: subprocess.Popen, folder: Path) -> dict[str, str]:
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return json.loads(folder.with_suffix(".json").read_text(encoding="utf-8"))


def difference(expected: str, got: str) -> str:
    """Where two JSON texts first differ, as ``path: expected != got`` (for failure messages)."""

    def walk(a, b, path: str) -> str | None:
        if type(a) is not type(b) or not isinstance(a, dict | list):
            return None if a == b else f"{path or '.'}: {a!r} != {b!r}"
        if isinstance(a, dict) and list(a) != list(b):
            return f"{path or '.'}: keys {list(a)} != {list(b)}"
        if isinstance(a, list) and len(a) != len(b):
            return f"{path or '.'}: {len(a)} items != {len(b)}"
        keys = list(a) if isinstance(a, dict) else range(len(a))
        return next((d for k in keys if (d := walk(a[k], b[k], f"{path}/{k}"))), None)

    try:
        found = walk(json.loads(expected), json.loads(got), "")
    except ValueError:
        found = None
    return found or "same values, other bytes (key order, spacing or number format)"


def test_every_analysis_gives_the_same_bytes_on_every_run(tied, tmp_path):
    """Two runs from the same file, and a third from the same rows with other event ids."""
    other_ids = write_tied_csv(tmp_path / "other_ids.csv", ids="reversed")
    runs = {
        "first": (tmp_path / "first", tied, 1),
        "second": (tmp_path / "second", tied, 2),
        "other_ids": (tmp_path / "other_ids", other_ids, 3),
    }
    started = {name: start_run(*args) for name, args in runs.items()}
    got = {name: results(started[name], runs[name][0]) for name in runs}

    first = got["first"]
    assert sorted(first) == sorted(commands("ws"))
    for name, text in first.items():
        second, other = got["second"][name], got["other_ids"][name]
        assert second == text, f"`{name}` differs between two runs: {difference(text, second)}"
        assert other == text, f"`{name}` depends on tied events' ids: {difference(text, other)}"
    # The outputs hold real results, not empty ones that would be trivially equal.
    paths = json.loads(first["paths"])
    assert len(paths["edges"]) > 20 and paths["flows"] and len(paths["variants"]) == 10
    attribution = json.loads(first["attribution_touchpoint"])
    assert attribution["totals"]["conversions"] > 300
    assert json.loads(first["conformance"])["examples"]


HAND_MADE = """event_id,customer_id,timestamp,event,channel
z9,c1,2024-03-01T10:00:00Z,view,ads
k5,c2,2024-03-01T11:00:00Z,view,ads
m5,c1,2024-03-01T10:00:00Z,cart,email
a1,c1,2024-03-01T10:00:00Z,buy,
b2,c2,2024-03-01T11:00:00Z,cart,email
"""
#: A later ingest: an event at the very same instant as c1's three, with the smallest id.
HAND_MADE_LATER = """event_id,customer_id,timestamp,event,channel
0,c1,2024-03-01T10:00:00Z,review,
"""


def test_ties_follow_the_file_not_the_event_ids(tmp_path):
    """c1's view, cart and buy share one instant; by event id they would be buy, cart, view."""
    from recorrido.cli import app

    first, later = tmp_path / "first.csv", tmp_path / "later.csv"
    first.write_text(HAND_MADE, encoding="utf-8")
    later.write_text(HAND_MADE_LATER, encoding="utf-8")
    ws = str(tmp_path / "ws")
    assert CliRunner().invoke(app, ["init", ws, "--language", "en"]).exit_code == 0
    invoke(["ingest", str(first), "-w", ws])

    paths = json.loads(invoke(["paths", "-w", ws, "--variants", "5"]))
    edges = {(e["source"], e["target"]): e["customers"] for e in paths["edges"]}
    assert edges == {("view", "cart"): 2, ("cart", "buy"): 1}
    variants = {v["variant"]: v["customers"] for v in paths["variants"]}
    assert variants == {"view → cart": 1, "view → cart → buy": 1}
    # The touches before the conversion, in file order: ads first, email last.
    models = ["-m", "first_touch", "-m", "last_touch"]
    shares = json.loads(invoke(["attribution", "-w", ws, "--conversion", "buy", *models]))
    credit = {c["channel"]: (c["first_touch"], c["last_touch"]) for c in shares["channels"]}
    assert credit == {"ads": (1.0, 0.0), "email": (0.0, 1.0)}

    # A later ingest comes after the earlier one at the same instant, whatever its id; ingesting
    # the first file again changes nothing (its events keep their first place).
    invoke(["ingest", str(later), "-w", ws])
    invoke(["ingest", str(first), "-w", ws])
    again = json.loads(invoke(["paths", "-w", ws, "--variants", "5"]))
    variants = {v["variant"]: v["customers"] for v in again["variants"]}
    assert variants == {"view → cart": 1, "view → cart → buy → review": 1}


#: What the Spark test runs (the slowest repeats of the list above left out to keep it short).
SPARK_COMMANDS = (
    "paths",
    "paths_touchpoint",
    "funnel",
    "funnel_strict",
    "sessions",
    "retention",
    "measure",
    "moments",
    "conformance",
    "friction",
)


@pytest.mark.spark
def test_duckdb_and_spark_give_the_same_bytes(tied, tmp_path, spark_backend, monkeypatch):
    """The CLI's JSON with ``--backend pyspark`` (on the test session) and on DuckDB, and the
    attribution (no ``--backend`` option: the Python API on each engine's table), byte for
    byte. No rounding: times are integer microseconds on both engines and the floats come from
    the same operations on the same integers."""
    from recorrido import Workspace
    from recorrido.analytics import backend
    from recorrido.analytics.attribution import attribute_workspace
    from recorrido.cli import app
    from recorrido.journey import JourneyMap

    ws = str(tmp_path / "ws")
    assert CliRunner().invoke(app, ["init", ws, "--language", "en"]).exit_code == 0
    invoke(["ingest", str(tied), "-w", ws])
    # The CLI's Spark session is the tests' one (same settings, started once).
    monkeypatch.setattr(backend, "spark_session", lambda: spark_backend._session)
    every = commands(ws)
    for name in SPARK_COMMANDS:
        duck = invoke(every[name])
        spark = invoke([*every[name], "--backend", "pyspark"])
        assert spark == duck, f"`{name}` differs between DuckDB and Spark"

    journey = JourneyMap.load(MAP)
    with Workspace.open(ws, read_only=True) as opened:
        spark_table = backend.events_table(opened, "pyspark", session=spark_backend._session)
        duck, spark = (
            json.dumps(
                attribute_workspace(table, by="touchpoint", journey=journey).to_dict(),
                sort_keys=True,
            )
            for table in (opened.events, spark_table)
        )
    assert spark == duck, "attribution differs between DuckDB and Spark"
    assert json.loads(duck)["totals"]["conversions"] > 300


if __name__ == "__main__":
    # ``python -m tests.test_deterministic_order FOLDER DATA``: one run in a fresh process.
    target, source = Path(sys.argv[1]), Path(sys.argv[2])
    found = ingest_and_run(target, source)
    target.with_suffix(".json").write_text(json.dumps(found), encoding="utf-8")
