"""``recorrido feedback ingest`` and ``recorrido emotions``: what customers say, on the map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.common import JsonOption, WorkspaceOption, app, fail, json_default, lang_of, out
from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.workspace import Workspace

feedback_app = typer.Typer(
    no_args_is_help=True,
    help="Feedback: surveys, reviews, comments, posts / opiniones de los clientes",
)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("ingest")
def feedback_ingest(
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet or NDJSON files")],
    workspace: WorkspaceOption,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", "-c", help="FIELD=COLUMN, e.g. score=Puntuación (repeatable)"),
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="nps | csat | ces | stars | text (when no column says)")
    ] = None,
    journey_map: Annotated[
        Path | None,
        typer.Option("--map", help="Map that places feedback at a stage by time / mapa"),
    ] = None,
    source: Annotated[str | None, typer.Option(help="Source name (default: file name)")] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter")] = None,
    encoding: Annotated[str | None, typer.Option(help="CSV encoding, e.g. utf-16")] = None,
    timestamp_format: Annotated[
        str | None, typer.Option(help="strptime layout, e.g. '%d/%m/%Y %H:%M' / formato de fecha")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest feedback (NPS, CSAT, CES, stars, free text) into the workspace."""
    from recorrido.feedback.ingest import ingest_feedback

    lang = lang_of()
    try:
        with Workspace.open(workspace) as ws:
            lang = lang_of(ws)
            report = ingest_feedback(
                ws,
                files,
                columns=column or None,
                kind=kind,
                source=source,
                journey_map=journey_map,
                encoding=encoding,
                delimiter=delimiter,
                timestamp_format=timestamp_format,
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    result = report.to_dict()
    if as_json:
        print(json.dumps(result, default=json_default, ensure_ascii=False))
        return
    out.print(message("feedback_ingested", lang, **result), highlight=False, markup=False)
    out.print(message("feedback_placed", lang, **result["stage"]), highlight=False, markup=False)
    for language, model in result["sentiment"].items():
        if model.get("method") == "trained":
            f1 = model["cross_validation"].get("macro_f1")
            text = message(
                "feedback_model",
                lang,
                language=language,
                labels=model["labels_used"],
                f1=f"{f1:.2f}" if f1 is not None else "—",
            )
        else:
            text = message("feedback_lexicon", lang, language=language)
        out.print(text, highlight=False, markup=False)
    for reason, count in result["quarantine_reasons"].items():
        out.print(f"  {reason}: {count}", highlight=False, markup=False)


@app.command("emotions")
def emotions(
    journey_map: Annotated[Path, typer.Argument(help="Journey map (YAML) / mapa")],
    workspace: WorkspaceOption,
    period: Annotated[str, typer.Option(help="day | week | month")] = "week",
    as_json: JsonOption = False,
) -> None:
    """The measured emotion curve per stage, beside the designed one; drops and rising topics."""
    from recorrido.feedback import emotion_curve

    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            curve = emotion_curve(ws, journey_map, period=period)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    result = curve.to_dict()
    if as_json:
        print(json.dumps(result, default=json_default, ensure_ascii=False))
        return
    _show(result, lang)


def _fmt(value, scale: float = 1.0, digits: int = 2) -> str:
    return "—" if value is None else f"{value * scale:.{digits}f}"


def _show(result: dict, lang: str) -> None:
    """A table per stage. The console shows every cell literally (``SafeConsole``): a stage name
    or topic that looks like Rich markup is printed as written."""
    table = Table(title=message("feedback_emotions_title", lang, name=result["map"]))
    for header in (
        "stage",
        "n",
        "designed",
        "measured [95%]",
        "NPS [95%]",
        "CSAT",
        "+ / = / −",
        "topics",
    ):
        table.add_column(header)
    for stage in result["stages"]:
        measured = stage["measured_emotion"]
        nps, csat, shares = stage["nps"], stage["csat"], stage["shares"]
        flag = (
            " ⚠ " + message("feedback_worse_than_designed", lang)
            if stage["worse_than_designed"]
            else ""
        )
        table.add_row(
            stage["name"],
            str(stage["answers"]),
            "—" if stage["designed_emotion"] is None else str(stage["designed_emotion"]),
            "—"
            if measured is None
            else f"{measured['value']:+.2f} [{measured['low']:+.2f}, {measured['high']:+.2f}]"
            + flag,
            "—" if nps is None else f"{nps['value']:+.0f} [{nps['low']:+.0f}, {nps['high']:+.0f}]",
            "—" if csat is None else _fmt(csat["mean"]),
            " / ".join(
                _fmt(shares[k]["share"], 100, 0) for k in ("positive", "neutral", "negative")
            ),
            "; ".join(t["name"] for t in stage["topics"][:3]),
        )
    out.print(table)
    names = {s["stage"]: s["name"] for s in result["stages"]}
    for drop in result["drops"]:
        text = message(
            "feedback_drop",
            lang,
            stage=names.get(drop["stage"], drop["stage"]),
            start=drop["start"],
            end=drop["end"],
            inside=f"{drop['net_inside']:+.2f}",
            outside=f"{drop['net_outside']:+.2f}",
        )
        out.print(text, highlight=False, markup=False)
    for rise in result["rising_topics"]:
        text = message(
            "feedback_rising",
            lang,
            stage=names.get(rise["stage"], rise["stage"]),
            start=rise["start"],
            end=rise["end"],
            topic=rise["topic"],
            inside=f"{rise['share_inside']:.0%}",
            outside=_fmt(rise["share_outside"], 100, 0) + "%",
        )
        out.print(text, highlight=False, markup=False)
