"""Explore paths: the directly-follows pairs, the Sankey of the first steps from an event (or
touchpoint / stage), and the most common whole journeys — the same object as
``recorrido paths --json``."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from recorrido.errors import RecorridoError
from recorrido.web.explore import LEVELS
from recorrido.web.explore_source import events_for, remembered, source_key, steps_for
from recorrido.web.map_files import list_maps
from recorrido.web.pages import Viewer, clean, page

router = APIRouter()
TOP_PAIRS = 30
MAX_VARIANTS = 50


def _options(request: Request) -> dict:
    q = request.query_params

    def number(key: str, default: int, low: int, high: int) -> int:
        try:
            return max(low, min(high, int(q.get(key, default))))
        except ValueError:
            return default

    return {
        "level": q.get("level") if q.get("level") in LEVELS else "event",
        "map": q.get("map", ""),
        "start_at": q.get("start_at", "").strip(),
        "steps": number("steps", 4, 2, 8),
        "variants": number("variants", 10, 0, MAX_VARIANTS),
    }


def run_paths(workspace, options: dict, folder) -> dict:
    """The CLI's ``paths --json`` object (pairs; flows with ``start_at``; top variants).

    The pairs and the variants do not depend on ``start_at`` or ``steps``: they are kept per
    level (the variants as the longest list the form allows, cut to the number asked; the cut
    of a list sorted by customers and text is the shorter list), and the Sankey reads the kept
    step table (``web/explore_source.py``)."""
    from recorrido.analytics import flows, transitions, variants

    level = options["level"]
    key = source_key(workspace, level, options["map"], folder)

    def events():
        return events_for(workspace, level, options["map"], folder, key)

    def steps():
        return steps_for(workspace, level, options["map"], folder, key)

    def pairs() -> list[dict]:
        return clean(transitions(events(), level).to_dict("records"))

    def top() -> list[dict]:
        found = variants(events(), level, top=MAX_VARIANTS, steps_table=steps())
        return clean(found.drop(columns="steps").to_dict("records"))

    def compute() -> dict:
        edges = remembered(workspace, ("pairs", level), key, pairs)
        payload: dict = {"level": level, "edges": edges}
        if options["start_at"]:
            found = flows(
                events(),
                level,
                start_at=options["start_at"],
                steps=options["steps"],
                steps_table=steps(),
            )
            payload["flows"] = clean(found.to_dict("records"))
        if options["variants"]:
            kept = remembered(workspace, ("variants", level), key, top)
            payload["variants"] = kept[: options["variants"]]
        return payload

    question = ("paths", tuple(sorted(options.items())))
    return remembered(workspace, question, key, compute)


def _sankey(flows: list[dict]) -> dict | None:
    if not flows:
        return None
    nodes: dict[tuple[int, str], int] = {}

    def node(step: int, value: str) -> int:
        return nodes.setdefault((int(step), str(value)), len(nodes))

    sources = [node(r["step"], r["source"]) for r in flows]
    targets = [node(r["step"] + 1, r["target"]) for r in flows]
    return {
        "data": [
            {
                "type": "sankey",
                "node": {"label": [f"{s}. {v}" for (s, v) in nodes], "pad": 12},
                "link": {
                    "source": sources,
                    "target": targets,
                    "value": [r["customers"] for r in flows],
                },
            }
        ],
        "layout": {"height": 420, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}},
    }


@router.get("/explore/paths")
async def paths_page(request: Request, current: Viewer):
    ctx = request.app.state.ctx
    options = _options(request)
    payload = error = None
    if request.query_params:
        try:
            payload = await ctx.arun(run_paths, options, ctx.folder)
        except RecorridoError as exc:
            error = exc.localized(current.lang)
    edges = sorted(payload["edges"], key=lambda r: -r["count"])[:TOP_PAIRS] if payload else []
    return page(
        "explore_paths.html.j2",
        current,
        422 if error else 200,
        o=options,
        maps=list_maps(ctx.folder),
        payload=payload,
        edges=edges,
        figure=_sankey(payload.get("flows", [])) if payload else None,
        error=error,
    )


@router.get("/explore/paths.json")
async def paths_json(request: Request, current: Viewer):
    ctx = request.app.state.ctx
    try:
        payload = await ctx.arun(run_paths, _options(request), ctx.folder)
    except RecorridoError as exc:
        body = {"error": exc.key, "message": exc.localized(current.lang)}
        return JSONResponse(body, status_code=422)
    return JSONResponse(json.loads(json.dumps(payload, default=str)))
