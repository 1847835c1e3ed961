"""Explore: the funnel builder, the same object as ``recorrido funnel --json``, with a drill-down
into the customers who dropped after a step (who they are, what they did next, a CSV of them).

The page is a GET form, so a funnel has an address that can be shared; ``/explore/funnel.json``
answers the CLI's JSON for the same parameters.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from recorrido.errors import RecorridoError
from recorrido.web.explore_source import (
    events_for,
    remembered,
    source_key,
    steps_for,
)
from recorrido.web.map_files import list_maps
from recorrido.web.pages import SECURITY_HEADERS, Viewer, clean, page, render

router = APIRouter()
LEVELS = ("event", "touchpoint", "stage")
KINDS = ("ordered", "strict", "any")
SHOWN_CUSTOMERS = 50


@dataclass
class FunnelQuery:
    steps: list[str]
    window: str = "14d"
    kind: str = "ordered"
    level: str = "event"
    map: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def of(cls, request: Request) -> FunnelQuery:
        q = request.query_params
        steps = [s.strip() for s in q.get("steps", "").split(",") if s.strip()]
        return cls(
            steps=steps,
            window=q.get("window", "14d").strip() or "14d",
            kind=q.get("kind", "ordered") if q.get("kind") in KINDS else "ordered",
            level=q.get("level", "event") if q.get("level") in LEVELS else "event",
            map=q.get("map", ""),
            date_from=q.get("date_from", ""),
            date_to=q.get("date_to", ""),
        )

    def options(self) -> dict:
        return {
            "window": self.window,
            "kind": self.kind,
            "level": self.level,
            "start": self.date_from or None,
            "end": self.date_to or None,
        }

    def query_string(self) -> str:
        from urllib.parse import urlencode

        return urlencode(
            {
                "steps": ",".join(self.steps),
                "window": self.window,
                "kind": self.kind,
                "level": self.level,
                "map": self.map,
                "date_from": self.date_from,
                "date_to": self.date_to,
            }
        )


def run_funnel(workspace, query: FunnelQuery, folder) -> dict:
    """The CLI's ``funnel --json`` object for ``query`` (kept for the next request that asks
    the same of the same events: ``web/explore_source.py``)."""
    from recorrido.analytics import funnel

    key = source_key(workspace, query.level, query.map, folder)

    def compute() -> dict:
        events = events_for(workspace, query.level, query.map, folder, key)
        result = funnel(events, query.steps, **query.options())
        return {
            "kind": query.kind,
            "window": query.window,
            "level": query.level,
            "count": "customers",
            "interval": "wilson-95",
            "steps": clean(result.to_dict("records")),
        }

    return remembered(workspace, ("funnel", query.query_string()), key, compute)


def event_names(workspace) -> list[str]:
    import ibis

    key = source_key(workspace, "event", "", None)

    def compute() -> list[str]:
        events = events_for(workspace, "event", "", None, key)
        top = (
            events.group_by("event")
            .aggregate(n=ibis._.count())
            .order_by([ibis.desc("n"), "event"])
            .limit(100)
        )
        rows = top.to_pyarrow().to_pylist()
        return [row["event"] for row in rows if row["event"] is not None]

    return remembered(workspace, ("event_names",), key, compute)


def dropped_after(workspace, query: FunnelQuery, folder, step: int) -> dict:
    from recorrido.analytics import dropoff_paths, funnel_customers

    key = source_key(workspace, query.level, query.map, folder)

    def compute() -> dict:
        events = events_for(workspace, query.level, query.map, folder, key)
        options = query.options()
        people = funnel_customers(events, query.steps, step=step, dropped=True, **options)
        if people.empty:  # nobody dropped there: nothing to follow
            return {"people": people, "next": []}
        # What they did next reads the drop-offs just listed and each customer's steps kept
        # for this copy of the events (steps_for), so neither the funnel's attempts nor the
        # events' order is worked out again; with dates, the steps are made within them.
        kept = None
        if not (query.date_from or query.date_to):
            kept = steps_for(workspace, query.level, query.map, folder, key)
        after = dropoff_paths(
            events,
            query.steps,
            after_step=step,
            depth=3,
            dropped=people,
            steps_table=kept,
            **options,
        )
        return {"people": people, "next": clean(after.to_dict("records"))}

    return remembered(workspace, ("dropped", query.query_string(), step), key, compute)


def _figure(payload: dict) -> dict:
    rows = payload["steps"]
    return {
        "data": [
            {
                "type": "funnel",
                "y": [str(r["step"]) for r in rows],
                "x": [r["customers"] for r in rows],
                "textinfo": "value+percent initial",
                "marker": {"color": "#2563eb"},
            }
        ],
        "layout": {"height": 90 + 60 * len(rows), "margin": {"l": 140, "r": 10, "t": 10, "b": 10}},
    }


@router.get("/explore/funnel")
async def funnel_page(request: Request, current: Viewer):
    ctx = request.app.state.ctx
    query = FunnelQuery.of(request)
    names = await ctx.arun(event_names)
    payload = error = None
    if len(query.steps) >= 2:
        try:
            payload = await ctx.arun(run_funnel, query, ctx.folder)
        except RecorridoError as exc:
            error = exc.localized(current.lang)
    elif query.steps:
        error = current.t("explore_two_steps")
    return page(
        "explore_funnel.html.j2",
        current,
        422 if error else 200,
        q=query,
        names=names,
        maps=list_maps(ctx.folder),
        payload=payload,
        figure=_figure(payload) if payload else None,
        error=error,
        query_string=query.query_string(),
    )


@router.get("/explore/funnel.json")
async def funnel_json(request: Request, current: Viewer):
    ctx = request.app.state.ctx
    query = FunnelQuery.of(request)
    try:
        if len(query.steps) < 2:
            raise RecorridoError("web_explore_two_steps")
        payload = await ctx.arun(run_funnel, query, ctx.folder)
    except RecorridoError as exc:
        body = {"error": exc.key, "message": exc.localized(current.lang)}
        return JSONResponse(body, status_code=422)
    return JSONResponse(json.loads(json.dumps(payload, default=str)))


@router.get("/explore/funnel/dropped")
async def dropped(request: Request, step: int, current: Viewer):
    """Who dropped after ``step`` and what they did next (an HTML fragment for htmx)."""
    ctx = request.app.state.ctx
    query = FunnelQuery.of(request)
    try:
        found = await ctx.arun(dropped_after, query, ctx.folder, step)
    except RecorridoError as exc:
        return Response(
            render("explore_dropped.html.j2", current, error=exc.localized(current.lang)),
            media_type="text/html",
            headers=SECURITY_HEADERS,
        )
    people = found["people"]
    return Response(
        render(
            "explore_dropped.html.j2",
            current,
            error=None,
            step=step,
            step_name=query.steps[step - 1],
            total=len(people),
            customers=people["customer_id"].head(SHOWN_CUSTOMERS).tolist(),
            next=found["next"],
            csv_query=query.query_string() + f"&step={step}",
        ),
        media_type="text/html",
        headers=SECURITY_HEADERS,
    )


@router.get("/explore/funnel/dropped.csv")
async def dropped_csv(request: Request, step: int, current: Viewer):
    ctx = request.app.state.ctx
    query = FunnelQuery.of(request)
    found = await ctx.arun(dropped_after, query, ctx.folder, step)
    buffer = io.StringIO()
    people = found["people"].copy()
    # A spreadsheet would run a cell that starts like a formula: such ids are quoted.
    people["customer_id"] = people["customer_id"].map(
        lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v
    )
    people.to_csv(buffer, index=False)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="dropped-after-step-{step}.csv"'},
    )
