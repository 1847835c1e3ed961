"""The main job on the bundled data: build a workspace, ingest the real OTTO sample and the
generated shop beside it (:mod:`recorrido.demo_shop`, ``customers`` of them; 0 leaves it out),
show what it holds, measure the e-commerce map, write the report and attach an automation."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from rich.console import Console
from rich.table import Table

from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.settings import SETTINGS_FILE
from recorrido.workspace import Workspace

DEMO_MAP = "journey-map.yaml"
DEMO_REPORT = "report.html"
#: The automation the demo attaches to the map: the stall at the cart, a reminder.
DEMO_AUTOMATION = "abandoned-cart.yaml"


def bundled(name: str):
    """A file shipped in ``recorrido/data`` (as a context manager yielding a path)."""
    return as_file(files("recorrido") / "data" / name)


def run_demo(
    folder: Path,
    lang: str,
    console: Console,
    *,
    customers: int | None = None,
    seed: int | None = None,
) -> dict:
    from recorrido import demo_shop

    customers = demo_shop.CUSTOMERS if customers is None else customers
    seed = demo_shop.SEED if seed is None else seed
    if customers < 0:
        raise RecorridoError("demo_bad_customers", customers=customers)
    console.print(f"[bold]{message('demo_title', lang)}[/]")
    if (folder / SETTINGS_FILE).exists():
        ws = Workspace.open(folder)
    else:
        ws = Workspace.init(folder, language=lang)
    with ws, bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
        report = ws.ingest(data, mapping=mapping)
        console.print(message("demo_workspace", lang, path=folder))
        _print_ingest(console, lang, report)
        shop = None
        if customers:
            console.print(message("demo_shop", lang, customers=customers, seed=seed))
            shop = _ingest_shop(ws, customers, seed)
            _print_ingest(console, lang, shop)
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
    automation = _attach_automation(folder, lang, console)
    console.print(message("demo_next", lang, path=folder))
    return {
        "report": report.to_dict(),
        "shop": shop.to_dict() if shop is not None else None,
        "automation": str(automation),
        "totals": totals,
        "by_event": by_event,
        "measured": measured.to_dict(),
        "report_path": str(report_path),
    }


def _print_ingest(console: Console, lang: str, report) -> None:
    figures = report.to_dict()
    keys = ("rows_read", "ingested", "duplicates", "quarantined")
    console.print(
        "  " + message("ingest_summary", lang, **{k: figures[k] for k in keys}), highlight=False
    )


def _ingest_shop(ws: Workspace, customers: int, seed: int):
    """The generated shop, written to a temporary Parquet file and ingested like any file (its
    event ids are stable, so running the demo again adds nothing)."""
    import tempfile

    from recorrido import demo_shop
    from recorrido.events.mapping import ColumnMapping

    with tempfile.TemporaryDirectory(prefix="recorrido-demo-") as scratch:
        path = demo_shop.write(Path(scratch) / "generated_shop.parquet", customers, seed)
        return ws.ingest(path, mapping=ColumnMapping(defaults={"source": "generated-shop"}))


def _attach_automation(folder: Path, lang: str, console: Console) -> Path:
    """The abandoned-cart automation beside the map (written once, then the team's to edit):
    the Act page draws it, and its dry run has the shop's stalled carts to remind."""
    from recorrido.automations.templates import template_text

    path = folder / DEMO_AUTOMATION
    if not path.exists():
        path.write_text(template_text("abandoned-cart", lang), encoding="utf-8")
    console.print(message("demo_automation", lang, path=path, folder=folder), highlight=False)
    return path


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
