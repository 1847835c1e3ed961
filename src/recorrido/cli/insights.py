"""Insight commands: ``friction``, ``moments``, ``conformance``, ``segments``, ``map discover``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from recorrido.analytics.windows import DEFAULT_INACTIVITY
from recorrido.cli.common import (
    JsonOption,
    WorkspaceOption,
    app,
    fail,
    json_default,
    lang_of,
    out,
)
from recorrido.cli.forward import ask_about_map
from recorrido.cli.journey import map_app
from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.workspace import Workspace

MapArg = Annotated[Path, typer.Argument(help="Journey map (YAML) / mapa del recorrido")]
FromOption = Annotated[str | None, typer.Option("--from", help="First day (UTC) / desde")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day, inclusive / hasta")]
BackendOption = Annotated[str, typer.Option(help="duckdb | pyspark")]


def _run(workspace: Path, backend: str, as_json: bool, work):
    from recorrido.analytics.backend import events_table

    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            return work(events_table(ws, backend)), lang
    except RecorridoError as exc:
        fail(exc, as_json, lang)


def _forwarded(workspace: Path, backend: str, map_path: Path, question: str, params: dict) -> bool:
    """Whether the server running for the workspace answered (its JSON printed as it is): its
    answer is the object ``--json`` prints."""
    answer = _asked(workspace, backend, map_path, question, params, as_json=True)
    if answer is not None:
        print(answer.text)
    return answer is not None


def _asked(workspace, backend, map_path, question, params, as_json: bool = False):
    """The server's answer (``cli/forward.py``), or None when none runs for the workspace."""
    try:
        return ask_about_map(workspace, backend, map_path, question, params)
    except RecorridoError as exc:
        fail(exc, as_json, lang_of())


def _dump(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, default=json_default))


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


@app.command()
def friction(
    map_path: MapArg,
    workspace: WorkspaceOption,
    date_from: FromOption = None,
    date_to: ToOption = None,
    kinds: Annotated[
        str | None,
        typer.Option(help="loop,failure,wait,abandonment,handoff,drift (default: all)"),
    ] = None,
    min_customers: Annotated[
        int, typer.Option(help="Least customers per group (a floor: more when the data needs)")
    ] = 10,
    segment_by: Annotated[
        str | None, typer.Option(help="Property keys to locate findings (default: auto)")
    ] = None,
    failure_patterns: Annotated[
        str | None, typer.Option(help="Error-like event name parts, comma separated")
    ] = None,
    inactivity: Annotated[
        str, typer.Option(help="Silence that counts as gone (one default everywhere)")
    ] = DEFAULT_INACTIVITY,
    backend: BackendOption = "duckdb",
    as_json: JsonOption = False,
) -> None:
    """Friction: loops, repeated failures, long waits, abandonment points, hand-offs to
    assisted touchpoints and changes over time, ranked by the customers they cost."""
    from recorrido.insights.findings import KINDS, FrictionOptions
    from recorrido.insights.findings import friction as find

    options = FrictionOptions(min_customers=min_customers, inactivity=inactivity)
    if kinds:
        wanted = tuple(k.strip() for k in kinds.split(",") if k.strip())
        for k in wanted:
            if k not in KINDS:
                fail(
                    RecorridoError("insights_unknown_kind", name=k, known=", ".join(KINDS)),
                    as_json,
                    lang_of(),
                )
        options.kinds = wanted
    if segment_by:
        options.segment_by = tuple(k.strip() for k in segment_by.split(",") if k.strip())
    if failure_patterns:
        options.failure_patterns = tuple(
            p.strip() for p in failure_patterns.split(",") if p.strip()
        )
    dates = {"from": date_from, "to": date_to}
    if not (kinds or segment_by or failure_patterns):
        # the server's answer is the report's JSON: each finding's sentence in both languages
        params = {**dates, "min_customers": min_customers, "inactivity": inactivity}
        if as_json and _forwarded(workspace, backend, map_path, "friction", params):
            return
        answer = None if as_json else _asked(workspace, backend, map_path, "friction", params)
        if answer is not None:
            data = answer.data
            findings = [(f["kind"], f["text"][answer.lang], f["samples"]) for f in data["findings"]]
            _show_friction(data, findings, answer.lang, min_customers)
            return
    report, lang = _run(
        workspace,
        backend,
        as_json,
        lambda events: find(events, map_path, start=date_from, end=date_to, options=options),
    )
    if as_json:
        _dump(report.to_dict())
        return
    summary = {
        "map": report.map,
        "tested": report.tested,
        "customers": report.customers,
        "skipped_properties": report.skipped_properties,
    }
    findings = [(f.kind, f.sentence(lang), f.samples) for f in report.findings]
    _show_friction(summary, findings, lang, min_customers)


def _show_friction(
    summary: dict, findings: list[tuple[str, str, list[str]]], lang: str, least: int
) -> None:
    """Friction's lines: ``summary`` has the report's map, tested, customers and
    skipped_properties; each finding is its kind, its sentence and its samples."""
    one = len(findings) == 1
    title = "insights_friction_title_one" if one else "insights_friction_title"
    out.print(
        message(
            title,
            lang,
            name=summary["map"],
            count=len(findings),
            tested=summary["tested"],
            customers=summary["customers"],
        ),
        highlight=False,
    )
    if summary["skipped_properties"]:
        keys = ", ".join(repr(k) for k in summary["skipped_properties"])
        out.print(message("insights_skipped_properties", lang, keys=keys), markup=False)
    if not findings:
        # nothing tested is not "nothing found": say what was missing
        none = "insights_none_tested" if not summary["tested"] else "insights_none"
        out.print(message(none, lang, least=least))
    for rank, (kind, sentence, samples) in enumerate(findings, 1):
        # Text, not markup: a finding's sentence and samples carry event names from the data.
        out.print(Text.assemble((f"{rank}. [{kind}]", "bold"), " ", sentence))
        if samples:
            out.print(Text("   " + ", ".join(samples), style="dim"))


@app.command()
def moments(
    map_path: MapArg,
    workspace: WorkspaceOption,
    date_from: FromOption = None,
    date_to: ToOption = None,
    min_support: Annotated[int, typer.Option(help="Least customers with and without")] = 30,
    backend: BackendOption = "duckdb",
    as_json: JsonOption = False,
) -> None:
    """Moments of truth: touchpoints and transitions whose presence before the goal moves the
    chance of reaching it the most, with confidence intervals."""
    from recorrido.insights.moments import moments as find

    params = {"from": date_from, "to": date_to, "min_support": min_support}
    if as_json and _forwarded(workspace, backend, map_path, "moments", params):
        return
    answer = None if as_json else _asked(workspace, backend, map_path, "moments", params)
    if answer is not None:  # the report's JSON: the tables' rows as they are
        _show_moments(answer.data, answer.lang, min_support)
        return
    report, lang = _run(
        workspace,
        backend,
        as_json,
        lambda events: find(
            events, map_path, start=date_from, end=date_to, min_support=min_support
        ),
    )
    if as_json:
        _dump(report.to_dict())
        return
    _show_moments(report.to_dict(), lang, min_support)


def _show_moments(report: dict, lang: str, min_support: int) -> None:
    """The moments' title and tables, from the report's ``to_dict()`` (or the server's JSON)."""
    out.print(message("insights_moments_title", lang, name=report["map"], tested=report["tested"]))
    if not report["tested"]:  # say why the tables are empty, not just "(0 tested)"
        out.print(message("insights_moments_none_tested", lang, least=min_support))
    for title, rows in (("insights_helps", report["helps"]), ("insights_hurts", report["hurts"])):
        view = Table(title=message(title, lang))
        for column in ("item", "with", "rate with", "rate without", "difference (95% CI)"):
            view.add_column(column)
        for r in rows:
            item = r["touchpoint"] + (f" → {r['to_touchpoint']}" if r["to_touchpoint"] else "")
            view.add_row(
                item,
                str(r["customers_with"]),
                _pct(r["rate_with"]),
                _pct(r["rate_without"]),
                f"{_pct(r['difference'])} ({_pct(r['ci'][0])} … {_pct(r['ci'][1])})",
            )
        out.print(view)


@app.command()
def conformance(
    map_path: MapArg,
    workspace: WorkspaceOption,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    as_json: JsonOption = False,
) -> None:
    """Conformance: how real journeys follow the map's stage order; stages skipped or out of
    order; events the map lacks."""
    from recorrido.insights.conformance import conformance as check

    report, lang = _run(
        workspace,
        backend,
        as_json,
        lambda events: check(events, map_path, start=date_from, end=date_to),
    )
    if as_json:
        _dump(report.to_dict())
        return
    out.print(
        message(
            "insights_conformance_title",
            lang,
            name=report.map,
            following=report.following,
            customers=report.mapped_customers,
            share=_pct(report.share_following),
        ),
        highlight=False,
    )
    view = Table()
    for column in ("stage", "customers", "entered here", "skipped", "out of order"):
        view.add_column(column)
    for s in report.stages:
        view.add_row(
            s["id"],
            str(s["customers"]),
            str(s["entered_here"]),
            str(s["skipped"]),
            str(s["out_of_order"]),
        )
    out.print(view)
    if report.back_moves:
        view = Table(title=message("insights_back_title", lang))
        for column in ("from", "to", "customers", "moves"):
            view.add_column(column)
        for m in report.back_moves:
            view.add_row(m["from_stage"], m["to_stage"], str(m["customers"]), str(m["moves"]))
        out.print(view)
    if report.missing_touchpoints:
        view = Table(title=message("insights_missing_title", lang))
        for column in ("event", "events", "customers", "stage", "examples"):
            view.add_column(column)
        for m in report.missing_touchpoints:
            view.add_row(
                m["event"],
                str(m["events"]),
                str(m["customers"]),
                str(m["stage"]),
                ", ".join(m["samples"]),
            )
        out.print(view)


@app.command()
def segments(
    map_path: MapArg,
    workspace: WorkspaceOption,
    date_from: FromOption = None,
    date_to: ToOption = None,
    k: Annotated[
        int | None, typer.Option("-k", help="Number of segments (default: chosen)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    backend: BackendOption = "duckdb",
    as_json: JsonOption = False,
) -> None:
    """Segments: customers clustered by their journeys, each described in words."""
    from recorrido.insights.segments import segments as cluster

    report, lang = _run(
        workspace,
        backend,
        as_json,
        lambda events: cluster(events, map_path, start=date_from, end=date_to, k=k, seed=seed),
    )
    if as_json:
        _dump(report.to_dict())
        return
    out.print(
        message(
            "insights_segments_title_one" if report.k == 1 else "insights_segments_title",
            lang,
            name=report.map,
            k=report.k,
            customers=report.customers,
        ),
        highlight=False,
    )
    for s in report.segments:
        out.print(f"• {s['text'][lang]}", highlight=False)


@map_app.command("discover")
def discover(
    workspace: WorkspaceOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Draft map file to write")],
    goal: Annotated[str | None, typer.Option(help="The goal event (default: guessed)")] = None,
    map_lang: Annotated[str | None, typer.Option("--map-lang", help="es | en")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite the file")] = False,
    as_json: JsonOption = False,
) -> None:
    """Propose a draft journey map from the data alone (touchpoints and stages), to edit."""
    from recorrido.insights.discovery import discover as propose

    lang = lang_of()
    if output.exists() and not force:
        fail(RecorridoError("insights_file_exists", path=str(output)), as_json, lang)
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            journey = propose(ws, goal=goal, lang=map_lang or lang)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    journey.save(output)
    counts = {"stages": len(journey.stages), "touchpoints": len(journey.touchpoints)}
    if as_json:
        _dump(
            {
                "file": str(output),
                **counts,
                "goal": journey.goal.touchpoint,
                "description": journey.description,
            }
        )
        return
    out.print(message("insights_discovered", lang, path=output, **counts), highlight=False)
    out.print(journey.description or "", highlight=False)
