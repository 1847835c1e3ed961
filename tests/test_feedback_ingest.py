"""Feedback ingest on real DuckDB workspaces: every refusal with its reason, de-duplication,
identity stitching through the events' identity map, explicit stages, column mapping, language
detection and the lexicon fallback when there are no labels."""

from __future__ import annotations

import json

import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

from recorrido.cli import app
from recorrido.errors import RecorridoError
from recorrido.feedback import ingest_feedback
from recorrido.feedback.labels import label_from_score, normalise_label
from recorrido.feedback.language import detect_language

MAP = """\
version: 1
name: Tiny
language: es
stages:
  - id: compra
    name: Compra
    emotion: {score: 1}
    touchpoints:
      - {id: pago, name: Pago, match: {event: buy}}
  - id: entrega
    name: "[b]E[/b]"
    touchpoints:
      - {id: recibido, name: Recibido, match: {event: delivered}}
"""

SURVEY = """\
Id;Cliente;Fecha;Puntuación;Comentario;Etapa;Tienda
1;u1;2024-05-01 10:00;9;Todo muy bien, gracias;;Madrid
2;u2;2024-05-01 11:00;3;The parcel was late and nobody answered;;
3;;2024-05-01 11:00;3;sin cliente;;
4;u3;ayer por la tarde;3;fecha mala;;
5;u4;2024-05-02;11;fuera de rango;;
6;u5;2024-05-02;;;;
7;u6;2024-05-02;diez;no es un número;;
8;anon-7;2024-05-03 09:00;10;Me encantó la entrega;entrega;
9;u8;2024-05-03 09:00;8;Bien;marte;
1;u1;2024-05-01 10:00;9;Todo muy bien, gracias;;Madrid
"""


@pytest.fixture
def survey(tmp_path):
    path = tmp_path / "encuesta.csv"
    path.write_text(SURVEY, encoding="utf-8")
    (tmp_path / "map.yaml").write_text(MAP)
    return path


def test_refusals_have_reasons_and_nothing_is_lost(workspace, survey):
    columns = [
        "score=Puntuación",
        "text=Comentario",
        "customer_id=Cliente",
        "timestamp=Fecha",
        "feedback_id=Id",
        "stage=Etapa",
    ]
    report = ingest_feedback(
        workspace,
        survey,
        columns=columns,
        kind="nps",
        delimiter=";",
        journey_map=survey.parent / "map.yaml",
    )
    counts = report.to_dict()
    assert counts["rows_read"] == 10
    assert counts["ingested"] == 3 and counts["duplicates"] == 1
    assert counts["quarantine_reasons"] == {
        "customer_missing": 1,
        "timestamp_invalid": 1,
        "score_out_of_range": 1,
        "feedback_empty": 1,
        "score_invalid": 1,
        "stage_unknown": 1,
    }
    assert counts["rows_read"] == counts["ingested"] + counts["duplicates"] + counts["quarantined"]
    refused = workspace.con.table("feedback_quarantine").to_pandas().set_index("row")
    assert refused.loc[4, "reason_code"] == "customer_missing"  # file line 4 (header is line 1)
    assert refused.loc[6, "column"] == "Puntuación" and "0–10" in refused.loc[6, "detail"]
    assert refused.loc[10, "detail"] == "marte"
    rows = workspace.con.table("feedback").to_pandas().set_index("feedback_id")
    assert rows.loc["1", "sentiment"] == "positive" and rows.loc["1", "language"] == "es"
    assert rows.loc["2", "sentiment"] == "negative" and rows.loc["2", "language"] == "en"
    assert rows.loc["1", "properties"] == {"Tienda": "Madrid"}
    assert rows.loc["8", "stage"] == "entrega" and rows.loc["8", "sentiment_method"] == "score"
    # The same file again changes nothing, not even the quarantine.
    again = ingest_feedback(
        workspace,
        survey,
        columns=columns,
        kind="nps",
        delimiter=";",
        journey_map=survey.parent / "map.yaml",
    )
    assert again.ingested == 0 and again.duplicates == 4
    assert workspace.con.table("feedback_quarantine").count().execute() == 6


def test_customers_are_unified_through_the_identity_map(workspace, survey, tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,customer_id,anonymous_id,timestamp,event\n"
        "e1,,anon-7,2024-05-02T08:00:00Z,buy\n"
        "e2,u7,anon-7,2024-05-02T08:05:00Z,identify\n"
        "e3,u7,,2024-05-02T20:00:00Z,delivered\n"
    )
    workspace.ingest(events)
    columns = [
        "score=Puntuación",
        "text=Comentario",
        "customer_id=Cliente",
        "timestamp=Fecha",
        "feedback_id=Id",
    ]
    ingest_feedback(
        workspace,
        survey,
        columns=columns,
        kind="nps",
        delimiter=";",
        journey_map=survey.parent / "map.yaml",
    )
    rows = workspace.con.table("feedback").to_pandas().set_index("feedback_id")
    assert rows.loc["8", "customer_id"] == "u7"  # anon-7 is u7 since the identify call
    # No stage column: placed at the customer's last touchpoint before speaking.
    assert rows.loc["8", "touchpoint"] == "recibido" and rows.loc["8", "stage"] == "entrega"
    assert rows.loc["1", "stage"] is None or rows.loc["1", "stage"] != rows.loc["1", "stage"]


def test_ndjson_with_stars_and_lexicon_fallback(workspace, tmp_path):
    path = tmp_path / "reviews.ndjson"
    lines = [
        {
            "review_id": "r1",
            "user_id": "a",
            "created_at": "2024-01-01T00:00:00+01:00",
            "stars": 5,
            "review": "Excellent, fast and friendly!",
        },
        {
            "review_id": "r2",
            "user_id": "b",
            "created_at": "2024-01-02T00:00:00Z",
            "review": "Horrible experience, the worst support ever.",
        },
        {
            "review_id": "r3",
            "user_id": "c",
            "created_at": "2024-01-03T00:00:00Z",
            "review": "Un servicio pésimo, el vuelo se retrasó y perdieron la maleta",
        },
        {
            "review_id": "r4",
            "user_id": "d",
            "created_at": "2024-01-04T00:00:00Z",
            "review": "Muy amables, todo perfecto",
        },
    ]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    report = ingest_feedback(workspace, path)
    assert report.ingested == 4
    assert report.stage_unplaced == 4  # no stage column and no map: nowhere to place them
    rows = workspace.con.table("feedback").to_pandas().set_index("feedback_id")
    assert rows.loc["r1", "kind"] == "stars" and rows.loc["r1", "sentiment_method"] == "score"
    assert str(rows.loc["r1", "timestamp"]) == "2023-12-31 23:00:00+00:00"
    assert rows.loc["r2", "sentiment_method"] == "lexicon"
    assert list(rows.loc[["r2", "r3", "r4"], "sentiment"]) == ["negative", "negative", "positive"]
    assert list(rows.loc[["r2", "r3", "r4"], "language"]) == ["en", "es", "es"]
    assert report.sentiment["es"]["method"] == "lexicon"
    # A second file: the stored rows are rewritten with the new one, their properties intact.
    more = tmp_path / "more.ndjson"
    more.write_text(
        json.dumps(
            {
                "review_id": "r5",
                "user_id": "e",
                "created_at": "2024-01-05",
                "review": "ok",
                "shop": "Bilbao",
            }
        )
    )
    assert ingest_feedback(workspace, more).ingested == 1
    rows = workspace.con.table("feedback").to_pandas().set_index("feedback_id")
    assert len(rows) == 5 and rows.loc["r5", "properties"] == {"shop": "Bilbao"}
    assert rows.loc["r1", "properties"] == {}


def test_day_first_dates_with_a_format(workspace, tmp_path):
    path = tmp_path / "csat.csv"
    path.write_text("customer_id,date,csat\nu1,03/04/2024 10:30,5\nu2,31/12/2024 09:00,0\n")
    report = ingest_feedback(workspace, path, timestamp_format="%d/%m/%Y %H:%M")
    assert report.ingested == 1 and report.reasons == {"score_out_of_range": 1}
    rows = workspace.con.table("feedback").to_pandas()
    assert str(rows.timestamp[0]) == "2024-04-03 10:30:00+00:00" and rows.kind[0] == "csat"


def test_cli_errors_are_one_sentence(tmp_path, survey):
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path / "ws")]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "feedback",
            "ingest",
            str(survey),
            "-w",
            str(tmp_path / "ws"),
            "--column",
            "scroe=Puntuación",
            "--json",
        ],
    )
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert answer["error"] == "feedback_unknown_field" and "score" in answer["message"]
    result = runner.invoke(
        app,
        [
            "feedback",
            "ingest",
            str(survey),
            "-w",
            str(tmp_path / "ws"),
            "--column",
            "score=Nota",
            "--delimiter",
            ";",
        ],
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    result = runner.invoke(
        app, ["emotions", str(survey.parent / "map.yaml"), "-w", str(tmp_path / "ws"), "--json"]
    )
    assert json.loads(result.stdout)["error"] == "feedback_none"
    ingest = [
        "feedback",
        "ingest",
        str(survey),
        "-w",
        str(tmp_path / "ws"),
        "--delimiter",
        ";",
        "--kind",
        "nps",
        "--column",
        "score=Puntuación",
        "--column",
        "text=Comentario",
        "--column",
        "customer_id=Cliente",
        "--column",
        "timestamp=Fecha",
        "--column",
        "stage=Etapa",
        "--map",
        str(survey.parent / "map.yaml"),
    ]
    assert runner.invoke(app, ingest).exit_code == 0
    result = runner.invoke(
        app,
        ["emotions", str(survey.parent / "map.yaml"), "-w", str(tmp_path / "ws")],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    # The stage name is shown as written: Rich markup in user text is escaped, not applied.
    assert "[b]E[/b]" in result.stdout, result.stdout


def test_labels_and_scores():
    assert [label_from_score("nps", s) for s in (0, 6, 7, 8, 9, 10)] == [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "positive",
        "positive",
    ]
    assert [label_from_score("stars", s) for s in (1, 2, 3, 4, 5)] == [
        "negative",
        "negative",
        "neutral",
        "positive",
        "positive",
    ]
    assert [label_from_score("ces", s) for s in (3, 4, 5)] == ["negative", "neutral", "positive"]
    assert normalise_label("Negativo") == "negative" and normalise_label("??") is None
    with pytest.raises(RecorridoError):
        ingest_feedback(None, [])


def test_language_detection():
    assert detect_language("@Iberia ¿me dirías por favor qué cuesta?") == "es"
    assert detect_language("@united if you lost my belongings then be honest") == "en"
    assert detect_language("👍") is None and detect_language("") is None


def test_refused_rows_keep_their_customer_for_export_and_erasure(workspace, survey, tmp_path):
    from recorrido.feedback.store import QUARANTINE_SCHEMA
    from recorrido.privacy.person import export_person, forget_person

    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,customer_id,anonymous_id,timestamp,event\n"
        "e1,,cookie-4,2024-05-01T08:00:00Z,buy\n"
        "e2,u4,cookie-4,2024-05-01T08:05:00Z,identify\n"
    )
    workspace.ingest(events)
    # A quarantine written before refused rows kept their customer: no customer_id column.
    old = {name: [None] for name in QUARANTINE_SCHEMA.names if name != "customer_id"}
    old.update(file=["old.csv"], row=[2], reason_code=["score_invalid"])
    old["record"] = ['{"Cliente": "u9", "Puntuación": "mucho"}']
    workspace.con.create_table(
        "feedback_quarantine",
        ibis.memtable(old, schema={n: QUARANTINE_SCHEMA[n] for n in old}),
    )
    columns = ["score=Puntuación", "text=Comentario", "customer_id=Cliente", "timestamp=Fecha"]
    ingest_feedback(workspace, survey, columns=columns, kind="nps", delimiter=";")
    refused = workspace.con.table("feedback_quarantine").to_pandas().set_index("row")
    assert refused.loc[6, "customer_id"] == "u4"  # score 11: out of range, customer kept
    assert refused.loc[8, "customer_id"] == "u6"
    assert pd.isna(refused.loc[4, "customer_id"])  # the row without a customer
    assert refused.loc[2, "file"] == "old.csv" and pd.isna(refused.loc[2, "customer_id"])
    # The person's cookie finds them, and their refused feedback with them.
    held = export_person(workspace, "cookie-4")
    assert [r["reason_code"] for r in held["tables"]["feedback_quarantine"]] == [
        "score_out_of_range"
    ]
    # An old row without the column is still found by the id in its record.
    assert len(export_person(workspace, "u9")["tables"]["feedback_quarantine"]) == 1
    before = workspace.con.table("feedback_quarantine").count().execute()
    removed = forget_person(workspace, "cookie-4")["rows_removed"]
    assert removed["feedback_quarantine"] == 1
    after = workspace.con.table("feedback_quarantine")
    assert after.count().execute() == before - 1
    assert "u4" not in set(after.customer_id.to_pandas().dropna())
    assert "feedback_quarantine" not in export_person(workspace, "u4")["tables"]
