"""The main job on the bundled real dataset: build a workspace, ingest, show what it holds."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from rich.console import Console
from rich.table import Table

from recorrido.i18n import message
from recorrido.settings import SETTINGS_FILE
from recorrido.workspace import Workspace

DEMO_MAP = "journey-map.yaml"
DEMO_REPORT = "report.html"


def bundled(name: str):
    """A file shipped in ``recorrido/data`` (as a context manager yielding a path)."""
    return as_file(files("recorrido") / "data" / name)


def run_demo(folder: Path, lang: str, console: Console) -> dict:
    console.print(f"[bold]{message('demo_title', lang)}[/]")
    if (folder / SETTINGS_FILE).exists():
        ws = Workspace.open(folder)
    else:
        ws = Workspace.init(folder, language=lang)
    with ws, bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
        report = ws.ingest(data, mapping=mapping)
        console.print(message("demo_workspace", lang, path=folder))
        console.print(
            "  "
            + message(
                "ingest_summary",
                lang,
                **{
                    k: report.to_dict()[k]
                    for k in ("rows_read", "ingested", "duplicates", "quarantined")
                },
            ),
            highlight=False,
        )
        events = ws.events
        totals = (
            events.aggregate(
                events=events.count(),
                customers=events.customer_id.nunique(),
                first=events.timestamp.min(),
                last=events.timestamp.max(),
            )
            .to_pyarrow()
            .to_pylist()[0]
        )
        console.print(
            message(
                "demo_holds",
                lang,
                events=totals["events"],
                customers=totals["customers"],
                first=f"{totals['first']:%Y-%m-%d %H:%M}",
                last=f"{totals['last']:%Y-%m-%d %H:%M}",
            )
        )
        by_event = (
            events.group_by("event")
            .aggregate(events=events.count(), customers=events.customer_id.nunique())
            .order_by([ibis_desc("events"), "event"])
            .to_pyarrow()
            .to_pylist()
        )
    view = Table(title=message("demo_events_title", lang))
    for key in ("col_event", "col_events", "col_customers"):
        view.add_column(message(key, lang))
    for row in by_event:
        view.add_row(row["event"], str(row["events"]), str(row["customers"]))
    console.print(view)
    measured = _measure_demo_map(folder, lang, console)
    report_path = _write_demo_report(folder, measured, lang, console)
    console.print(message("demo_next", lang, path=folder))
    return {
        "report": report.to_dict(),
        "totals": totals,
        "by_event": by_event,
        "measured": measured.to_dict(),
        "report_path": str(report_path),
    }


def _write_demo_report(folder: Path, measured, lang: str, console: Console) -> Path:
    """The journey map report of the demo, in the demo's language: what a newcomer opens."""
    from recorrido.report.build import write_report

    with Workspace.open(folder, read_only=True) as ws:
        path = write_report(measured, folder / DEMO_REPORT, source=ws, lang=lang)
    console.print(f"[bold]{message('report_written', lang, path=path)}[/]", highlight=False)
    return path


def _measure_demo_map(folder: Path, lang: str, console: Console):
    """Measure the e-commerce template (written once into the workspace, then the team's to edit)
    on the sample, and show it."""
    from recorrido.cli.measure import show_measured
    from recorrido.journey import JourneyMap
    from recorrido.journey.templates import load_template

    map_file = folder / DEMO_MAP
    if map_file.exists():
        journey = JourneyMap.load(map_file)
    else:
        journey = load_template("ecommerce", lang)
        journey.save(map_file)
    console.print(message("demo_map", lang, path=map_file))
    with Workspace.open(folder, read_only=True) as ws:
        # The one default of every command (a week without events: a long pause in a four-week
        # sample), so the demo's figures are those `recorrido measure` and `report` give.
        measured = ws.measure(journey)
    show_measured(measured, lang, console)
    return measured


def ibis_desc(column: str):
    import ibis

    return ibis.desc(column)
