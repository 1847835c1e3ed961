"""Explore sessions and retention: how customers use the product over time — the same objects as
``recorrido sessions --json`` and ``recorrido retention --json`` (``/explore/sessions.json``,
``/explore/retention.json``), from the same analytics functions."""

from __future__ import annotations

from fastapi import APIRouter, Request

from recorrido.web.explore_filters import (
    ExploreFilter,
    answer_json,
    answer_page,
    label,
    query_string,
)
from recorrido.web.explore_source import remembered
from recorrido.web.pages import Viewer, clean

router = APIRouter()
PERIODS = ("day", "week", "month")


def _sessions_options(request: Request) -> dict:
    q = request.query_params
    by = q.get("by", "")
    return {"gap": q.get("gap", "30m").strip() or "30m", "by": by if by in PERIODS else ""}


def run_sessions(workspace, where: ExploreFilter, options: dict, folder) -> dict:
    """``recorrido sessions --json``: the summary, and the periods when ``by`` is given."""
    from recorrido.analytics.sessions import sessions_and_periods

    key = where.key(workspace, folder)

    def compute() -> dict:
        events = where.events(workspace, folder)
        gap, level, by = options["gap"], where.level, options["by"]
        # One session table for both answers (each alone orders all the events again).
        overall, periods = sessions_and_periods(events, gap, level, by=by or None, **where.dates())
        summary = clean(overall.to_dict("records"))
        payload: dict = {"gap": gap, "level": level, "summary": summary[0]}
        if periods is not None:
            payload["periods"] = clean(periods.to_dict("records"))
        return payload

    return remembered(workspace, ("sessions", where, tuple(options.items())), key, compute)


def _sessions_figure(payload: dict) -> dict | None:
    rows = payload.get("periods") or []
    if not rows:
        return None
    return {
        "data": [
            {
                "type": "bar",
                "x": [label(r["period"]) for r in rows],
                "y": [r["sessions"] for r in rows],
                "marker": {"color": "#2563eb"},
            }
        ],
        "layout": {"height": 300, "margin": {"l": 60, "r": 10, "t": 10, "b": 60}},
    }


@router.get("/explore/sessions")
async def sessions_page(request: Request, current: Viewer):
    ctx = request.app.state.ctx
    where, options = ExploreFilter.of(request), _sessions_options(request)

    def compute(workspace):
        return run_sessions(workspace, where, options, ctx.folder)

    response = await answer_page(
        request,
        current,
        "explore_sessions.html.j2",
        compute,
        True,  # the defaults are a question worth answering
        where,
        o=options,
        json_query=query_string(where.query(), options),
        figure_of=_sessions_figure,
    )
    return response


@router.get("/explore/sessions.json")
async def sessions_json(request: Request, current: Viewer):
    folder = request.app.state.ctx.folder
    where, options = ExploreFilter.of(request), _sessions_options(request)
    return await answer_json(request, current, lambda ws: run_sessions(ws, where, options, folder))


def _retention_options(request: Request) -> dict:
    q = request.query_params
    period = q.get("period", "week")
    return {
        "period": period if period in PERIODS else "week",
        "return_event": q.get("return_event", "").strip(),
    }


def run_retention(workspace, where: ExploreFilter, options: dict, folder) -> dict:
    """``recorrido retention --json``: each cohort's size and returns per period."""
    from recorrido.analytics import retention

    key = where.key(workspace, folder)

    def compute() -> dict:
        found = retention(
            where.events(workspace, folder),
            options["period"],
            return_event=options["return_event"] or None,
            level=where.level,
            **where.dates(),
        )
        return {
            "period": options["period"],
            "return_event": options["return_event"] or None,
            "level": where.level,
            "interval": {"method": "wilson", "level": 0.95},
            "cohorts": clean(found.to_dict("records")),
        }

    return remembered(workspace, ("retention", where, tuple(options.items())), key, compute)


#: Periods after the first that the page's table shows (the chart and the JSON have them all):
#: a few stray late events can stretch a cohort's returns over hundreds of weeks.
SHOWN_PERIODS = 24


def triangle(payload: dict) -> tuple[list[int], list[dict]]:
    """The cohorts as rows of the classic triangle: (periods, [{cohort, size, rates}])."""
    periods = sorted({int(r["period"]) for r in payload["cohorts"]})
    rows: dict = {}
    for r in payload["cohorts"]:
        row = rows.setdefault(r["cohort"], {"cohort": r["cohort"], "size": r["cohort_size"]})
        row.setdefault("rates", {})[int(r["period"])] = r["rate"]
    return periods, list(rows.values())


def _retention_figure(payload: dict) -> dict | None:
    periods, rows = triangle(payload)
    if not rows:
        return None
    z = [[row["rates"].get(p) for p in periods] for row in rows]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": [str(p) for p in periods],
                "y": [label(row["cohort"]) for row in rows],
                "z": z,
                "zmin": 0,
                "zmax": 1,
                "colorscale": "Blues",
                "hovertemplate": "%{y} · %{x}: %{z:.1%}<extra></extra>",
            }
        ],
        "layout": {
            "height": 120 + 28 * len(rows),
            "margin": {"l": 100, "r": 10, "t": 10, "b": 40},
            "yaxis": {"autorange": "reversed", "type": "category"},
            "xaxis": {"type": "category"},
        },
    }


@router.get("/explore/retention")
async def retention_page(request: Request, current: Viewer):
    ctx = request.app.state.ctx
    where, options = ExploreFilter.of(request), _retention_options(request)

    def compute(workspace):
        return run_retention(workspace, where, options, ctx.folder)

    return await answer_page(
        request,
        current,
        "explore_retention.html.j2",
        compute,
        True,  # the defaults are a question worth answering
        where,
        o=options,
        json_query=query_string(where.query(), options),
        figure_of=_retention_figure,
        triangle=triangle,
        shown_periods=SHOWN_PERIODS,
    )


@router.get("/explore/retention.json")
async def retention_json(request: Request, current: Viewer):
    folder = request.app.state.ctx.folder
    where, options = ExploreFilter.of(request), _retention_options(request)
    return await answer_json(request, current, lambda ws: run_retention(ws, where, options, folder))
