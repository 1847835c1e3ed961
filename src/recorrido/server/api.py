"""The JSON API (``/api/v1``): the same questions and the same objects as the CLI's ``--json``.

Each endpoint parses its parameters, calls the function the matching command calls, on the
server's open workspace (``app.state.ctx``), and answers the object that command prints. A read
token is needed (``recorrido keys create --kind read``, sent as ``Authorization: Bearer``), or
the local token of ``DIR/server.json``. Maps are named by their file name in the workspace folder;
no other path can be reached.
"""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from recorrido.analytics.windows import DEFAULT_INACTIVITY
from recorrido.errors import RecorridoError
from recorrido.server.access import identify, token_from_headers
from recorrido.server.answers import Denied
from recorrido.server.limits import MAX_BOOTSTRAP, MAX_SAMPLES
from recorrido.settings import SETTINGS_FILE


async def read_access(request: Request) -> None:
    """Dependency: a read token (or the local token of ``DIR/server.json``), else 401/403."""
    collector = request.app.state.collector
    token = token_from_headers(request)
    record = identify(collector.keys, token, collector.local_token)
    if record is None:
        raise Denied(401, "server_read_token_missing" if not token else "server_auth_wrong")
    if record.kind != "read":
        raise Denied(403, "server_auth_kind", kind=record.kind, needed="read")


router = APIRouter(prefix="/api/v1", tags=["JSON API"], dependencies=[Depends(read_access)])
health_router = APIRouter(prefix="/api/v1", tags=["JSON API"])

From = Annotated[str | None, Query(alias="from", description="First day (UTC) / desde")]
To = Annotated[str | None, Query(alias="to", description="Last day, inclusive / hasta")]
Level = Annotated[str, Query(description="event | touchpoint | stage (the last two need map)")]
MapName = Annotated[str | None, Query(alias="map", description="A map file in the workspace")]


def _answer(payload: object) -> Response:
    text = json.dumps(_finite(payload), ensure_ascii=False, default=_default)
    return Response(text, media_type="application/json")


def _default(value: object) -> object:
    from recorrido.cli.common import json_default

    return json_default(value)


def _finite(value: object) -> object:
    """NaN and infinities as null: JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def map_names(folder: Path) -> list[str]:
    """The workspace folder's YAML files but its settings: the maps the API can be asked about."""
    return sorted(
        p.name
        for p in Path(folder).iterdir()
        if p.is_file() and p.suffix in (".yaml", ".yml") and p.name != SETTINGS_FILE
    )


def map_file(folder: Path, name: str) -> Path:
    """The map ``name`` among the workspace folder's YAML files (never another path)."""
    if name not in map_names(folder):
        raise RecorridoError("server_map_missing", name=name[:80])
    return Path(folder) / name


def _records(frame) -> list[dict]:
    from recorrido.cli.analytics_io import records

    return records(frame)


async def _kept(request: Request, work, files: tuple[Path, ...] = ()):
    """``work(workspace)`` on the server's workspace, or the answer it gave to the same request
    while the data, the settings and ``files`` (the map) are unchanged (``kept_answers.py``)."""
    ctx = request.app.state.ctx
    kept = request.app.state.kept_answers
    question = (
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
        request.headers.get("accept-language", ""),
    )
    return await ctx.arun(lambda ws: kept.answer(ws, question, files, work))


async def _events_call(request: Request, map_name: str | None, work, files=()):
    """``work(events)`` on the workspace's events (tagged with the map when named); kept
    while nothing it reads changes (see :func:`_kept`). ``files``: other files it reads."""
    ctx = request.app.state.ctx
    path = map_file(ctx.folder, map_name) if map_name else None

    def run(ws):
        from recorrido.analytics.backend import events_table

        events = events_table(ws, "duckdb")
        if path is not None:
            from recorrido.analytics.tagging import tag_events

            events = tag_events(events, path)
        return work(events)

    return await _kept(request, run, (*files, *([path] if path is not None else [])))


@health_router.get("/health")
async def health(request: Request) -> JSONResponse:
    """Whether the server runs, and how its loader is doing (no key needed)."""
    stats = request.app.state.loader.stats
    kept, warm = request.app.state.kept_answers, getattr(request.app.state, "warm", None)
    return JSONResponse(
        {
            "status": "ok",
            "loader": {
                "loads": stats.loads,
                "files": stats.files,
                "ingested": stats.ingested,
                "duplicates": stats.duplicates,
                "quarantined": stats.quarantined,
                "last_lag_seconds": round(stats.last_lag_seconds, 3),
                "failed_files": len(stats.failures),
            },
            "kept_answers": {"hits": kept.hits, "computed": kept.computed},
            "warm": None
            if warm is None
            else {
                "warms": warm.warms,
                "last_seconds": round(warm.last_seconds, 3),
                "registered_warms": warm.pages.warms,
                "registered_last_seconds": round(warm.pages.last_seconds, 3),
            },
        }
    )


@router.get("/maps")
async def maps(request: Request) -> Response:
    """The journey map files in the workspace folder."""
    return _answer({"maps": map_names(request.app.state.ctx.folder)})


@router.get("/query")
async def query(
    request: Request,
    sql: Annotated[str, Query(max_length=20000)],
    table: Annotated[
        bool, Query(description="Column names and each cell as the table shows it")
    ] = False,
) -> Response:
    """One read-only SQL statement (as ``recorrido query --json``). ``table=true``: ``{"columns":
    [...], "rows": [[cell, ...], ...]}``, each cell as ``recorrido query``'s table writes it (the
    rows' JSON has no column names when there are no rows, and writes times and numbers its own
    way)."""
    result = await request.app.state.ctx.arun(_read_only_query, sql)
    if table:
        return _answer(
            {
                "columns": result.column_names,
                "rows": [
                    ["" if v is None else str(v) for v in row.values()]
                    for row in result.to_pylist()
                ],
            }
        )
    return _answer(result.to_pylist())


def _read_only_query(ws, sql: str):
    """``ws.query(sql)``, on DuckDB in a read-only transaction as well: the server's connection
    is the workspace's writer and cannot be locked down as ``recorrido query`` locks its own, so
    besides the statement check the database refuses any write to the workspace's tables
    (``events/query.py``). PostgreSQL's ``query`` already runs in a read-only transaction."""
    if ws.con.name != "duckdb":
        return ws.query(sql)
    from recorrido.events.query import run_query

    return run_query(
        ws.con, sql, tables=ws.con.list_tables(), locked=False, read_only_transaction=True
    )


@router.get("/maps/{name}/measure")
async def measure(
    request: Request,
    name: str,
    date_from: From = None,
    date_to: To = None,
    inactivity: str = DEFAULT_INACTIVITY,
    breakdown: str | None = None,
) -> Response:
    """The measured map (as ``recorrido measure --json``)."""
    path = map_file(request.app.state.ctx.folder, name)
    result = await run_in_threadpool(
        kept_measure, request.app, path, date_from, date_to, inactivity, breakdown
    )
    return Response(result, media_type="application/json")


def kept_measure(
    app,
    path: Path,
    date_from: str | None = None,
    date_to: str | None = None,
    inactivity: str = DEFAULT_INACTIVITY,
    breakdown: str | None = None,
) -> str:
    """The measured map's JSON, kept (``kept_answers.py``). The question is the map and the
    settings alone, not the request's path or language (the JSON has no words in it), so the
    warm worker's default measure (``warm.py``) is the very answer a forwarded
    ``recorrido measure`` asks for."""
    from recorrido.measured import measure as measure_map

    question = ("measure", path.name, date_from, date_to, inactivity, breakdown)

    def compute(ws) -> str:
        from recorrido.analytics.backend import events_table

        return measure_map(
            events_table(ws, "duckdb"),
            path,
            start=date_from,
            end=date_to,
            inactivity=inactivity,
            breakdown=breakdown,
        ).to_json()

    kept = app.state.kept_answers
    return app.state.ctx.run(lambda ws: kept.answer(ws, question, (path,), compute))


@router.get("/funnel")
async def funnel(
    request: Request,
    steps: Annotated[str, Query(description="Comma-separated steps, e.g. view,cart,purchase")],
    window: str = "14d",
    kind: str = "ordered",
    exclude: str | None = None,
    breakdown: str | None = None,
    count: str = "customers",
    level: Level = "event",
    map_name: MapName = None,
    date_from: From = None,
    date_to: To = None,
) -> Response:
    """Customers per funnel step with conversion and intervals (as ``recorrido funnel --json``)."""
    from recorrido.analytics import funnel as run_funnel

    step_list = [s.strip() for s in steps.split(",") if s.strip()]
    options = {
        "window": window,
        "kind": kind,
        "exclusions": [s.strip() for s in (exclude or "").split(",") if s.strip()],
        "level": level,
        "start": date_from,
        "end": date_to,
    }

    def work(events):
        result = _records(run_funnel(events, step_list, count=count, **options))
        split = (
            _records(run_funnel(events, step_list, breakdown=breakdown, count=count, **options))
            if breakdown
            else None
        )
        return result, split

    result, split = await _events_call(request, map_name, work)
    payload: dict = {
        "kind": kind,
        "window": window,
        "level": level,
        "count": count,
        "interval": "wilson-95",
        "steps": result,
    }
    if split is not None:
        payload["breakdown"] = {"property": breakdown, "rows": split}
    return _answer(payload)


@router.get("/paths")
async def paths(
    request: Request,
    level: Level = "event",
    map_name: MapName = None,
    collapse_repeats: bool = False,
    variants: Annotated[int, Query(ge=0, le=1000)] = 0,
    date_from: From = None,
    date_to: To = None,
) -> Response:
    """The directly-follows graph and top variants (as ``recorrido paths --json``)."""
    from recorrido.analytics import transitions
    from recorrido.analytics import variants as top_variants

    dates = {"start": date_from, "end": date_to}

    def work(events):
        edges = _records(transitions(events, level, collapse_repeats=collapse_repeats, **dates))
        found = None
        if variants > 0:
            found = _records(
                top_variants(events, level, top=variants, **dates).drop(columns="steps")
            )
        return edges, found

    edges, found = await _events_call(request, map_name, work)
    payload: dict = {"level": level, "edges": edges}
    if found is not None:
        payload["variants"] = found
    return _answer(payload)


@router.get("/sessions")
async def sessions(
    request: Request,
    gap: str = "30m",
    by: str | None = None,
    level: Level = "event",
    map_name: MapName = None,
    date_from: From = None,
    date_to: To = None,
) -> Response:
    """Sessions split by inactivity (as ``recorrido sessions --json``)."""
    from recorrido.analytics.sessions import sessions_and_periods

    dates = {"start": date_from, "end": date_to}

    def work(events):
        # One session table serves both answers (built once, see analytics/sessions.py).
        overall, by_period = sessions_and_periods(events, gap, level, by=by, **dates)
        return _records(overall), (_records(by_period) if by_period is not None else None)

    summary, periods = await _events_call(request, map_name, work)
    payload: dict = {"gap": gap, "level": level, "summary": summary[0]}
    if periods is not None:
        payload["periods"] = periods
    return _answer(payload)


@router.get("/retention")
async def retention(
    request: Request,
    period: str = "week",
    return_event: str | None = None,
    level: Level = "event",
    map_name: MapName = None,
    date_from: From = None,
    date_to: To = None,
) -> Response:
    """Retention cohorts (as ``recorrido retention --json``)."""
    from recorrido.analytics import retention as run_retention

    cohorts = await _events_call(
        request,
        map_name,
        lambda events: _records(
            run_retention(
                events, period, return_event=return_event, level=level, start=date_from, end=date_to
            )
        ),
    )
    return _answer(
        {
            "period": period,
            "return_event": return_event,
            "level": level,
            "interval": {"method": "wilson", "level": 0.95},
            "cohorts": cohorts,
        }
    )


@router.get("/maps/{name}/report")
async def report(
    request: Request,
    name: str,
    lang: Annotated[str, Query(pattern="^(es|en)$", description="es | en")] = "en",
    date_from: From = None,
    date_to: To = None,
    inactivity: str = DEFAULT_INACTIVITY,
    window: str = "30d",
) -> Response:
    """The journey map report, one self-contained HTML file (as ``recorrido report`` writes it;
    the command chooses the language, from the map's unless asked)."""
    from recorrido.feedback.curve import report_feedback
    from recorrido.journey import JourneyMap
    from recorrido.report.build import report_html

    path = map_file(request.app.state.ctx.folder, name)

    def work(ws):
        journey = JourneyMap.load(path)
        measured = ws.measure(journey, start=date_from, end=date_to, inactivity=inactivity)
        return report_html(
            measured,
            source=ws,
            lang=lang,
            funnel_window=window,
            feedback=report_feedback(ws, journey),
        )

    html = await request.app.state.ctx.arun(work)
    return Response(html, media_type="text/html; charset=utf-8")


@router.get("/maps/{name}/friction")
async def friction(
    request: Request,
    name: str,
    date_from: From = None,
    date_to: To = None,
    min_customers: Annotated[int, Query(ge=1)] = 10,
    inactivity: str = "7d",
) -> Response:
    """Friction findings ranked by the customers they cost (as ``recorrido friction --json``)."""
    from recorrido.insights.findings import FrictionOptions
    from recorrido.insights.findings import friction as find

    path = map_file(request.app.state.ctx.folder, name)
    options = FrictionOptions(min_customers=min_customers, inactivity=inactivity)
    report = await _events_call(
        request,
        None,
        lambda events: find(events, path, start=date_from, end=date_to, options=options).to_dict(),
        files=(path,),
    )
    return _answer(report)


@router.get("/maps/{name}/moments")
async def moments(
    request: Request,
    name: str,
    date_from: From = None,
    date_to: To = None,
    min_support: Annotated[int, Query(ge=1)] = 30,
) -> Response:
    """Moments of truth with confidence intervals (as ``recorrido moments --json``)."""
    from recorrido.insights.moments import moments as find

    path = map_file(request.app.state.ctx.folder, name)
    report = await _events_call(
        request,
        None,
        lambda events: find(
            events, path, start=date_from, end=date_to, min_support=min_support
        ).to_dict(),
        files=(path,),
    )
    return _answer(report)


@router.get("/attribution")
async def attribution(
    request: Request,
    by: str = "channel",
    conversion: str | None = None,
    lookback: str = "30d",
    map_name: MapName = None,
    model: Annotated[list[str] | None, Query()] = None,
    order: int = 1,
    half_life: float = 1.0,
    position: str = "0.4,0.2,0.4",
    shapley: str = "conversions",
    samples: Annotated[int, Query(le=MAX_SAMPLES)] = 2000,
    bootstrap: Annotated[int, Query(le=MAX_BOOTSTRAP)] = 0,
    level: float = 0.95,
    seed: int = 0,
) -> Response:
    """Conversions and value attributed to channels (as ``recorrido attribution --json``, with
    the same options)."""
    from recorrido.analytics.attribution import attribute_workspace
    from recorrido.journey import JourneyMap

    path = map_file(request.app.state.ctx.folder, map_name) if map_name else None
    options = {
        "models": model or None,
        "order": order,
        "half_life": half_life,
        "position": position.split(","),
        "shapley_characteristic": shapley,
        "shapley_samples": samples,
        "seed": seed,
        "bootstrap": bootstrap,
        "level": level,
    }

    def work(ws):
        # The map is read here, under the key that its text is part of (see _kept).
        journey = JourneyMap.load(path) if path is not None else None
        return attribute_workspace(
            ws, by=by, conversion=conversion, lookback=lookback, journey=journey, **options
        ).to_dict()

    result = await _kept(request, work, (path,) if path is not None else ())
    return _answer(result)


# -- listening and acting: feedback, automations, predictions ---------------------------------


@router.get("/maps/{name}/emotions")
async def emotions(request: Request, name: str, period: str = "week") -> Response:
    """The measured emotion curve per stage (as ``recorrido emotions --json``)."""
    from recorrido.feedback import emotion_curve

    path = map_file(request.app.state.ctx.folder, name)
    result = await request.app.state.ctx.arun(
        lambda ws: emotion_curve(ws, path, period=period).to_dict()
    )
    return _answer(result)


@router.get("/automations")
async def automations(request: Request) -> Response:
    """Published automations: version, state, passes (as ``recorrido automations list --json``).

    The automations' records live in their own database (``DIR/automations.sqlite``), not in
    DuckDB, so this does not wait for the workspace's connection."""
    from recorrido.automations.store import Store

    rows = await run_in_threadpool(lambda: Store.for_folder(request.app.state.ctx.folder).listing())
    return _answer(rows)


@router.get("/automations/{automation_id}/status")
async def automation_status(request: Request, automation_id: str) -> Response:
    """Per version and step: entered, waiting, proceeded, exited, goal; the holdout's lift (as
    ``recorrido automations status --json``)."""
    from recorrido.automations.store import Store

    folder = request.app.state.ctx.folder
    figures = await run_in_threadpool(lambda: Store.for_folder(folder).status(automation_id))
    return _answer(figures)


@router.get("/models")
async def models(request: Request) -> Response:
    """The saved prediction models, each the record ``recorrido predict evaluate --json`` shows
    (training window, features, metrics beside baselines, version)."""
    from recorrido.predict.models import evaluation_of
    from recorrido.predict.record import list_models

    def work(ws):
        return [evaluation_of(ws, name) for name in list_models(ws.folder)]

    return _answer({"models": await request.app.state.ctx.arun(work)})


@router.get("/models/{model_name}")
async def model(request: Request, model_name: str) -> Response:
    """One saved model's record (as ``recorrido predict evaluate --name NAME --json``)."""
    from recorrido.predict.models import evaluation_of

    return _answer(await request.app.state.ctx.arun(lambda ws: evaluation_of(ws, model_name)))


@router.get("/predictions")
async def predictions(
    request: Request,
    model_name: Annotated[str | None, Query(alias="model", description="Model name")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Rows of the ``predictions`` table, highest score first (ties by customer), a page at a
    time: ``total`` counts every row of the model, ``rows`` are ``limit`` from ``offset``."""

    def work(ws):
        if "predictions" not in ws.con.list_tables():
            return 0, []
        where, params = ("where model = ?", [model_name]) if model_name else ("", [])
        raw = ws.con.con  # the DuckDB connection: parameters are bound, never pasted
        total = raw.execute(f"select count(*) from predictions {where}", params).fetchone()[0]
        page = raw.execute(
            f"select * from predictions {where} order by score desc, customer_id, model "
            "limit ? offset ?",
            [*params, limit, offset],
        ).fetch_arrow_table()
        return int(total), page.to_pylist()

    total, rows = await request.app.state.ctx.arun(work)
    for row in rows:  # explanation is JSON text in DuckDB: hand it over as JSON
        if isinstance(row.get("explanation"), str):
            with contextlib.suppress(json.JSONDecodeError):
                row["explanation"] = json.loads(row["explanation"])
    return _answer(
        {"model": model_name, "total": total, "limit": limit, "offset": offset, "rows": rows}
    )
