"""The pages' default answers, worked out by the server before anyone asks: after it starts and
after each change of its data or of a map file.

Why: friction, moments, conformance and segments run the insights engine over every event (on 1
million events and two busy cores, 12 to 39 s each), and a page that waits that long the first
time a map is picked does not meet "under 1 s once the server is warm". The question a page asks
when a map is picked and nothing else is touched is known in advance: its defaults. So the
server asks it itself, and the visit finds the answer kept (``explore_source.remembered``).

What is warmed, in this order (cheap first): for each map (the first :data:`MAPS` in the
folder), the map view measured without a filter; the channels of the filter's choice; the
attribution's ordered touches (with and without the first map, on the server's connection: a
new lookback reads them); the first map's tagged, ordered events for the insights (there too: a
new date range or option cuts from them, ``docs/insights-date-range.md``); the sessions,
retention and attribution pages' defaults; and per map attribution, conformance, moments,
friction and segments with their defaults. A new filter, date range or option is a new question
and is worked out when asked.

How, without holding up the pages: the insights run on a second DuckDB connection to the same
database (``side_work.second_workspace``: its own copy of the events), outside the server's
workspace lock, and their answers go to the answers the pages read. A page asking a question the
warmer is working out waits for that answer instead of working it out again. The map view's
measure is kept by that module on the server's own connection, so it is worked out there, under
the lock (about a second). A question whose data changed while it was worked out is kept under
the key it was computed for, which no later request asks for.

When: the server's warm worker (``server/warm.py``) calls :func:`warm` once after the server
starts and after each coalesced change of its data (a load of collected events, an upload), and
a saved map tells it too (:func:`changed`). An answer kept already costs a few small queries.
The worker paces itself (a round that took W seconds waits 3 W before the next), so under a
steady stream of events warming takes at most about a quarter of the machine.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("recorrido.web.warm")

#: Maps whose default answers are worked out ahead (a folder of many maps warms the first ones).
MAPS = 4
#: Seconds between two looks for missing answers.
POLL_S = 5.0
#: The insight pages warmed per map, cheapest first.
INSIGHTS = ("conformance", "moments", "friction", "segments")


def _maps(folder) -> list[str]:
    """The maps warmed: those that read without problems, the most recently edited first (as
    the server's own warmer orders them), at most :data:`MAPS`."""
    from pathlib import Path

    from recorrido.web.map_files import list_maps

    found = [m.file for m in list_maps(folder) if not m.problems]
    found.sort(key=lambda name: (Path(folder) / name).stat().st_mtime_ns, reverse=True)
    return found[:MAPS]


def questions(folder) -> list[tuple[str, object]]:
    """What a round asks: (label, ``fn(workspace)``) on the warmer's connection."""
    from recorrido.web.explore_attribution import _options as attribution_options
    from recorrido.web.explore_attribution import run_attribution
    from recorrido.web.explore_behaviour import (
        _retention_options,
        _sessions_options,
        run_retention,
        run_sessions,
    )
    from recorrido.web.explore_filters import ExploreFilter, blank_request
    from recorrido.web.explore_insights import QUESTIONS, run_insight

    blank = blank_request()
    none = ExploreFilter()
    asked: list[tuple[str, object]] = [
        ("sessions", lambda ws: run_sessions(ws, none, _sessions_options(blank), folder)),
        ("retention", lambda ws: run_retention(ws, none, _retention_options(blank), folder)),
        (
            "attribution",
            lambda ws: run_attribution(ws, none, attribution_options(blank), folder),
        ),
    ]
    for name in _maps(folder):
        where = ExploreFilter(map=name)

        def attribution(ws, where=where):
            return run_attribution(ws, where, attribution_options(blank), folder)

        asked.append((f"attribution {name}", attribution))
        for asked_name in INSIGHTS:

            def insight(ws, asked_name=asked_name, where=where):
                options = QUESTIONS[asked_name][0](blank)
                return run_insight(ws, asked_name, where, options, folder)

            asked.append((f"{asked_name} {name}", insight))
    return asked


def _map_views(folder) -> list[tuple[str, object]]:
    """The map view of each map without a filter, the filter's channels and the first map's
    copy of the tagged events, asked on the server's connection (the map view keeps its
    measured maps, and the funnel and paths their copies, with that connection)."""
    from recorrido.errors import RecorridoError
    from recorrido.web.explore_filters import channels
    from recorrido.web.map_files import map_path
    from recorrido.web.map_view import MapFilter, measured_map

    def view(workspace, name: str) -> None:
        # A map that does not measure: the page says what is wrong with it when opened.
        with contextlib.suppress(RecorridoError):
            measured_map(workspace, map_path(folder, name), MapFilter())

    def copies(workspace, name: str) -> None:
        # The funnel and paths pages read the events tagged with a map, copied once per map
        # text and ingest, and paths a step table made from that copy (1 to 2 s each at 1M).
        from recorrido.web.explore_source import source_key, steps_for

        steps_for(
            workspace, "touchpoint", name, folder, source_key(workspace, "stage", name, folder)
        )

    def touches(workspace, name: str) -> None:
        # A new lookback on the attribution page reads the journeys' touches kept on this
        # connection (0.5 to 1 s to make at 1M); the defaults' are made ahead, with and without
        # the first map.
        from recorrido.web.explore_attribution import _options, kept_touches
        from recorrido.web.explore_filters import ExploreFilter, blank_request

        with contextlib.suppress(RecorridoError):
            kept_touches(workspace, ExploreFilter(map=name), _options(blank_request()), folder)

    def ordered(workspace, name: str) -> None:
        # A new date range or option on an insight page reads the map's tagged, ordered events
        # kept on this connection (1 to 1.5 s to make at 1M); the first map's are made ahead.
        from recorrido.web.explore_filters import ExploreFilter
        from recorrido.web.explore_insights import ordered_source

        with contextlib.suppress(RecorridoError):
            ordered_source(workspace, ExploreFilter(map=name), folder)

    maps = _maps(folder)
    asked: list[tuple[str, object]] = [("channels", channels)]
    for name in maps:
        asked.append((f"map view {name}", lambda ws, name=name: view(ws, name)))
    if maps:
        # One map's copy only: the server keeps one (``explore_source.TABLES``).
        asked.append((f"copies {maps[0]}", lambda ws: copies(ws, maps[0])))
    for name in ["", *maps[:1]]:
        asked.append((f"attribution touches {name}", lambda ws, name=name: touches(ws, name)))
    if maps:
        asked.append((f"insight events {maps[0]}", lambda ws: ordered(ws, maps[0])))
    return asked


def warm(app: FastAPI) -> dict[str, float]:
    """One round: every default answer worked out if it is not kept already. Returns the
    seconds each question took that was not kept (empty: all were)."""
    from recorrido.errors import RecorridoError
    from recorrido.web.explore_source import _kept, computed
    from recorrido.web.side_work import second_workspace

    # Warmers are registered for the process: an app without the web pages has none to warm.
    if not getattr(app.state, "web_pages", False):
        return {}
    ctx = app.state.ctx
    if not ctx.run(_kept):
        return {}
    took: dict[str, float] = {}
    asked_aside: set[str] = set()
    for label, ask in _map_views(ctx.folder):
        # One at a time under the lock, so that pages are served between them.
        took[label] = ctx.run(_timed, ask)
    other = ctx.run(second_workspace)
    done = threading.Event()
    watch = threading.Thread(target=_interrupt_when_stale, args=(app, other, done), daemon=True)
    watch.start()
    try:
        for label, ask in questions(ctx.folder):
            if _stale(app):  # the data changed or the server stops: the next warm starts anew
                break
            started, before = time.perf_counter(), computed(other)
            try:
                ask(other)
            except RecorridoError as exc:  # a map the insights refuse: the page says why
                log.info("warming %s: %s", label, exc.key)
            except Exception:
                if _stale(app):  # interrupted (below): not a failure
                    break
                raise
            if computed(other) > before:  # not found kept: worked out now
                took[label] = time.perf_counter() - started
                asked_aside.add(label)
    finally:
        done.set()
        watch.join()
        # Its copies of the events go with it (temporary tables of that connection).
        other.con.disconnect()
    # The main connection's parts are judged by time (measured under the lock, so without
    # waiting for it): found kept, each is a few small queries.
    worked = {k: round(v, 2) for k, v in took.items() if k in asked_aside or v >= 0.5}
    if worked:
        log.info("web pages warmed: %s", worked)
    app.state.web_warmed = worked
    return worked


def _interrupt_when_stale(app: FastAPI, other, done: threading.Event) -> None:
    """Stop the warmer's query when its warm went stale (new data, or the server stopping): an
    insight runs for minutes at 1M, and the server's stop waits for the warm to end."""
    while not done.wait(0.5):
        if _stale(app):
            with contextlib.suppress(Exception):  # closed or between queries: nothing to stop
                other.con.con.interrupt()
            return


def _stale(app: FastAPI) -> bool:
    worker = getattr(app.state, "warm", None)
    return bool(getattr(worker, "stale", False))


def _timed(workspace, fn) -> float:
    started = time.perf_counter()
    fn(workspace)
    return time.perf_counter() - started


def changed(app: FastAPI) -> None:
    """Tell the server's warm worker that a map file changed (a save in the editor, an
    upload): its default answers are new questions."""
    worker = getattr(app.state, "warm", None)
    if worker is not None:
        worker.changed()


def attach(app: FastAPI) -> None:
    """Warm the pages of the server ``app`` (registered once per process; a workspace whose
    answers are not kept, another backend or events mapped from elsewhere, is left alone)."""
    from recorrido.server.warm import register_warmer

    app.state.web_pages = True
    register_warmer(warm)
