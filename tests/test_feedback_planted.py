"""A planted story: one stage's sentiment drops for two weeks while one topic (a late courier)
rises with it; ``recorrido emotions`` must report both, with their dates, and place feedback at
stages by time through real events in a real DuckDB workspace."""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app
from recorrido.feedback import emotion_curve

MAP = """\
version: 1
name: Planted shop
language: en
personas:
  - {id: buyers, name: Buyers, rule: {event: buy}}
stages:
  - id: browse
    name: Browse
    emotion: {score: 0}
    touchpoints:
      - {id: view, name: View, match: {event: view}}
  - id: buy
    name: Buy
    emotion: {score: 1}
    touchpoints:
      - {id: pay, name: Pay, match: {event: buy}}
  - id: deliver
    name: Deliver
    emotion: {score: 2}
    touchpoints:
      - {id: delivered, name: Delivered, match: {event: delivered}}
goal: {touchpoint: pay}
"""

START = datetime(2024, 4, 1, tzinfo=UTC)  # a Monday: weeks run Monday to Sunday
DROP_WEEKS = (3, 4)  # 0-based: 2024-04-22 .. 2024-05-05
GOOD = [
    "arrived early and the parcel was perfect",
    "great delivery friendly driver thank you",
    "fast shipping lovely packaging very happy",
    "delivery on time everything in perfect shape",
    "excellent service the box arrived quickly",
]
FINE = ["delivery was ok nothing special", "arrived on the expected day", "the package came"]
BAD_USUAL = ["wrong size had to return it", "the colour looked different from the photos"]
BAD_COURIER = [
    "courier late again parcel stuck at the depot",
    "the courier never came package late by days",
    "late courier lost my parcel terrible",
    "courier late and rude parcel damaged",
]
BROWSE = ["nice website easy to find things", "search works well great choice", "lovely site"]


def planted_files(folder: Path, customers: int = 600, seed: int = 3) -> tuple[Path, Path]:
    rng = random.Random(seed)
    events, feedback = [], []
    for i in range(customers):
        c = f"c{i:04d}"
        t0 = START + timedelta(hours=rng.randrange(24 * 7 * 8 - 72))
        t_buy = t0 + timedelta(minutes=30)
        t_del = t_buy + timedelta(hours=rng.randrange(24, 48))
        for name, at in (("view", t0), ("buy", t_buy), ("delivered", t_del)):
            events.append((f"{c}-{name}", c, at.isoformat(), name))
        week = (t_del + timedelta(hours=2) - START).days // 7
        if week in DROP_WEEKS and rng.random() < 0.7:
            text, nps = rng.choice(BAD_COURIER), rng.randrange(0, 5)
        else:
            roll = rng.random()
            if roll < 0.7:
                text, nps = rng.choice(GOOD), rng.choice([9, 10])
            elif roll < 0.88:
                text, nps = rng.choice(FINE), rng.choice([7, 8])
            else:
                text, nps = rng.choice(BAD_USUAL), rng.randrange(2, 6)
        # Half give a score with their comment (those are the labels), half only a comment.
        score = str(nps) if rng.random() < 0.5 else ""
        feedback.append((f"f{i}", c, (t_del + timedelta(hours=2)).isoformat(), score, text))
        if rng.random() < 0.3:  # a few talk about the site right after browsing
            at = (t0 + timedelta(minutes=5)).isoformat()
            text = rng.choice(BROWSE)
            score = "" if rng.random() < 0.5 else "3" if "slow" in text else "9"
            feedback.append((f"b{i}", c, at, score, text))
    events_csv, feedback_csv = folder / "events.csv", folder / "feedback.csv"
    with events_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "customer_id", "timestamp", "event"])
        writer.writerows(events)
    with feedback_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "customer", "submitted_at", "nps", "comment"])
        writer.writerows(feedback)
    return events_csv, feedback_csv


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    events_csv, _ = planted_files(folder)
    (folder / "map.yaml").write_text(MAP)
    with Workspace.init(folder / "ws", language="en") as ws:
        ws.ingest(events_csv)
    return folder


def test_ingest_places_by_time_and_trains_on_scores(planted):
    runner = CliRunner()
    args = [
        "feedback",
        "ingest",
        str(planted / "feedback.csv"),
        "-w",
        str(planted / "ws"),
        "--map",
        str(planted / "map.yaml"),
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    rows = len((planted / "feedback.csv").read_text().splitlines()) - 1
    assert counts["rows_read"] == rows
    assert counts["ingested"] == rows and counts["quarantined"] == 0
    assert counts["stage"] == {"given": 0, "inferred": rows, "unplaced": 0}
    assert counts["sentiment"]["en"]["method"] == "trained"
    assert counts["sentiment"]["en"]["cross_validation"]["macro_f1"] > 0.8
    again = json.loads(runner.invoke(app, args).stdout)
    assert again["ingested"] == 0 and again["duplicates"] == rows
    with Workspace.open(planted / "ws", read_only=True) as ws:
        table = ws.con.table("feedback").to_pandas()
    # Delivery comments sit at the delivery stage, site comments at browsing (inferred by time).
    assert set(table[table.feedback_id.str.startswith("f")].stage) == {"deliver"}
    assert set(table[table.feedback_id.str.startswith("b")].stage) == {"browse"}
    unscored = table[table.score.isna()]
    assert set(unscored.sentiment_method) == {"trained"}
    courier = unscored[unscored.text.str.contains("courier")]
    assert (courier.sentiment == "negative").mean() > 0.9


def test_emotions_report_the_drop_and_the_rising_topic_with_dates(planted):
    with Workspace.open(planted / "ws", read_only=True) as ws:
        curve = emotion_curve(ws, planted / "map.yaml", period="week").to_dict()
    deliver = next(s for s in curve["stages"] if s["stage"] == "deliver")
    browse = next(s for s in curve["stages"] if s["stage"] == "browse")
    assert deliver["worse_than_designed"] and not browse["worse_than_designed"]
    assert deliver["nps"]["n"] > 200 and deliver["nps"]["low"] < deliver["nps"]["value"]
    drops = [d for d in curve["drops"] if d["stage"] == "deliver"]
    assert [(d["start"], d["end"]) for d in drops] == [("2024-04-22", "2024-05-05")]
    assert not [d for d in curve["drops"] if d["stage"] != "deliver"]
    rising = [r for r in curve["rising_topics"] if "courier" in r["words"]]
    assert [(r["stage"], r["start"], r["end"]) for r in rising] == [
        ("deliver", "2024-04-22", "2024-05-05")
    ]
    assert "courier" in [w["word"] for w in curve["words"]["detractors"]]
    by_persona = {b["stage"]: b for b in curve["breakdowns"]["persona"] if b["value"] == "buyers"}
    assert by_persona["deliver"]["answers"] == deliver["answers"]  # everyone bought
    top_driver = curve["drivers"][0]
    assert top_driver["id"] in ("deliver", "delivered") and top_driver["significant"]


def test_emotions_cli_prints_the_drop(planted):
    result = CliRunner().invoke(
        app, ["emotions", str(planted / "map.yaml"), "-w", str(planted / "ws")]
    )
    assert result.exit_code == 0, result.output
    assert "2024-04-22" in result.stdout and "2024-05-05" in result.stdout
    assert "Deliver" in result.stdout


def test_report_draws_the_measured_emotion_beside_the_designed(planted, tmp_path):
    from recorrido.feedback.curve import measured_emotions

    with Workspace.open(planted / "ws", read_only=True) as ws:
        measured = measured_emotions(ws, planted / "map.yaml")
    # The delivery stage, where the courier complaints sit, reads lower than browsing.
    assert measured["deliver"] < measured["browse"]
    output = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(planted / "map.yaml"), "-w", str(planted / "ws"), "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    html = output.read_text(encoding="utf-8")
    assert 'class="emo-dot measured"' in html
    assert html.count('class="emo-dot measured"') == len(measured)


def test_report_without_feedback_draws_the_designed_curve_alone(tmp_path):
    events_csv, _ = planted_files(tmp_path)
    (tmp_path / "map.yaml").write_text(MAP)
    with Workspace.init(tmp_path / "ws", language="en") as ws:
        ws.ingest(events_csv)
    output = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(tmp_path / "map.yaml"), "-w", str(tmp_path / "ws"), "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert 'class="emo-dot measured"' not in output.read_text(encoding="utf-8")
