"""What the exploration pages beyond the funnel and paths share: their filter (a map, a level,
dates, and the map view's channel / persona / property filter), the events it selects, and how a
page or its ``.json`` twin answers.

The filter reuses the map view's :class:`~recorrido.web.map_view.MapFilter` (channel, persona,
``key=value`` property) over the copied events of ``web/explore_source.py``; the dates are handed
to the analytics function itself, as the CLI's ``--from`` / ``--to`` are. With no filter but the
dates, the object a page answers is the one the matching CLI command prints with ``--json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from recorrido.errors import RecorridoError
from recorrido.web.explore import LEVELS
from recorrido.web.explore_source import events_for, remembered, source_key
from recorrido.web.map_files import list_maps, map_path
from recorrido.web.map_view import MapFilter
from recorrido.web.pages import Visit, clean, page

CHANNELS = 50


@dataclass(frozen=True)
class ExploreFilter:
    """A page's map, level and the events it reads (dates, channel, persona, property)."""

    map: str = ""
    level: str = "event"
    where: MapFilter = field(default_factory=MapFilter)

    @classmethod
    def of(cls, request: Request) -> ExploreFilter:
        q = request.query_params
        level = q.get("level") if q.get("level") in LEVELS else "event"
        return cls(q.get("map", ""), level, MapFilter.of(request))

    def dates(self) -> dict:
        return {"start": self.where.start, "end": self.where.end}

    def query(self) -> dict:
        """The filter as query parameters (for the JSON link and the next request)."""
        values = {
            "map": self.map,
            "level": self.level if self.level != "event" else "",
            "date_from": self.where.start or "",
            "date_to": self.where.end or "",
            "channel": self.where.channel,
            "persona": self.where.persona,
            "prop": self.where.prop,
        }
        return {k: v for k, v in values.items() if v}

    def narrowed(self) -> bool:
        return bool(self.where.channel or self.where.persona or self.where.prop)

    def key(self, workspace, folder, needs_map: bool = False) -> tuple:
        """What an answer under this filter depends on: the events, and the map's text when
        the question reads a map (at any level)."""
        if needs_map and not self.map:
            raise RecorridoError("web_explore_map_needed")
        reads_map = needs_map or self.level != "event"
        return source_key(workspace, "stage" if reads_map else "event", self.map, folder)

    def events(self, workspace, folder, level: str | None = None):
        """The events under the channel / persona / property filter, tagged with the map when
        ``level`` (default: the filter's) is a touchpoint or stage level."""
        level = level or self.level
        if not self.narrowed():
            return events_for(workspace, level, self.map, folder)
        journey = None
        if self.where.persona:
            if not self.map:
                raise RecorridoError("web_explore_map_needed")
            from recorrido.journey import JourneyMap

            journey = JourneyMap.load(map_path(folder, self.map))
        events = self.where.events(workspace, journey)
        if level == "event":
            return events
        if not self.map:
            raise RecorridoError("web_explore_map_needed")
        from recorrido.analytics.tagging import tag_events

        return tag_events(events, map_path(folder, self.map))


def channels(workspace) -> list[str]:
    """The most used channels, for the filter's choice (kept with the copied events)."""
    import ibis

    key = source_key(workspace, "event", "", None)

    def compute() -> list[str]:
        events = events_for(workspace, "event", "", None, key)
        found = (
            events.filter(events.channel.notnull())
            .group_by("channel")
            .aggregate(n=ibis._.count())
            .order_by([ibis.desc("n"), "channel"])
            .limit(CHANNELS)
        )
        return [row["channel"] for row in found.to_pyarrow().to_pylist()]

    return remembered(workspace, ("channels",), key, compute)


def personas(folder, map_file: str) -> list[tuple[str, str]]:
    """The map's personas that select customers (those with a rule)."""
    if not map_file:
        return []
    from recorrido.journey import JourneyMap

    try:
        journey = JourneyMap.load(map_path(folder, map_file))
    except RecorridoError:
        return []  # the page says what is wrong with the map when it runs the question
    return [(p.id, p.name) for p in journey.personas if p.rule is not None]


def to_json(payload: object) -> Response:
    """``payload`` as the CLI prints it (dates as ISO text), NaN as ``null``."""
    from recorrido.cli.common import json_default

    text = json.dumps(clean(payload), ensure_ascii=False, default=json_default)
    return Response(text, media_type="application/json")


async def answer_page(
    request: Request,
    current: Visit,
    template: str,
    compute: Callable,
    ready: bool,
    where: ExploreFilter,
    aside: bool = False,
    **context,
):
    """The page: the form with its filter, and the answer of ``compute(workspace)`` when the
    form was sent (``ready``); a refused question shows its message (422). ``aside``: a long
    question, answered on a connection of its own outside the workspace lock
    (``web/side_work.py``)."""
    ctx = request.app.state.ctx
    payload = error = None
    if ready:
        try:
            payload = await _answer(ctx, compute, aside)
        except RecorridoError as exc:
            error = exc.localized(current.lang)
    return page(
        template,
        current,
        422 if error else 200,
        f=where,
        maps=list_maps(ctx.folder),
        channels=await ctx.arun(channels),
        personas=personas(ctx.folder, where.map),
        payload=payload,
        error=error,
        dur=lambda seconds: duration(seconds, current),
        **context,
    )


async def _answer(ctx, compute: Callable, aside: bool):
    if aside:
        from recorrido.web.side_work import arun_aside

        return await arun_aside(ctx, compute)
    return await ctx.arun(compute)


def duration(seconds, current: Visit) -> str:
    """A duration in the unit that reads best: s, min, h, d (symbols, the same in both
    languages; the number is written the page language's way)."""
    from recorrido.report.render import format_number

    if seconds is None:
        return "—"
    seconds = float(seconds)
    for limit, size, unit in ((60, 1, "s"), (3600, 60, "min"), (86400, 3600, "h")):
        if seconds < limit:
            return f"{format_number(seconds / size, current.lang, 1)} {unit}"
    return f"{format_number(seconds / 86400, current.lang, 1)} d"


async def answer_json(
    request: Request, current: Visit, compute: Callable, aside: bool = False
) -> Response:
    """The ``.json`` twin of a page: the CLI's ``--json`` object, or the refusal (422)."""
    try:
        payload = await _answer(request.app.state.ctx, compute, aside)
    except RecorridoError as exc:
        body = {"error": exc.key, "message": exc.localized(current.lang)}
        return JSONResponse(body, status_code=422)
    return to_json(payload)


def label(value) -> str:
    """A data text (an event, a channel) for a Plotly label, shown as the characters it holds
    (Plotly would read a few HTML tags in it)."""
    from recorrido.report.figures import plotly_text

    return plotly_text(value)


def blank_request():
    """A request with no query: what each page's options are when nothing is chosen (the
    questions the server works out ahead, and the panel looks up)."""
    from types import SimpleNamespace

    from starlette.datastructures import QueryParams

    return SimpleNamespace(query_params=QueryParams(""))


def query_string(*parts: dict) -> str:
    merged: dict = {}
    for part in parts:
        merged.update({k: v for k, v in part.items() if v not in (None, "", [])})
    return urlencode(merged, doseq=True)
