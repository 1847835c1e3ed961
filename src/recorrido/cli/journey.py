"""Commands on journey maps: ``map validate | check | schema | new | templates``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from recorrido.cli.common import (
    JsonOption,
    WorkspaceOption,
    app,
    err,
    fail,
    json_default,
    lang_of,
    out,
)
from recorrido.errors import RecorridoError
from recorrido.i18n import message

map_app = typer.Typer(
    no_args_is_help=True,
    help="Journey maps: validate, measure coverage, schema, templates. "
    "/ Mapas del recorrido: validar, medir cobertura, esquema, plantillas.",
)
app.add_typer(map_app, name="map")

MapArgument = Annotated[Path, typer.Argument(help="Map file (YAML) / archivo del mapa")]


def _map_language(path: Path) -> str | None:
    """The ``language`` a map file declares, read leniently (the file may be invalid)."""
    from recorrido.journey.yaml_io import YamlSyntaxError, parse

    try:
        document, _ = parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        return None
    language = document.get("language") if isinstance(document, dict) else None
    return language if isinstance(language, str) else None


@map_app.command("validate")
def validate(map_file: MapArgument, as_json: JsonOption = False) -> None:
    """Check a map: every problem with its line, column and key path; exit 1 if any."""
    from recorrido.journey.validate import check_text, read_map_file

    lang = lang_of(preferred=_map_language(map_file))
    try:
        text = read_map_file(map_file)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    problems, journey = check_text(text, lang)
    if as_json:
        result: dict = {
            "file": str(map_file),
            "valid": not problems,
            "problems": [p.to_dict() for p in problems],
        }
        if journey is not None:
            result.update(_counts(journey))
        print(json.dumps(result, ensure_ascii=False, default=json_default))
    elif journey is not None:
        out.print(f"[green]✓[/] {message('map_valid', lang, path=map_file, **_counts(journey))}")
    else:
        view = Table(title=message("map_problems_title", lang, path=map_file, count=len(problems)))
        for key in ("map_col_where", "map_col_path", "map_col_code", "map_col_problem"):
            view.add_column(message(key, lang), overflow="fold")
        for p in problems:
            view.add_row(f"{p.line}:{p.column}", p.path or "-", p.code, p.message)
        err.print(view)
    if problems:
        raise typer.Exit(1)


def _counts(journey) -> dict:
    return {
        "stages": len(journey.stages),
        "touchpoints": len(journey.touchpoints),
        "measured": len(journey.measured()),
    }


@map_app.command("check")
def check(map_file: MapArgument, workspace: WorkspaceOption, as_json: JsonOption = False) -> None:
    """Measure a map on a workspace: events and customers per touchpoint, and the holes."""
    from recorrido.journey.check import check_map
    from recorrido.journey.model import JourneyMap
    from recorrido.workspace import Workspace

    lang = lang_of(preferred=_map_language(map_file))
    try:
        journey = JourneyMap.load(map_file)
        with Workspace.open(workspace, read_only=True) as ws:
            coverage = check_map(ws, journey)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(coverage.to_dict(), ensure_ascii=False, default=json_default))
        return
    number = _number_format(lang)
    view = Table(
        title=message(
            "map_check_title",
            lang,
            name=journey.name,
            events=number(coverage.events),
            customers=number(coverage.customers),
        )
    )
    for key in ("map_col_stage", "map_col_touchpoint", "col_events", "col_customers"):
        view.add_column(message(key, lang))
    view.add_column(message("map_col_share", lang), justify="right")
    for row in coverage.touchpoints:
        if not row.measured:
            cells = ["—", "—", message("map_check_no_rule", lang)]
        else:
            share = _percent(row.event_share, lang)
            cells = [number(row.events), number(row.customers), share]
            if not row.events:
                cells = [Text(c, style="yellow") for c in cells]
        view.add_row(journey.stage(row.stage).name, f"{row.name} ({row.touchpoint})", *cells)
    out.print(view)
    holes = message(
        "map_check_holes",
        lang,
        unmatched=number(coverage.unmatched_events),
        events=number(coverage.events),
        share=_percent(coverage.unmatched_share, lang),
    )
    out.print(holes, highlight=False)
    if coverage.hole_events:
        names = ", ".join(f"{h['event']} ({number(h['events'])})" for h in coverage.hole_events)
        out.print("  " + message("map_check_hole_events", lang, events=names), highlight=False)
    if coverage.matching_nothing:
        names = ", ".join(coverage.matching_nothing)
        out.print(message("map_check_nothing", lang, touchpoints=names), highlight=False)
    if coverage.unmeasured:
        names = ", ".join(coverage.unmeasured)
        out.print(message("map_check_unmeasured", lang, touchpoints=names), highlight=False)
    if coverage.overlapping_events:
        count = number(coverage.overlapping_events)
        out.print(message("map_check_overlap", lang, count=count), highlight=False)


def _number_format(lang: str):
    separator = "." if lang == "es" else ","
    return lambda n: f"{n:,}".replace(",", separator)


def _percent(share: float, lang: str) -> str:
    text = f"{share * 100:.1f} %"
    return text.replace(".", ",") if lang == "es" else text.replace(" %", "%")


@map_app.command("schema")
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file / escribir aquí")
    ] = None,
) -> None:
    """Print the JSON Schema of map files (for editors' autocomplete)."""
    from recorrido.journey.schema import map_schema_text

    text = map_schema_text()
    if output is None:
        print(text, end="")
        return
    output.write_text(text, encoding="utf-8")
    err.print(f"[green]✓[/] {message('map_schema_written', lang_of(), path=output)}")


@map_app.command("new")
def new(
    output: Annotated[Path, typer.Option("--output", "-o", help="Map file to write")],
    template: Annotated[
        str, typer.Option("--template", "-t", help="lifecycle | purchase | ecommerce")
    ] = "ecommerce",
    language: Annotated[
        str | None, typer.Option("--lang", help="es | en (default: the global language)")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite / sobrescribir")] = False,
) -> None:
    """Start a map from a template (a complete, valid map in Spanish or English)."""
    from recorrido.journey.templates import template_text

    lang = lang_of(preferred=language)
    chosen = (language or lang).lower()
    try:
        if output.exists() and not force:
            raise RecorridoError("map_file_exists", path=str(output))
        text = template_text(template, chosen)
    except RecorridoError as exc:
        fail(exc, False, lang)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    written = message("map_template_written", lang, template=template, language=chosen, path=output)
    out.print(f"[green]✓[/] {written}", highlight=False)


@map_app.command("templates")
def templates(as_json: JsonOption = False) -> None:
    """List the map templates."""
    from recorrido.journey.templates import TEMPLATES

    lang = lang_of()
    if as_json:
        print(json.dumps({"templates": TEMPLATES}, ensure_ascii=False))
        return
    view = Table(title=message("map_templates_title", lang))
    view.add_column(message("map_col_template", lang))
    view.add_column(message("map_col_description", lang))
    for name, texts in TEMPLATES.items():
        view.add_row(name, texts[lang])
    out.print(view)
