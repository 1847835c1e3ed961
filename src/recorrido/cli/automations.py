"""``recorrido automations ... and recorrido worker: automations on the map.``"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.common import (
    FromOption,
    JsonOption,
    ToOption,
    WorkspaceOption,
    app,
    err,
    fail,
    json_default,
    lang_of,
    out,
)
from recorrido.errors import RecorridoError

automations_app = typer.Typer(
    no_args_is_help=True,
    help="Automations on the map: validate, dry-run on history, publish / automatizaciones",
)
app.add_typer(automations_app, name="automations")

MapOption = Annotated[
    Path | None, typer.Option("--map", help="Journey map file (else the file's map:) / mapa")
]


@automations_app.command("new")
def new(
    template: Annotated[
        str,
        typer.Argument(
            help="welcome, abandoned-cart, abandoned-browse, "
            "re-engagement, review-request, assisted-call"
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write / archivo")],
    language: Annotated[
        str | None, typer.Option("--lang", help="Language of the template: es | en / idioma")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write an automation from a template (in the language of --lang)."""
    from recorrido.automations.templates import template_text

    lang = lang_of()
    try:
        text = template_text(template, language or lang)
        if output.exists():
            raise RecorridoError("automations_file_exists", path=str(output))
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    output.write_text(text, encoding="utf-8")
    out.print(str(output)) if not as_json else print(json.dumps({"written": str(output)}))


@automations_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="Automation YAML file")],
    map_file: MapOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every problem of an automation file, with line and column."""
    from recorrido.automations.validate import validate_file

    lang = lang_of()
    try:
        problems, _automation = validate_file(file, lang, map_file)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps({"file": str(file), "problems": [p.to_dict() for p in problems]}))
    else:
        for problem in problems:
            err.print(f"{file}:{problem}", highlight=False, markup=False)
        if not problems:
            out.print(f"✓ {file}")
    raise typer.Exit(1 if problems else 0)


@automations_app.command("list")
def list_automations(workspace: WorkspaceOption = Path("."), as_json: JsonOption = False) -> None:
    """Published automations of the workspace: versions, state, passes."""
    from recorrido.automations.store import Store

    lang = lang_of()
    try:
        rows = Store.for_folder(workspace).listing()
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(rows, default=json_default))
        return
    table = Table("id", "version", "state", "passes", "published")
    for row in rows:
        table.add_row(
            row["automation"],
            str(row["version"]),
            row["state"],
            str(row["passes"]),
            str(row["published_at"]),
        )
    out.print(table)


@automations_app.command("dry-run")
def dry_run_command(
    file: Annotated[Path, typer.Argument(help="Automation YAML file")],
    workspace: WorkspaceOption = Path("."),
    start: FromOption = None,
    end: ToOption = None,
    map_file: MapOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replay stored history through an automation: who enters, steps, messages, how they fared."""
    from recorrido.automations.dryrun import dry_run, parse_day
    from recorrido.automations.validate import load_automation, load_journey_for
    from recorrido.workspace import Workspace

    lang = lang_of()
    try:
        automation = load_automation(file, map_file)
        journey = load_journey_for(file, automation, map_file)
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            first, last = _window(ws, start, end, parse_day)
            result = dry_run(ws, automation, first, last, journey)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(result.to_dict(), default=json_default))
        return
    _show_dry_run(result)


def _window(ws, start, end, parse_day):
    if start is not None and end is not None:
        return parse_day(start), parse_day(end, end=True)
    first, last = ws.con.sql("select min(timestamp), max(timestamp) from events").to_pyarrow()
    low = first[0].as_py()
    high = last[0].as_py()
    from datetime import timedelta

    return (
        parse_day(start) if start else low,
        parse_day(end, end=True) if end else (high + timedelta(microseconds=1)),
    )


def _show_dry_run(result) -> None:
    out.print(
        f"[bold]{result.automation}[/]  {result.start:%Y-%m-%d} → {result.end:%Y-%m-%d}: "
        f"{result.passes} passes / pasadas, {result.customers} customers / clientes "
        f"({result.reentry_skipped} re-entries refused / reentradas rechazadas), "
        f"{result.seconds:.2f} s"
    )
    table = Table(
        "step / paso",
        "entered",
        "proceeded",
        "goal",
        "exit",
        "branches / ramas",
        "sent",
        "deferred",
        "capped",
    )
    for step, counts in result.steps.items():
        branches = ", ".join(
            f"{k.split(':', 1)[1]} {v}" for k, v in counts.items() if k.startswith("branch:")
        )
        sent = counts.get("sent", 0) + counts.get("task", 0) + counts.get("updated", 0)
        table.add_row(
            step,
            *(str(counts.get(k, 0)) for k in ("entered", "proceeded", "goal", "exit")),
            branches,
            str(sent),
            str(counts.get("deferred", 0)),
            str(counts.get("capped", 0)),
        )
    out.print(table)
    out.print(f"outcomes / resultados: {result.outcomes}")
    out.print(f"messages per day / mensajes por día: {result.messages_per_day}")
    if result.fared:
        lift = result.fared.get("lift")
        treated, holdout = result.fared["treated"], result.fared["holdout"]
        line = (
            f"goal / objetivo: treated {treated['goal']}/{treated['passes']}, "
            f"holdout {holdout['goal']}/{holdout['passes']}"
        )
        if lift:
            low, high = lift["interval"]
            line += f"; lift {lift['difference']:+.3f} (95 % CI {low:+.3f} … {high:+.3f})"
        out.print(line)


@automations_app.command("publish")
def publish(
    file: Annotated[Path, typer.Argument(help="Automation YAML file")],
    workspace: WorkspaceOption = Path("."),
    map_file: MapOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish a new version; customers already inside stay on theirs."""
    from recorrido.automations.store import Store
    from recorrido.automations.validate import load_automation, load_journey_for

    lang = lang_of()
    try:
        automation = load_automation(file, map_file)
        journey = load_journey_for(file, automation, map_file)
        version = Store.for_folder(workspace).publish(automation, file, journey)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    shown = {"automation": automation.id, "version": version}
    print(json.dumps(shown)) if as_json else out.print(f"✓ {automation.id} v{version}")


@automations_app.command("pause")
def pause(
    automation_id: Annotated[str, typer.Argument(help="Automation id")],
    workspace: WorkspaceOption = Path("."),
    resume: Annotated[bool, typer.Option("--resume", help="Resume instead / reanudar")] = False,
    as_json: JsonOption = False,
) -> None:
    """Stop new entries (customers inside carry on); --resume lets them in again."""
    from recorrido.automations.store import Store

    lang = lang_of()
    try:
        Store.for_folder(workspace).set_paused(automation_id, not resume)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    state = "live" if resume else "paused"
    print(json.dumps({"automation": automation_id, "state": state})) if as_json else out.print(
        f"✓ {automation_id}: {state}"
    )


@automations_app.command("status")
def status(
    automation_id: Annotated[str, typer.Argument(help="Automation id")],
    workspace: WorkspaceOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Per version and step: entered, waiting, proceeded, exited, goal; the holdout's lift."""
    from recorrido.automations.store import Store

    lang = lang_of()
    try:
        figures = Store.for_folder(workspace).status(automation_id)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(figures, default=json_default))
        return
    out.print(f"[bold]{automation_id}[/]: {figures['passes']} passes, {figures['outcomes']}")
    table = Table("version", "step / paso", "entered", "waiting", "proceeded", "exited", "goal")
    for row in figures["steps"]:
        table.add_row(
            str(row["version"]),
            row["step"],
            *(str(row[k]) for k in ("entered", "waiting", "proceeded", "exited", "goal")),
        )
    out.print(table)
    if figures.get("lift"):
        low, high = figures["lift"]["interval"]
        out.print(f"lift {figures['lift']['difference']:+.3f} (95 % CI {low:+.3f} … {high:+.3f})")


@app.command("worker")
def worker(
    workspace: WorkspaceOption = Path("."),
    every: Annotated[float, typer.Option(help="Seconds between feeds / segundos")] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Feed once and wait for the passes")] = False,
    name: Annotated[
        str,
        typer.Option(
            "--name",
            envvar="RECORRIDO_WORKER_NAME",
            help="This worker's name, one per worker sharing a PostgreSQL engine database / "
            "nombre del worker, uno por worker",
        ),
    ] = "local",
) -> None:
    """Run the automations: read new events, start passes, run them (a loop)."""
    from recorrido.automations.worker import run_worker

    lang = lang_of()
    try:
        run_worker(workspace, every=every, once=once, name=name)
    except RecorridoError as exc:
        fail(exc, False, lang)
