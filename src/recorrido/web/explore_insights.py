"""Explore what a map's journeys say: friction, moments of truth, conformance and segments — the
same objects as ``recorrido friction|moments|conformance|segments MAP --json`` (each page has a
``.json`` twin), from the same insights functions, on the events the filter selects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fastapi import APIRouter, Request

from recorrido.web.explore_filters import (
    ExploreFilter,
    answer_json,
    answer_page,
    label,
    query_string,
)
from recorrido.web.explore_source import remembered
from recorrido.web.map_files import map_path
from recorrido.web.pages import Viewer, clean

router = APIRouter()


def _number(request: Request, key: str, default: int | None, low: int, high: int) -> int | None:
    text = request.query_params.get(key, "").strip()
    if not text:
        return default
    try:
        return max(low, min(high, int(text)))
    except ValueError:
        return default


def _friction(request: Request) -> dict:
    from recorrido.insights.findings import FrictionOptions

    # The command's defaults are FrictionOptions' own.
    default = FrictionOptions()
    inactivity = request.query_params.get("inactivity", "").strip() or default.inactivity
    return {
        "min_customers": _number(request, "min_customers", default.min_customers, 1, 10**9),
        "inactivity": inactivity,
    }


def _moments(request: Request) -> dict:
    return {"min_support": _number(request, "min_support", 30, 1, 10**9)}


def _segments(request: Request) -> dict:
    return {"k": _number(request, "k", None, 2, 12), "seed": _number(request, "seed", 0, 0, 10**9)}


def _find_friction(events, path, dates: dict, options: dict):
    from recorrido.insights.findings import FrictionOptions, friction

    chosen = FrictionOptions(**options)
    return friction(events, path, options=chosen, **dates)


def _find_moments(events, path, dates: dict, options: dict):
    from recorrido.insights.moments import moments

    return moments(events, path, **dates, **options)


def _check_conformance(events, path, dates: dict, options: dict):
    from recorrido.insights.conformance import conformance

    return conformance(events, path, **dates)


def _find_segments(events, path, dates: dict, options: dict):
    from recorrido.insights.segments import segments

    return segments(events, path, **dates, **options)


def run_insight(workspace, name: str, where: ExploreFilter, options: dict, folder) -> dict:
    """The ``--json`` object of the insight command ``name`` on the map of ``where``."""
    key = where.key(workspace, folder, needs_map=True)
    work: Callable = QUESTIONS[name][1]

    def compute() -> dict:
        source = ordered_source(workspace, where, folder, key)
        report = work(source, map_path(folder, where.map), where.dates(), options)
        return clean(report.to_dict())

    return remembered(workspace, question_of(name, where, options), key, compute)


def ordered_source(workspace, where: ExploreFilter, folder, key: tuple | None = None):
    """What the insights read under ``where``: the events tagged with its map and put in each
    customer's order over the whole time (``insights.journeys.ordered_events``), kept for the
    map and the channel, persona and property filter whatever the dates and options
    (``explore_source.kept_parts``, read by every connection), so that a new date range or
    option skips the tagging and the ordering (1 to 1.5 s at 1M events), and a question
    answered aside the copy of the events too. The plain events where they cannot be kept, or
    for a log with lifecycle transitions."""
    from recorrido.insights.journeys import OrderedEvents, ordered_events
    from recorrido.web.explore_source import found_parts, kept_parts

    path = map_path(folder, where.map)
    key = key or where.key(workspace, folder, needs_map=True)
    part = ("insight-ordered", where.map, replace(where.where, start=None, end=None))
    found = found_parts(workspace, part, key)
    if found is not None:
        return OrderedEvents.kept(found[0], path)
    events = where.events(workspace, folder, level="event")
    ordered = ordered_events(events, path)
    if ordered is None:
        return events
    (table,) = kept_parts(workspace, part, key, lambda: (ordered.table,))
    return replace(ordered, table=table)


def question_of(name: str, where: ExploreFilter, options: dict) -> tuple:
    """How the answer of the insight ``name`` is kept. The insights read every event whatever
    the level chosen: one question for all levels (and the one the warmer asks,
    ``web/warm_pages.py``; the one the map's panel looks up, ``web/panel_friction.py``)."""
    return (name, replace(where, level="event"), tuple(options.items()))


def kept_insight(workspace, name: str, where: ExploreFilter, folder) -> dict | None:
    """The answer of the insight ``name`` with its page's default options, if it is kept; never
    worked out here."""
    from recorrido.web.explore_filters import blank_request
    from recorrido.web.explore_source import kept_answer

    options = QUESTIONS[name][0](blank_request())
    key = where.key(workspace, folder, needs_map=True)
    return kept_answer(workspace, question_of(name, where, options), key)


def _moments_figure(payload: dict) -> dict | None:
    rows = payload["helps"] + payload["hurts"]
    if not rows:
        return None
    names = [_moment_name(r) for r in rows]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": names,
                "x": [r["difference"] for r in rows],
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(r["ci"] or [0, 0])[1] - r["difference"] for r in rows],
                    "arrayminus": [r["difference"] - (r["ci"] or [0, 0])[0] for r in rows],
                },
                "marker": {
                    "color": ["#15803d" if r["difference"] > 0 else "#b91c1c" for r in rows]
                },
                "hovertemplate": "%{y}: %{x:.1%}<extra></extra>",
            }
        ],
        "layout": {
            "height": 80 + 32 * len(rows),
            "margin": {"l": 220, "r": 10, "t": 10, "b": 40},
            "xaxis": {"tickformat": ".0%", "zeroline": True},
            "yaxis": {"autorange": "reversed", "automargin": True},
        },
    }


def _moment_name(row: dict) -> str:
    to = row.get("to_touchpoint")
    return label(row["touchpoint"] + (f" → {to}" if to else ""))


def _bars(names: list, values: list, percent: bool = False) -> dict:
    return {
        "data": [
            {
                "type": "bar",
                "x": [label(n) for n in names],
                "y": values,
                "marker": {"color": "#2563eb"},
            }
        ],
        "layout": {
            "height": 300,
            "margin": {"l": 60, "r": 10, "t": 10, "b": 80},
            "yaxis": {"tickformat": ".0%"} if percent else {},
            "xaxis": {"type": "category"},
        },
    }


def _conformance_figure(payload: dict) -> dict | None:
    stages = payload["stages"]
    if not stages:
        return None
    return _bars([s["name"] for s in stages], [s["customers"] for s in stages])


def _segments_figure(payload: dict) -> dict | None:
    found = payload["segments"]
    if not found:
        return None
    return _bars([f"{s['segment']}" for s in found], [s["share"] for s in found], percent=True)


#: name -> (options from the request, the insights call, the figure)
QUESTIONS: dict[str, tuple[Callable, Callable, Callable]] = {
    "friction": (_friction, _find_friction, lambda payload: None),
    "moments": (_moments, _find_moments, _moments_figure),
    "conformance": (lambda request: {}, _check_conformance, _conformance_figure),
    "segments": (_segments, _find_segments, _segments_figure),
}


def _page(name: str):
    async def show(request: Request, current: Viewer):
        ctx = request.app.state.ctx
        where, options = ExploreFilter.of(request), QUESTIONS[name][0](request)

        def compute(workspace):
            return run_insight(workspace, name, where, options, ctx.folder)

        return await answer_page(
            request,
            current,
            f"explore_{name}.html.j2",
            compute,
            bool(where.map),
            where,
            o=options,
            json_query=query_string(where.query(), options),
            figure_of=QUESTIONS[name][2],
            # The engine runs for tens of seconds at 1M: beside the lock, not holding the pages.
            aside=True,
        )

    async def as_json(request: Request, current: Viewer):
        folder = request.app.state.ctx.folder
        where, options = ExploreFilter.of(request), QUESTIONS[name][0](request)
        return await answer_json(
            request, current, lambda ws: run_insight(ws, name, where, options, folder), aside=True
        )

    router.add_api_route(f"/explore/{name}", show, methods=["GET"])
    router.add_api_route(f"/explore/{name}.json", as_json, methods=["GET"])


for _name in QUESTIONS:
    _page(_name)
