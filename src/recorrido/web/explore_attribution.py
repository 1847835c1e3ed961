"""Explore attribution: conversions and value credited to each channel (or touchpoint, campaign)
under the models chosen — the same object as ``recorrido attribution -w DIR --json`` with the
same ``--by``, ``--conversion``, ``--lookback``, ``--map`` and ``--model`` (``.json`` twin:
``/explore/attribution.json``), from the same function, on the workspace's copied events."""

from __future__ import annotations

from fastapi import APIRouter, Request

from recorrido.i18n import message
from recorrido.web.explore_filters import ExploreFilter, answer_json, answer_page, label
from recorrido.web.explore_source import events_for, kept_parts, remembered
from recorrido.web.map_files import map_path
from recorrido.web.pages import Viewer, clean

router = APIRouter()


def _options(request: Request) -> dict:
    from recorrido.analytics.attribution import DEFAULT_LOOKBACK, LEVELS, MODELS

    q = request.query_params
    by = q.get("by", "channel")
    return {
        "by": by if by in LEVELS else "channel",
        "conversion": q.get("conversion", "").strip(),
        "lookback": q.get("lookback", "").strip() or DEFAULT_LOOKBACK,
        # Unknown names are left for the function to refuse, as the CLI does.
        "models": tuple(m for m in q.getlist("model") if m) or (),
        "known": MODELS,
    }


def kept_touches(workspace, where: ExploreFilter, options: dict, folder, key=None, journey=None):
    """The journeys' ordered touches for these options (``workspace_paths.touches``), kept on
    this connection (``explore_source.kept_parts``): ordering the events into journeys does not
    depend on the lookback or the models, and is about half of the work at 1M events, so
    another lookback reads them instead. The server keeps the default ones ahead
    (``warm_pages``)."""
    from recorrido.analytics.attribution.workspace_paths import touches

    key = key or where.key(workspace, folder, needs_map=bool(where.map))
    if journey is None and where.map:
        from recorrido.journey import JourneyMap

        journey = JourneyMap.load(map_path(folder, where.map))
    events = events_for(workspace, "event", "", None)
    conversion = options["conversion"] or None
    part = ("attribution-touches", options["by"], conversion or "", where.map)
    return kept_parts(
        workspace,
        part,
        key,
        lambda: touches(
            events, by=options["by"], conversion=conversion, journey=journey, check=False
        ),
    )


def run_attribution(workspace, where: ExploreFilter, options: dict, folder) -> dict:
    """``recorrido attribution --json`` for the workspace's events (and the map, when chosen)."""
    from recorrido.analytics.attribution import attribute_workspace

    key = where.key(workspace, folder, needs_map=bool(where.map))

    def compute() -> dict:
        journey = None
        if where.map:
            from recorrido.journey import JourneyMap

            journey = JourneyMap.load(map_path(folder, where.map))
        result = attribute_workspace(
            events_for(workspace, "event", "", None),
            by=options["by"],
            conversion=options["conversion"] or None,
            lookback=options["lookback"],
            journey=journey,
            kept=kept_touches(workspace, where, options, folder, key, journey),
            models=list(options["models"]) or None,
        )
        return clean(result.to_dict())

    question = ("attribution", where.map, tuple(sorted(options.items())))
    return remembered(workspace, question, key, compute)


def _figure(payload: dict, lang: str) -> dict | None:
    rows = payload["channels"]
    if not rows:
        return None
    names = [label(r["channel"]) for r in rows]
    return {
        "data": [
            {
                "type": "bar",
                "name": label(message(f"attribution_model_{m}", lang)),
                "x": names,
                "y": [r[m] for r in rows],
            }
            for m in payload["models"]
        ],
        "layout": {
            "height": 340,
            "barmode": "group",
            "margin": {"l": 60, "r": 10, "t": 10, "b": 80},
            "xaxis": {"type": "category"},
            "legend": {"orientation": "h"},
        },
    }


def _query(where: ExploreFilter, options: dict) -> str:
    from urllib.parse import urlencode

    pairs = [("map", where.map)] if where.map else []
    pairs += [(k, options[k]) for k in ("by", "conversion", "lookback") if options[k]]
    pairs += [("model", m) for m in options["models"]]
    return urlencode(pairs)


@router.get("/explore/attribution")
async def attribution_page(request: Request, current: Viewer):
    ctx = request.app.state.ctx
    # Attribution reads every event in its lookback: only the map is taken from the filter.
    where, options = ExploreFilter(map=request.query_params.get("map", "")), _options(request)

    def compute(workspace):
        return run_attribution(workspace, where, options, ctx.folder)

    return await answer_page(
        request,
        current,
        "explore_attribution.html.j2",
        compute,
        True,  # the defaults are a question worth answering
        where,
        o=options,
        json_query=_query(where, options),
        figure_of=lambda payload: _figure(payload, current.lang),
        model_name=lambda m: message(f"attribution_model_{m}", current.lang),
    )


@router.get("/explore/attribution.json")
async def attribution_json(request: Request, current: Viewer):
    folder = request.app.state.ctx.folder
    where, options = ExploreFilter(map=request.query_params.get("map", "")), _options(request)
    return await answer_json(
        request, current, lambda ws: run_attribution(ws, where, options, folder)
    )
