"""``recorrido report``: the journey map report, one self-contained HTML file (PNG/PDF on ask)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from recorrido.analytics.windows import DEFAULT_INACTIVITY
from recorrido.cli.common import (
    FromOption,
    InactivityOption,
    ToOption,
    WorkspaceOption,
    app,
    fail,
    lang_of,
    out,
)
from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.workspace import Workspace


@app.command()
def report(
    map_path: Annotated[Path, typer.Argument(help="Journey map (YAML) / mapa del recorrido")],
    workspace: WorkspaceOption,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="HTML file to write / archivo HTML")
    ] = Path("report.html"),
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language of the report: es | en (default: the map's)"),
    ] = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    inactivity: InactivityOption = DEFAULT_INACTIVITY,
    window: Annotated[
        str, typer.Option(help="Conversion window of the stage funnel / ventana del embudo")
    ] = "30d",
    png: Annotated[
        bool, typer.Option("--png", help="Also write a PNG next to the HTML (needs Chromium)")
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also write an A3 landscape PDF (needs Chromium)")
    ] = False,
) -> None:
    """Write the journey map report: the map with its measured figures, the funnel, the first
    steps (Sankey), the top paths and retention, in one HTML file that opens offline."""
    from recorrido.journey import JourneyMap
    from recorrido.report.export import export_pdf, export_png

    language = lang.lower()[:2] if lang and lang.lower()[:2] in ("es", "en") else lang_of()
    try:
        if lang is not None and lang.lower()[:2] not in ("es", "en"):
            raise RecorridoError("unknown_language", name=lang)
        journey = JourneyMap.load(map_path)
        if lang is None:
            # The map's texts are in its language: the report's words follow, unless asked.
            language = lang_of(preferred=journey.language)
        if output.is_dir():
            raise RecorridoError("report_output_is_folder", path=output)
        answer = _ask_server(workspace, map_path, language, date_from, date_to, inactivity, window)
        if answer is not None:  # the server holding the workspace wrote it
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(answer.text, encoding="utf-8")
            path = output
        else:
            path = _write(
                workspace, journey, output, language, date_from, date_to, inactivity, window
            )
        out.print(message("report_written", language, path=path), highlight=False)
        if png:
            done = export_png(path, path.with_suffix(".png"))
            out.print(message("report_exported", language, path=done), highlight=False)
        if pdf:
            done = export_pdf(path, path.with_suffix(".pdf"))
            out.print(message("report_exported", language, path=done), highlight=False)
    except RecorridoError as exc:
        fail(exc, False, language)


def _write(workspace, journey, output, language, date_from, date_to, inactivity, window) -> Path:
    from recorrido.report.build import write_report

    with Workspace.open(workspace, read_only=True) as ws:
        measured = ws.measure(journey, start=date_from, end=date_to, inactivity=inactivity)
        # What customers said, where the workspace holds feedback: the measured emotion
        # curve is drawn beside the designed one, and the feedback section follows the map.
        from recorrido.feedback.curve import report_feedback

        return write_report(
            measured,
            output,
            source=ws,
            lang=language,
            funnel_window=window,
            feedback=report_feedback(ws, journey),
        )


def _ask_server(workspace, map_path, language, date_from, date_to, inactivity, window):
    """The report's HTML from the server holding ``workspace``, or None (no server, or a map
    outside the workspace folder, which the API cannot reach)."""
    from urllib.parse import quote

    from recorrido.cli.forward import ask_server, map_name

    name = map_name(workspace, map_path)
    if name is None:
        return None
    params = {
        "lang": language,
        "from": date_from,
        "to": date_to,
        "inactivity": inactivity,
        "window": window,
    }
    return ask_server(workspace, f"/maps/{quote(name)}/report", params)
