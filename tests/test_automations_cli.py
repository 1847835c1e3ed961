"""The automations commands: new, validate, publish, list, pause, status, worker --once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.automations import engine
from recorrido.cli import app
from tests.test_automations_dryrun import event, identify, write_events
from tests.test_automations_engine import QUICK, smtp  # noqa: F401  (fixture)

runner = CliRunner()


@pytest.fixture(autouse=True)
def _engine_down():
    yield
    engine.shutdown()


def call(*args: str) -> object:
    return runner.invoke(app, ["--lang", "en", *args])


def test_new_then_validate_in_both_languages(tmp_path: Path) -> None:
    (tmp_path / "journey-map.yaml").write_text(
        (Path(__file__).parents[1] / "src/recorrido/journey/templates/ecommerce.es.yaml").read_text(
            encoding="utf-8"
        ),
        encoding="utf-8",
    )
    file = tmp_path / "carrito.yaml"
    made = runner.invoke(
        app, ["--lang", "es", "automations", "new", "abandoned-cart", "-o", str(file)]
    )
    assert made.exit_code == 0, made.output
    assert "Carrito abandonado" in file.read_text(encoding="utf-8")
    assert call("automations", "validate", str(file)).exit_code == 0
    again = call("automations", "new", "abandoned-cart", "-o", str(file))
    assert again.exit_code == 1 and "already exists" in again.output
    unknown = call("automations", "new", "birthday", "-o", str(tmp_path / "b.yaml"))
    assert unknown.exit_code == 1 and "abandoned-cart" in unknown.output

    file.write_text(
        file.read_text(encoding="utf-8").replace("touchpoint: purchase", "touchpoint: purchases", 1)
    )
    checked = call("automations", "validate", str(file), "--json")
    assert checked.exit_code == 1
    problems = json.loads(checked.stdout)["problems"]
    assert [(p["line"], p["path"], p["code"]) for p in problems] == [
        (14, "goal.touchpoint", "unknown_touchpoint")
    ]
    shown = runner.invoke(app, ["--lang", "es", "automations", "validate", str(file)])
    assert "14:" in shown.output and "no tiene el punto de contacto" in shown.output


def test_publish_list_pause_status_and_worker(tmp_path: Path, smtp) -> None:  # noqa: F811
    folder = tmp_path / "ws"
    Workspace.init(folder, language="en").close()
    file = tmp_path / "quick.yaml"
    file.write_text(QUICK, encoding="utf-8")
    published = call("automations", "publish", str(file), "-w", str(folder), "--json")
    assert published.exit_code == 0, published.output
    assert json.loads(published.stdout) == {"automation": "quick", "version": 1}
    now = datetime.now(UTC)
    rows = [identify("c1", now, email="c1@example.org", plan="gold"), event("c1", "carts", now)]
    with Workspace.open(folder) as ws:
        ws.ingest(write_events(tmp_path / "e.ndjson", rows))
    worked = call("worker", "-w", str(folder), "--once")
    assert worked.exit_code == 0, worked.output
    assert "console.dbos.dev" not in worked.output
    listed = json.loads(call("automations", "list", "-w", str(folder), "--json").stdout)
    assert [(r["automation"], r["version"], r["state"], r["passes"]) for r in listed] == [
        ("quick", 1, "live", 1)
    ]
    status = json.loads(call("automations", "status", "quick", "-w", str(folder), "--json").stdout)
    steps = {s["step"]: s for s in status["steps"]}
    assert status["passes"] == 1
    assert list(steps) == ["holdout", "wait-order", "reminder", "pause", "second", "vip", "call"]
    assert status["outcomes"] == {"completed": 1}  # c1 is not in the 25 % holdout
    assert steps["holdout"]["branches"] == {"treated": 1}
    assert steps["reminder"]["proceeded"] == 1 and steps["call"]["proceeded"] == 1
    assert len(smtp[0].messages) == 1  # the second e-mail was capped
    table = call("automations", "status", "quick", "-w", str(folder))
    assert table.exit_code == 0 and "holdout" in table.stdout
    assert call("automations", "pause", "quick", "-w", str(folder)).exit_code == 0
    listed = json.loads(call("automations", "list", "-w", str(folder), "--json").stdout)
    assert listed[0]["state"] == "paused"
    missing = call("automations", "pause", "nope", "-w", str(folder))
    assert missing.exit_code == 1 and "not published" in missing.output
