"""Where predictions show: the report's section (numbers equal the model record's, escaped,
bilingual, absent without a model) and the JSON API (the same object as ``predict evaluate``)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from typer.testing import CliRunner

from recorrido.cli import app as cli
from recorrido.measured import measure
from recorrido.predict.models import evaluation_of, train_model
from recorrido.report.build import report_html
from recorrido.report.predictions_section import predictions_section
from recorrido.report.render import format_number, format_percent
from recorrido.workspace import Workspace
from tests.journey_generator import SHOP_MAP, workspace
from tests.server_helpers import make_key, running_server

PERSONA = "Móvil <script>alert(1)</script>"


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """Generated shop journeys (1,500 customers) and a model ``goal`` trained with the map
    (its goal: the order), evaluated on 1 April; a persona name holding markup."""
    folder = tmp_path_factory.mktemp("predict-report")
    (folder / "map.yaml").write_text(
        SHOP_MAP.replace("Compra desde el móvil", PERSONA), encoding="utf-8"
    )
    with workspace(folder, 1500) as ws:
        train_model(
            ws,
            "goal",
            journey_map=str(folder / "map.yaml"),
            horizon_days=7,
            evaluate_at=datetime(2024, 4, 1, tzinfo=UTC),
            train_cutoffs=3,
        )
    return folder


def _attributes(html: str, name: str) -> list[float]:
    return [float(v) for v in re.findall(rf'{name}="([^"]+)"', html)]


def test_the_report_shows_the_record_s_numbers(trained):
    with Workspace.open(trained / "ws") as ws:
        record = evaluation_of(ws, "goal")
        measured = measure(ws, trained / "map.yaml")
        html = report_html(measured, source=ws, lang="en")
        spanish = report_html(measured, source=ws, lang="es")
    metrics = record["metrics"]
    # Short generated journeys: few convert within a week of a cutoff, but both outcomes occur.
    assert metrics["positives"] > 0 and metrics["auc"] is not None
    section = html[
        html.index('id="predictions"') : html.index("</section>", html.index('id="predictions"'))
    ]
    # The table: model and baselines, with the record's numbers as the report formats them.
    for m in (metrics, record["baselines"]["recency"], record["baselines"]["base_rate"]):
        row = (
            f"<td>{format_number(m['auc'], 'en', 3)}</td>"
            f"<td>{format_number(m['pr_auc'], 'en', 3)}</td>"
            f"<td>{format_number(m['brier'], 'en', 3)}</td>"
            f"<td>{format_number(m['lift_top_decile'], 'en', 2)}</td>"
        )
        assert row in section
    # The charts carry the exact numbers of the record.
    assert _attributes(section, "data-lift") == [d["lift"] for d in metrics["lift_by_decile"]]
    assert _attributes(section, "data-predicted") == [
        b["predicted"] for b in metrics["calibration"]
    ]
    assert _attributes(section, "data-observed") == [b["observed"] for b in metrics["calibration"]]
    assert _attributes(section, "data-importance") == [
        r["importance"] for r in record["importance"][:10]
    ]
    # Predicted beside measured, per stage and per persona.
    stages = record["groups"]["stage"]
    assert [s["id"] for s in stages][:6] == [
        "discover", "consider", "cart", "checkout", "purchase", "after"
    ]  # fmt: skip
    for group in stages + record["groups"]["persona"]:
        name = group["name"] or "no stage yet"
        cells = (
            f"<td>{format_number(group['customers'], 'en')}</td>"
            f"<td>{format_percent(group['predicted'], 'en')}</td>"
            f"<td>{format_percent(group['observed'], 'en')}</td>"
        )
        assert cells in section, name
    assert sum(s["customers"] for s in stages) == metrics["rows"]
    # The persona's name is the team's text: escaped, never markup.
    assert "<script>alert(1)" not in html
    assert "Móvil &lt;script&gt;alert(1)&lt;/script&gt;" in section
    # Bilingual: the same section in Spanish, Spanish number format.
    assert "<h2>Predicciones</h2>" in spanish and "<h2>Predictions</h2>" in html
    assert format_number(metrics["auc"], "es", 3) in spanish


def test_no_section_without_a_model(tmp_path):
    assert predictions_section(None, "en") is None
    assert predictions_section(SimpleNamespace(folder=tmp_path), "en") is None
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "broken.json").write_text("{not json")
    assert predictions_section(SimpleNamespace(folder=tmp_path), "en") is None


def test_the_json_api_answers_what_predict_evaluate_prints(trained):
    folder = trained / "ws"
    bearer = {"Authorization": f"Bearer {make_key(folder, 'read')}"}
    with running_server(folder) as (url, _), httpx.Client(headers=bearer, timeout=120) as client:
        answer = client.get(url + "/api/v1/models/goal")
        listing = client.get(url + "/api/v1/models")
    assert answer.status_code == 200, answer.text[:300]
    done = CliRunner().invoke(
        cli, ["--lang", "en", "predict", "evaluate", "-w", str(folder), "--name", "goal", "--json"]
    )
    assert done.exit_code == 0, done.output[-500:]
    printed = json.loads(done.stdout)
    assert answer.json() == printed
    assert listing.json() == {"models": [printed]}
    # The charts' and groups' numbers are in that object.
    assert len(printed["metrics"]["lift_by_decile"]) == 10
    assert {"stage", "persona"} <= set(printed["groups"])
