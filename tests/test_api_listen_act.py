"""The JSON API's feedback, automations and predictions endpoints answer what the CLI's
``--json`` prints, on a real workspace (DuckDB, the automations' SQLite store, a model record)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.automations.store import Store
from recorrido.cli import app as cli
from recorrido.feedback import ingest_feedback
from recorrido.predict import record as model_records
from recorrido.predict.scores import write_scores
from tests.server_helpers import make_key, running_server
from tests.test_automations_dryrun import event, identify, write_events

MAP = "shop.yaml"
MAP_TEXT = """\
version: 1
name: Shop
language: en
stages:
  - id: browse
    name: Browse
    emotion: {score: 1}
    touchpoints:
      - {id: view, name: View, match: {event: view}}
  - id: buy
    name: Buy
    touchpoints:
      - {id: cart, name: Cart, match: {event: carts}}
      - {id: order, name: Order, match: {event: orders}}
"""
# A name and texts that are script: the pages must show them as text.
AUTOMATION = """\
id: nudge
name: "Nudge <script>alert(1)</script>"
language: en
map: shop.yaml
entry: {touchpoint: cart}
goal: {touchpoint: order, within: 1d}
steps:
  - id: holdout
    split: {holdout: 50}
  - id: call
    task: {owner: Sales, text: "Call {{ customer_id }}"}
"""
FEEDBACK = """\
id,customer,when,score,comment,stage
1,c0,2024-05-01 10:00,9,Lovely shop,browse
2,c1,2024-05-04 11:00,3,<script>alert('quote')</script> too slow,buy
3,c2,2024-05-02 09:00,10,Great prices,buy
4,c3,2024-05-02 10:00,2,The cart kept failing,buy
5,c4,2024-05-03 10:00,8,Fine,buy
"""
DAY = datetime(2024, 5, 1, 8, tzinfo=UTC)


def build_shop(folder: Path) -> Path:
    """A workspace with events, a map, feedback, a published automation with passes, a model
    record and its scores."""
    folder.mkdir(parents=True)
    (folder / MAP).write_text(MAP_TEXT, encoding="utf-8")
    (folder / "nudge.yaml").write_text(AUTOMATION, encoding="utf-8")
    rows = [identify(f"c{i}", DAY, email=f"c{i}@example.org") for i in range(6)]
    rows += [event(f"c{i}", "view", DAY + timedelta(hours=i)) for i in range(6)]
    rows += [event(f"c{i}", "carts", DAY + timedelta(hours=i + 1)) for i in range(1, 6)]
    rows += [event("c2", "orders", DAY + timedelta(hours=5))]
    survey = folder.parent / "survey.csv"
    survey.write_text(FEEDBACK, encoding="utf-8")
    with Workspace.init(folder, timezone="UTC", language="en") as ws:
        ws.ingest(write_events(folder.parent / "events.ndjson", rows))
        ingest_feedback(
            ws,
            survey,
            columns=[
                "feedback_id=id",
                "customer_id=customer",
                "timestamp=when",
                "score=score",
                "text=comment",
                "stage=stage",
            ],
            kind="nps",
            journey_map=folder / MAP,
        )
        write_scores(
            ws.con,
            model="convert",
            target="orders",
            version="v1",
            scored_at=DAY + timedelta(days=1),
            customers=[f"c{i}" for i in range(6)],
            scores=[0.1, 0.9, 0.5, 0.7, 0.3, 0.3],
        )
    model_records.save(
        folder,
        "convert",
        {"kind": "propensity", "target": "orders", "metrics": {"auc": 0.71}, "version": "v1"},
    )
    done = CliRunner().invoke(
        cli, ["automations", "publish", str(folder / "nudge.yaml"), "-w", str(folder)]
    )
    assert done.exit_code == 0, done.output
    store = Store.for_folder(folder)
    for number, customer in enumerate(["c1", "c2", "c3"]):
        at = DAY + timedelta(hours=number + 2)
        flow = f"nudge-1-{customer}"
        store.add_run(
            {
                "workflow_id": flow,
                "automation": "nudge",
                "version": 1,
                "customer_id": customer,
                "entry_key": "",
                "entered_at": at,
                "holdout": customer == "c3",
            }
        )
        store.mark(flow, "holdout", "entered", at)
        store.mark(flow, "holdout", "branch:holdout" if customer == "c3" else "branch:treated", at)
        if customer == "c3":  # held out: the engine marks it so and sends nothing
            store.mark(flow, "holdout", "holdout", at)
        else:
            store.mark(flow, "holdout", "proceeded", at)
            store.mark(flow, "call", "entered", at)
            store.mark(flow, "call", "proceeded", at)
    return folder


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return build_shop(tmp_path_factory.mktemp("listen") / "ws")


def cli_json(folder: Path, *args: str) -> object:
    done = CliRunner().invoke(cli, ["--lang", "en", *args, "--json"])
    assert done.exit_code == 0, (args, done.output[-500:])
    return json.loads(done.stdout)


def test_api_answers_the_cli_json(shop, monkeypatch):
    read = make_key(shop, "read")
    bearer = {"Authorization": f"Bearer {read}"}
    with running_server(shop) as (url, _), httpx.Client(headers=bearer, timeout=60) as client:
        answers = {
            path: client.get(url + path)
            for path in (
                f"/api/v1/maps/{MAP}/emotions",
                "/api/v1/automations",
                "/api/v1/automations/nudge/status",
                "/api/v1/models",
                "/api/v1/models/convert",
                "/api/v1/predictions?model=convert&limit=2&offset=1",
                "/api/v1/predictions?model=nope",
                "/api/v1/automations/nope/status",
            )
        }
    for path, answer in answers.items():
        if "nope/" not in path:
            assert answer.status_code == 200, (path, answer.text[:300])
    got = {path: answer.json() for path, answer in answers.items()}
    monkeypatch.chdir(shop)
    w = ["-w", str(shop)]
    assert got[f"/api/v1/maps/{MAP}/emotions"] == cli_json(shop, "emotions", MAP, *w)
    assert got["/api/v1/automations"] == cli_json(shop, "automations", "list", *w)
    status = got["/api/v1/automations/nudge/status"]
    assert status == cli_json(shop, "automations", "status", "nudge", *w)
    assert status["passes"] == 3 and status["goal"] == {"treated": [0, 2], "holdout": [0, 1]}
    assert [(s["step"], s["entered"]) for s in status["steps"]] == [("holdout", 3), ("call", 2)]
    record = cli_json(shop, "predict", "evaluate", "--name", "convert", *w)
    assert got["/api/v1/models"] == {"models": [record]}
    assert got["/api/v1/models/convert"] == record
    page = got["/api/v1/predictions?model=convert&limit=2&offset=1"]
    every = cli_json(
        shop,
        "query",
        "select customer_id, score from predictions where model = 'convert' "
        "order by score desc, customer_id",
        *w,
    )
    assert page["total"] == 6 and len(page["rows"]) == 2
    assert (
        [(r["customer_id"], r["score"]) for r in page["rows"]]
        == [(r["customer_id"], r["score"]) for r in every[1:3]]
        == [("c3", 0.7), ("c2", 0.5)]
    )
    assert got["/api/v1/predictions?model=nope"] == {
        "model": "nope",
        "total": 0,
        "limit": 100,
        "offset": 0,
        "rows": [],
    }
    assert answers["/api/v1/automations/nope/status"].status_code == 400


def test_new_endpoints_need_a_read_token(shop):
    write = make_key(shop, "write")
    with running_server(shop) as (url, _):
        for path in ("/api/v1/automations", "/api/v1/predictions", "/api/v1/models"):
            assert httpx.get(url + path).status_code == 401
            wrong = httpx.get(url + path, headers={"Authorization": f"Bearer {write}"})
            assert wrong.status_code == 403
