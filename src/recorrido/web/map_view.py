"""The map view: the journey map measured on the workspace, drawn with the report's building
blocks (its context, lanes and stylesheet), filtered by dates; a stage or touchpoint opens a panel
(htmx) with its figures and its funnel.

The filter (dates, a channel, a persona's customers, a property ``key=value``) narrows the events
the map is measured on. Measuring is the slow part, so the last few measured maps are kept, keyed
by the file's modification time and size, the filter and the latest ingest: a new ingest or a
saved edit measures again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError

from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.journey.rules import Condition
from recorrido.measured import measure
from recorrido.web.act_draft import offer
from recorrido.web.map_breakdown import NAMED, breakdown_of, segments
from recorrido.web.map_files import map_path
from recorrido.web.pages import PageError, Viewer, page

router = APIRouter()
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 8


def _day(text: str | None) -> str | None:
    """A ``YYYY-MM-DD`` filter value, or ``None`` when empty or not a date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class MapFilter:
    """Which events the map is measured on: dates, a channel, a persona's customers, and a
    property ``key=value``."""

    start: str | None = None
    end: str | None = None
    channel: str = ""
    persona: str = ""
    prop: str = ""

    @classmethod
    def of(cls, request: Request) -> MapFilter:
        q = request.query_params
        return cls(
            _day(q.get("date_from")),
            _day(q.get("date_to")),
            q.get("channel", "").strip(),
            q.get("persona", "").strip(),
            q.get("prop", "").strip(),
        )

    def query(self) -> str:
        values = {
            "date_from": self.start or "",
            "date_to": self.end or "",
            "channel": self.channel,
            "persona": self.persona,
            "prop": self.prop,
        }
        return urlencode({k: v for k, v in values.items() if v})

    def events(self, workspace, journey):
        """The workspace's events under this filter (the dates are left to ``measure``)."""
        import ibis

        from recorrido.web.explore_source import events_for

        # The copy the explorations read (no identity join per scan): about a quarter off a
        # new filter's measure on 1M events.
        stored = events = events_for(workspace, "event", "", None)
        if self.channel:
            events = events.filter(events.channel == self.channel)
        if self.persona:
            try:
                journey.persona(self.persona)
            except KeyError:
                raise RecorridoError("web_map_unknown_persona", persona=self.persona) from None
            people = journey.persona_customers(stored, self.persona)
            # isin, not a join: the events expression already joins the identity map.
            events = events.filter(events.customer_id.isin(people.customer_id))
        if self.prop:
            key, sep, value = self.prop.partition("=")
            if not sep or not key.strip():
                raise RecorridoError("web_map_bad_property", text=self.prop)
            try:
                condition = Condition.model_validate({"property": key.strip(), "equals": value})
            except ValidationError:
                raise RecorridoError("web_map_bad_property", text=self.prop) from None
            events = events.filter(condition.predicate(events, ibis.get_backend(events).name))
        return events


def measured_map(workspace, path, where: MapFilter, *, breakdown: str = ""):
    """The measured map of the file at ``path`` (cached; see the module docstring), split by
    ``breakdown`` when one is given (``map_breakdown.py``)."""
    import ibis

    from recorrido.journey import JourneyMap

    stat = path.stat()
    latest = workspace.ingest_log.aggregate(n=ibis._.ingest_id.max()).execute()["n"][0]
    key = (str(path), stat.st_mtime_ns, stat.st_size, where, str(latest), breakdown)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    journey = JourneyMap.load(path)
    # measure() takes any events table: the filtered one is measured like the workspace.
    result = measure(
        where.events(workspace, journey),
        journey,
        start=where.start,
        end=where.end,
        breakdown=breakdown or None,
    )
    _CACHE[key] = result
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


@router.get("/maps/{name}")
async def map_view(request: Request, name: str, current: Viewer):
    from recorrido.report.build import build_context

    ctx = request.app.state.ctx
    path = map_path(ctx.folder, name)
    where = MapFilter.of(request)
    try:
        measured = await ctx.arun(measured_map, path, where)
    except RecorridoError as exc:
        return page(
            "map_error.html.j2", current, 422, name=name, problem=exc.localized(current.lang)
        )
    report = build_context(measured, lang=current.lang)
    journey = measured.journey
    channels = await ctx.arun(_channels)
    breakdown, split, split_problem = breakdown_of(request), None, None
    if breakdown:
        try:
            split = await ctx.arun(segments, path, where, breakdown, current.lang)
        except RecorridoError as exc:  # an unknown key: said beside the form, the map stays
            split_problem = exc.localized(current.lang)
    return page(
        "map.html.j2",
        current,
        name=name,
        r=report,
        where=where,
        breakdown=breakdown,
        breakdown_named=NAMED,
        split=split,
        split_problem=split_problem,
        personas=[(p.id, p.name) for p in journey.personas if p.rule is not None],
        channels=channels,
        filtered_query=where.query(),
        export_query=_export_query(where, breakdown if split is not None else ""),
    )


def _export_query(where: MapFilter, breakdown: str) -> str:
    """The download's query: the page's filter, and its breakdown when the page could draw it
    (an unknown key is said beside the form; the download then leaves it out)."""
    from urllib.parse import urlencode

    parts = [where.query(), urlencode({"breakdown": breakdown}) if breakdown else ""]
    return "&".join(part for part in parts if part)


def _channels(workspace) -> list[str]:
    import ibis

    events = workspace.events
    found = (
        events.filter(events.channel.notnull())
        .group_by("channel")
        .aggregate(n=ibis._.count())
        .order_by([ibis.desc("n"), "channel"])
        .limit(50)
    )
    return [row["channel"] for row in found.to_pyarrow().to_pylist()]


@router.get("/maps/{name}/panel")
async def panel(
    request: Request,
    name: str,
    current: Viewer,
    stage: str | None = None,
    touchpoint: str | None = None,
):
    """The side panel of one stage or touchpoint (an HTML fragment for htmx)."""
    ctx = request.app.state.ctx
    path = map_path(ctx.folder, name)
    where = MapFilter.of(request)
    measured = await ctx.arun(measured_map, path, where)
    journey = measured.journey
    rows = measured.stage_rows("all" if "all" in measured.summary["segments"] else None)
    lang = current.lang
    if stage is not None:
        index = next((i for i, s in enumerate(journey.stages) if s.id == stage), None)
        if index is None:
            raise PageError(404, "not_found")
        funnel_rows = rows[: index + 1]
        figure = _funnel_figure(
            [r["name"] for r in funnel_rows], [r["customers"] or 0 for r in funnel_rows]
        )
        feedback, predictions = await ctx.arun(_extras, path, stage=stage)
        friction = await ctx.arun(_friction_here, ctx.folder, name, where, stage=stage)
        return page(
            "map_panel.html.j2",
            current,
            kind="stage",
            item=journey.stages[index],
            row=rows[index],
            tp=None,
            figure=figure,
            funnel=funnel_rows,
            tp_names={tp.id: tp.name for tp in journey.touchpoints},
            feedback=feedback,
            predictions=predictions,
            friction=friction,
            draft=offer(journey, name, stage=stage),
        )
    if touchpoint is None:
        raise PageError(404, "not_found")
    figures = {r["id"]: r for r in measured.to_dict()["touchpoints"]}
    if touchpoint not in figures:
        raise PageError(404, "not_found")
    item = journey.touchpoint(touchpoint)
    steps = await ctx.arun(_touchpoint_funnel, journey, touchpoint, where)
    feedback, predictions = await ctx.arun(_extras, path, touchpoint=touchpoint)
    friction = await ctx.arun(_friction_here, ctx.folder, name, where, touchpoint=touchpoint)
    figure = (
        _funnel_figure([s["name"] for s in steps], [s["customers"] for s in steps])
        if steps
        else None
    )
    return page(
        "map_panel.html.j2",
        current,
        kind="touchpoint",
        item=item,
        row=None,
        tp=figures[touchpoint],
        figure=figure,
        funnel=steps,
        goal=message("web_panel_goal", lang),
        tp_names={tp.id: tp.name for tp in journey.touchpoints},
        feedback=feedback,
        predictions=predictions,
        friction=friction,
        draft=offer(journey, name, touchpoint=touchpoint),
    )


def _friction_here(workspace, folder, name: str, where: MapFilter, **at) -> dict:
    """The kept friction findings at the stage or touchpoint (``web/panel_friction.py``), and
    the friction page's query for the same map and filter."""
    from recorrido.web.explore_filters import ExploreFilter, query_string
    from recorrido.web.panel_friction import friction_here

    explore = ExploreFilter(map=name, where=where)
    return {
        **friction_here(workspace, folder, explore, **at),
        "query": query_string(explore.query(), {}),
    }


def _extras(workspace, path, stage: str | None = None, touchpoint: str | None = None):
    """The stage's or touchpoint's feedback and predictions; a part that cannot be read is left
    out of the panel rather than failing it (the rest of the panel stands on its own)."""
    from recorrido.errors import RecorridoError
    from recorrido.web import stage_extras

    if stage is not None:
        parts = (
            lambda: stage_extras.stage_feedback(workspace, stage),
            lambda: stage_extras.stage_predictions(workspace, path, stage),
        )
    else:
        parts = (
            lambda: stage_extras.touchpoint_feedback(workspace, touchpoint),
            lambda: stage_extras.touchpoint_predictions(workspace, path, touchpoint),
        )
    found = []
    for part in parts:
        try:
            found.append(part())
        except RecorridoError:
            found.append(None)
    return tuple(found)


def _touchpoint_funnel(workspace, journey, touchpoint: str, where: MapFilter) -> list[dict]:
    """Customers at the touchpoint and, of those, at the map's goal touchpoint within 30 days
    (the analytics funnel at touchpoint level); empty without a goal touchpoint."""
    from recorrido.analytics import funnel
    from recorrido.analytics.tagging import tag_events

    goal = journey.goal.touchpoint if journey.goal is not None else None
    if not goal or goal == touchpoint or journey.touchpoint(touchpoint).match is None:
        return []
    tagged = tag_events(where.events(workspace, journey), journey)
    result = funnel(
        tagged,
        [touchpoint, goal],
        window="30d",
        level="touchpoint",
        start=where.start,
        end=where.end,
    )
    names = {tp.id: tp.name for tp in journey.touchpoints}
    return [
        {
            "name": names.get(row["step"], row["step"]),
            "customers": int(row["customers"]),
            "conversion": row["conversion"],
        }
        for row in result.to_dict("records")
    ]


def _funnel_figure(names: list[str], values: list[int]) -> dict:
    return {
        "data": [
            {
                "type": "funnel",
                "y": names,
                "x": values,
                "textinfo": "value+percent initial",
                "marker": {"color": "#2563eb"},
            }
        ],
        "layout": {"height": 80 + 50 * len(names), "margin": {"l": 120, "r": 10, "t": 10, "b": 10}},
    }
