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


def _interval(ci) -> str:
    """`` [38.1–45.9]`` (percent) for a [low, high] share interval, nothing without one."""
    if ci is None or len(ci) != 2:
        return ""
    return f" [{ci[0] * 100:.1f}–{ci[1] * 100:.1f}]"


def _step_windows(text: str | None) -> list[str | None] | None:
    if text is None:
        return None
    return [part.strip() or None for part in text.split(",")]


def _numbers(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"--optional: {text!r}") from exc


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
    steps: Annotated[int, typer.Option(help="Flows / step matrix: number of steps")] = 5,
    flow_window: Annotated[
        str | None, typer.Option("--window", help="Flows: only steps this long from the anchor")
    ] = None,
    include_end: Annotated[
        bool, typer.Option(help="Flows: a band to (end) where journeys stop / bandas al final")
    ] = False,
    matrix: Annotated[
        bool, typer.Option("--matrix", help="Also show the step matrix / matriz de pasos")
    ] = False,
    variants: Annotated[int, typer.Option(help="Also list the top N variants (0: none)")] = 0,
    top: Annotated[int, typer.Option(help="Pairs to show in the table / pares a mostrar")] = 20,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Directly-follows graph (pairs, customers, mean/median time), flows, step matrix and
    variants — all from the same step table, so their counts agree."""
    from recorrido.analytics import charts, flows, step_matrix, transitions
    from recorrido.analytics import variants as top_variants

    lang = lang_of()
    try:
        with _events(workspace, backend, map_path) as (ws, events):
            lang = lang_of(ws)
            dates = {"start": date_from, "end": date_to}
            edges = transitions(events, level, collapse_repeats=collapse_repeats, **dates)
            flow = None
            if start_at is not None or end_at is not None:
                flow = flows(
                    events,
                    level,
                    start_at=start_at,
                    end_at=end_at,
                    steps=steps,
                    window=flow_window,
                    include_end=include_end,
                    **dates,
                )
            grid = (
                step_matrix(events, level, steps=steps, start_at=start_at, **dates)
                if matrix
                else None
            )
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
        if grid is not None:
            payload["step_matrix"] = _records(grid)
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
    if grid is not None:
        from recorrido.analytics.step_matrix import wide

        shares = wide(grid)
        view = Table(title=message("analytics_matrix_title", lang, steps=steps))
        view.add_column(_col("value", lang))
        for k in shares.columns:
            view.add_column(str(k), justify="right")
        for item, row in shares.iterrows():
            view.add_row(str(item), *[_percent(v) for v in row.tolist()])
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
    step_window: Annotated[
        str | None,
        typer.Option(help="A window per step from the previous one, e.g. ',1h,7d' (1st ignored)"),
    ] = None,
    optional: Annotated[
        str | None, typer.Option(help="Optional steps by number, e.g. 2,3 / pasos opcionales")
    ] = None,
    mid_entry: Annotated[
        bool, typer.Option(help="Customers may enter at any step / entrada a mitad de embudo")
    ] = False,
    count: Annotated[
        str, typer.Option(help="customers | attempts (each try counts) / clientes | intentos")
    ] = "customers",
    first_only: Annotated[
        bool, typer.Option(help="Only each customer's first step 1 starts an attempt")
    ] = False,
    collapse_repeats: Annotated[
        bool, typer.Option(help="Strict: a run of the same value is one step (as the Sankey)")
    ] = False,
    customers_at: Annotated[
        int | None, typer.Option(help="List the customers at step K / clientes en el paso K")
    ] = None,
    dropped: Annotated[
        bool, typer.Option(help="With --customers-at: those who dropped after step K")
    ] = False,
    export: Annotated[
        Path | None, typer.Option(help="Write that list of customers to this CSV file")
    ] = None,
    next_after: Annotated[
        int | None, typer.Option(help="What those who dropped after step K did next")
    ] = None,
    depth: Annotated[int, typer.Option(help="With --next-after: steps to follow")] = 3,
    level: LevelOption = "event",
    map_path: MapOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Customers per funnel step, conversion (with 95 % Wilson intervals) and median time to
    convert; the customers at a step or of a drop-off, and what drop-offs did next."""
    from recorrido.analytics import charts
    from recorrido.analytics import funnel as run_funnel
    from recorrido.analytics.funnel_people import dropoff_paths, funnel_customers

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
                "step_windows": _step_windows(step_window),
                "optional": _numbers(optional),
                "mid_entry": mid_entry,
                "first_only": first_only,
                "collapse_repeats": collapse_repeats,
            }
            result = run_funnel(events, step_list, count=count, **options)
            split = (
                run_funnel(events, step_list, breakdown=breakdown, count=count, **options)
                if breakdown
                else None
            )
            people = (
                funnel_customers(events, step_list, step=customers_at, dropped=dropped, **options)
                if customers_at is not None
                else None
            )
            after = (
                dropoff_paths(events, step_list, after_step=next_after, depth=depth, **options)
                if next_after is not None
                else None
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    _write_html(charts.funnel_figure(split if split is not None else result, lang=lang), html)
    if people is not None and export is not None:
        people.to_csv(export, index=False)
    if as_json:
        payload: dict = {
            "kind": kind,
            "window": window,
            "level": level,
            "count": count,
            "interval": "wilson-95",
            "steps": _records(result),
        }
        if split is not None:
            payload["breakdown"] = {"property": breakdown, "rows": _records(split)}
        if people is not None:
            payload["customers"] = {
                "step": customers_at,
                "dropped": dropped,
                "rows": _records(people.astype({"entered_at": str, "step_at": str})),
            }
        if after is not None:
            payload["next_after"] = {"step": next_after, "paths": _records(after)}
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
            mark = ""
            if "significant" in row and row["step_index"] > 1 and not row["significant"]:
                mark = " " + message("analytics_not_significant", lang)
            cells += [
                f"{row['step_index']}. {row['step']}"
                + (f" ({message('analytics_optional', lang)})" if row["optional"] else ""),
                f"{row['customers']:,}",
                _percent(row["conversion"]) + _interval(row["conversion_ci"]) + mark,
                _percent(row["conversion_from_previous"])
                + _interval(row["conversion_from_previous_ci"]),
                _duration(row["median_seconds_from_previous"]),
            ]
            view.add_row(*cells)
        out.print(view)
    out.print(message("analytics_interval_note", lang))
    if people is not None:
        key = "analytics_funnel_dropped" if dropped else "analytics_funnel_at_step"
        out.print(message(key, lang, step=customers_at, count=len(people)))
        for customer in people["customer_id"].head(20):
            out.print(f"  {customer}")
        if export is not None:
            out.print(message("analytics_funnel_exported", lang, path=str(export)))
    if after is not None:
        view = Table(title=message("analytics_funnel_next_title", lang, step=next_after))
        view.add_column("path")
        view.add_column(_col("customers", lang), justify="right")
        for row in after.itertuples():
            view.add_row(row.path, f"{row.customers:,} ({row.share:.1%})")
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
                # Each cohort's rate_ci: [low, high] of its rate.
                "interval": {"method": "wilson", "level": 0.95},
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
