"""Commands on the analytics part: ``paths | funnel | sessions | retention``.

Each opens the workspace read-only, runs one function of :mod:`recorrido.analytics` (on DuckDB,
or on a local Spark session with ``--backend pyspark``) and shows the small result as a Rich
table, as JSON (``--json``), and optionally as a self-contained Plotly HTML file (``--html``).
"""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.common import (
    BackendOption,
    FromOption,
    JsonOption,
    ToOption,
    WorkspaceOption,
    app,
    fail,
    json_default,
    lang_of,
    out,
)
from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.workspace import Workspace

LevelOption = Annotated[
    str, typer.Option("--level", help="event | touchpoint | stage (touchpoint/stage need --map)")
]
MapOption = Annotated[
    Path | None, typer.Option("--map", help="Journey map (YAML) to tag events / mapa del recorrido")
]
HtmlOption = Annotated[
    Path | None, typer.Option("--html", help="Write the Plotly chart to this HTML file (offline)")
]


@contextmanager
def _events(workspace: Path, backend: str, map_path: Path | None):
    """The events table to analyse and the workspace (opened read-only)."""
    from recorrido.analytics.backend import events_table

    with Workspace.open(workspace, read_only=True) as ws:
        events = events_table(ws, backend)
        if map_path is not None:
            events = _tagged(events, map_path)
        yield ws, events


def _tagged(events, map_path: Path):
    from recorrido.analytics.tagging import tag_events

    return tag_events(events, map_path)


def _records(frame) -> list[dict]:
    rows = frame.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
            elif hasattr(value, "tolist"):
                row[key] = value.tolist()
    return rows


def _print_json(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=json_default))


def _duration(seconds) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "—"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _percent(value) -> str:
    return "—" if value is None or value != value else f"{value:.1%}"


def _write_html(fig, path: Path | None) -> None:
    if path is not None:
        fig.write_html(str(path), include_plotlyjs=True)


def _col(key: str, lang: str) -> str:
    return message(f"analytics_col_{key}", lang)


@app.command()
def paths(
    workspace: WorkspaceOption,
    level: LevelOption = "event",
    map_path: MapOption = None,
    collapse_repeats: Annotated[
        bool, typer.Option(help="Count a run of the same value once / contar repeticiones una vez")
    ] = False,
    start_at: Annotated[
        str | None, typer.Option(help="Flows: the first N steps after this value")
    ] = None,
    end_at: Annotated[
        str | None, typer.Option(help="Flows: the last N steps up to this value")
    ] = None,
    steps: Annotated[int, typer.Option(help="Flows: number of steps")] = 5,
    variants: Annotated[int, typer.Option(help="Also list the top N variants (0: none)")] = 0,
    top: Annotated[int, typer.Option(help="Pairs to show in the table / pares a mostrar")] = 20,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Directly-follows graph (pairs, customers, mean/median time), flows and variants."""
    from recorrido.analytics import charts, flows, transitions
    from recorrido.analytics import variants as top_variants

    lang = lang_of()
    try:
        with _events(workspace, backend, map_path) as (ws, events):
            lang = lang_of(ws)
            dates = {"start": date_from, "end": date_to}
            edges = transitions(events, level, collapse_repeats=collapse_repeats, **dates)
            flow = None
            if start_at is not None or end_at is not None:
                flow = flows(events, level, start_at=start_at, end_at=end_at, steps=steps, **dates)
            found = top_variants(events, level, top=variants, **dates) if variants > 0 else None
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    _write_html(
        charts.flows_figure(flow)
        if flow is not None
        else charts.transitions_figure(edges, lang=lang),
        html,
    )
    if as_json:
        payload: dict = {"level": level, "edges": _records(edges)}
        if flow is not None:
            payload["flows"] = _records(flow)
        if found is not None:
            payload["variants"] = _records(found.drop(columns="steps"))
        _print_json(payload)
        return
    view = Table(title=message("analytics_paths_title", lang, level=level, count=len(edges)))
    for key in ("source", "target", "count", "customers", "mean_time", "median_time"):
        view.add_column(_col(key, lang), justify="left" if key in ("source", "target") else "right")
    for row in edges.head(top).itertuples():
        view.add_row(
            row.source,
            row.target,
            f"{row.count:,}",
            f"{row.customers:,}",
            _duration(row.mean_seconds),
            _duration(row.median_seconds),
        )
    out.print(view)
    if flow is not None:
        view = Table()
        for key in ("step", "source", "target", "customers"):
            view.add_column(_col(key, lang))
        for row in flow.itertuples():
            view.add_row(str(row.step), row.source, row.target, f"{row.customers:,}")
        out.print(view)
    if found is not None:
        view = Table()
        view.add_column("variant")
        view.add_column(_col("customers", lang), justify="right")
        for row in found.itertuples():
            view.add_row(row.variant, f"{row.customers:,} ({row.share:.1%})")
        out.print(view)


@app.command()
def funnel(
    workspace: WorkspaceOption,
    steps: Annotated[str, typer.Option(help="Comma-separated steps, e.g. view,cart,purchase")],
    window: Annotated[
        str, typer.Option(help="Conversion window from step 1: 30m, 12h, 7d, 2w")
    ] = "14d",
    kind: Annotated[str, typer.Option(help="ordered | strict | any")] = "ordered",
    exclude: Annotated[
        str | None, typer.Option(help="Comma-separated exclusion events / exclusiones")
    ] = None,
    breakdown: Annotated[
        str | None, typer.Option(help="Column or properties key of step 1, e.g. device")
    ] = None,
    level: LevelOption = "event",
    map_path: MapOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Customers per funnel step, conversion and median time to convert."""
    from recorrido.analytics import charts
    from recorrido.analytics import funnel as run_funnel

    lang = lang_of()
    step_list = [s.strip() for s in steps.split(",") if s.strip()]
    exclusions = [s.strip() for s in (exclude or "").split(",") if s.strip()]
    try:
        with _events(workspace, backend, map_path) as (ws, events):
            lang = lang_of(ws)
            options = {
                "window": window,
                "kind": kind,
                "exclusions": exclusions,
                "level": level,
                "start": date_from,
                "end": date_to,
            }
            result = run_funnel(events, step_list, **options)
            split = (
                run_funnel(events, step_list, breakdown=breakdown, **options) if breakdown else None
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    _write_html(charts.funnel_figure(split if split is not None else result, lang=lang), html)
    if as_json:
        payload: dict = {"kind": kind, "window": window, "level": level, "steps": _records(result)}
        if split is not None:
            payload["breakdown"] = {"property": breakdown, "rows": _records(split)}
        _print_json(payload)
        return
    for frame, title in ((result, None), (split, breakdown)):
        if frame is None:
            continue
        view = Table(
            title=message("analytics_funnel_title", lang, kind=kind, window=window)
            + (f" · {title}" if title else "")
        )
        keys = ["breakdown"] if "breakdown" in frame else []
        keys += ["step", "customers", "conversion", "from_previous", "median_time"]
        for key in keys:
            view.add_column(_col(key, lang))
        for row in frame.to_dict("records"):
            cells = [str(row["breakdown"])] if "breakdown" in row else []
            cells += [
                f"{row['step_index']}. {row['step']}",
                f"{row['customers']:,}",
                _percent(row["conversion"]),
                _percent(row["conversion_from_previous"]),
                _duration(row["median_seconds_from_previous"]),
            ]
            view.add_row(*cells)
        out.print(view)


@app.command()
def sessions(
    workspace: WorkspaceOption,
    gap: Annotated[str, typer.Option(help="Inactivity that ends a session, e.g. 30m")] = "30m",
    by: Annotated[str | None, typer.Option(help="Per period: day | week | month")] = None,
    level: LevelOption = "event",
    map_path: MapOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sessions split by inactivity: count, customers, events and duration."""
    from recorrido.analytics import charts
    from recorrido.analytics import sessions as run_sessions

    lang = lang_of()
    try:
        with _events(workspace, backend, map_path) as (ws, events):
            lang = lang_of(ws)
            dates = {"start": date_from, "end": date_to}
            summary = run_sessions(events, gap, level, **dates)
            periods = run_sessions(events, gap, level, by=by, **dates) if by else None
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    _write_html(
        charts.sessions_figure(periods if periods is not None else summary, lang=lang), html
    )
    if as_json:
        payload: dict = {"gap": gap, "level": level, "summary": _records(summary)[0]}
        if periods is not None:
            payload["periods"] = _records(periods)
        _print_json(payload)
        return
    view = Table(title=message("analytics_sessions_title", lang, gap=gap))
    keys = ["period"] if periods is not None else []
    keys += [
        "sessions",
        "customers",
        "events_per_session",
        "single_share",
        "median_time",
        "mean_time",
    ]
    for key in keys:
        view.add_column(_col(key, lang), justify="right")
    for row in (periods if periods is not None else summary).to_dict("records"):
        cells = [str(row["period"])] if periods is not None else []
        cells += [
            f"{row['sessions']:,}",
            f"{row['customers']:,}",
            f"{row['events_per_session']:.1f}",
            _percent(row["single_event_share"]),
            _duration(row["median_duration_seconds"]),
            _duration(row["mean_duration_seconds"]),
        ]
        view.add_row(*cells)
    out.print(view)


@app.command()
def retention(
    workspace: WorkspaceOption,
    period: Annotated[str, typer.Option(help="Cohort period: week | month (or day)")] = "week",
    return_event: Annotated[
        str | None, typer.Option(help="Count returns on this event only (default: any)")
    ] = None,
    level: LevelOption = "event",
    map_path: MapOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retention cohorts by first-seen period: the classic triangle."""
    from recorrido.analytics import charts, retention_matrix
    from recorrido.analytics import retention as run_retention

    lang = lang_of()
    try:
        with _events(workspace, backend, map_path) as (ws, events):
            lang = lang_of(ws)
            result = run_retention(
                events, period, return_event=return_event, level=level, start=date_from, end=date_to
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    _write_html(charts.retention_figure(result, lang=lang), html)
    if as_json:
        _print_json(
            {
                "period": period,
                "return_event": return_event,
                "level": level,
                "cohorts": _records(result),
            }
        )
        return
    matrix = retention_matrix(result)
    view = Table(title=message("analytics_retention_title", lang, period=period))
    view.add_column(_col("cohort", lang))
    view.add_column(_col("size", lang), justify="right")
    periods = [c for c in matrix.columns if c != "cohort_size"]
    for p in periods:
        view.add_column(str(p), justify="right")
    for cohort, row in matrix.iterrows():
        view.add_row(
            str(cohort), f"{int(row['cohort_size']):,}", *(_percent(row[p]) for p in periods)
        )
    out.print(view)
