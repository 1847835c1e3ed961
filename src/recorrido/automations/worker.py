"""Feeding the engine from the workspace's events and prediction scores, past watermarks.

:func:`feed` reads the events stored since the last feed (their ``source_order`` is past the
watermark) and the scoring runs written since (their ``scored_at`` is past the scores
watermark), starts a pass for each entry into a live automation (entries since it was published
only), and sends every pass in flight the new events it watches. Events from ``recorrido ingest``
and from the server's loader feed it alike. ``recorrido worker`` calls it in a loop, opening the
workspace only for the read so that ingest can write in between; ``attach(app)`` calls it after
each load inside the server and on a timer. With several workers on one PostgreSQL database one
feeds at a time (:meth:`Store.feeding`) and the watermark only moves forward from the value the
feed read; the passes it enqueues run on whichever worker takes them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis

from recorrido.automations import engine
from recorrido.automations.dryrun import _holdout_percent, _props
from recorrido.automations.model import parse_duration
from recorrido.automations.runner import Pass, matches
from recorrido.automations.selection import (
    PREDICTIONS,
    Rows,
    candidates,
    entry_key,
    entry_rows,
    profiles,
    watched,
)
from recorrido.automations.store import exists as store_exists
from recorrido.automations.timing import in_holdout
from recorrido.errors import RecorridoError

FAR = datetime(9999, 1, 1, tzinfo=UTC)


def feed(workspace: Any) -> int:
    """Start passes for new entries and route new events to passes in flight; passes started."""
    if workspace.folder is None or not store_exists(workspace.folder):
        return 0  # nothing published here: the engine is not even started
    store = engine.launch(workspace.folder)
    with store.feeding() as mine:
        return _feed(workspace, store) if mine else 0  # another worker is feeding


def _feed(workspace: Any, store) -> int:
    """Event entries and score entries, each past its own watermark: a scoring run starts
    passes even when no event came, and events start passes when no scoring run came."""
    mark = store.watermark()
    events = workspace.events
    live = [
        (row, engine.definition(store.url, row["automation"], row["version"])[0])
        for row in store.live()
    ]
    # Score passes first, knowing the events already fed (up to ``mark``): the events past it
    # reach them through ``_route`` below, so each watched event comes to a pass exactly once.
    started = _feed_scores(workspace, store, live, events.filter(events.source_order <= mark))
    return started + _feed_events(workspace, store, live, events, mark)


def _feed_events(workspace: Any, store, live, events: ibis.Table, mark: int) -> int:
    new = events.filter(events.source_order > mark)
    top = new.source_order.max().to_pyarrow().as_py()
    if top is None:
        return 0
    new = new.filter(new.source_order <= top)  # what arrives while this feed runs is the next's
    started = 0
    for row, automation in live:
        if automation.entry.score is not None:
            continue  # fed from the predictions table (_feed_scores)
        journey = _journey(row)
        entries = entry_rows(workspace.con, new, automation, journey, row["published_at"], FAR)
        started += _start_passes(workspace, store, row, automation, journey, entries, new)
    _route(workspace, store, new)
    store.set_watermark(int(top), was=mark)
    return started


def _feed_scores(workspace: Any, store, live, fed: ibis.Table) -> int:
    """Start passes for score entries from the scoring runs stored since the last feed.

    A scoring run rewrites its model's rows with one new ``scored_at``; each customer at or
    above ``gte`` in it is an entry at that instant, and the re-entry rules decide, as for
    events, whether a customer already above the threshold in an earlier run enters again."""
    if PREDICTIONS not in workspace.con.list_tables():
        return 0
    scores = workspace.con.table(PREDICTIONS)
    newest = scores.scored_at.max().to_pyarrow().as_py()
    if newest is None:
        return 0
    top = _utc(newest)
    was = store.scored_until()
    if was is not None and top <= was:
        return 0
    tick = timedelta(microseconds=1)  # scored_at's precision: [mark + 1 µs, ...) is (mark, ...)
    started = 0
    for row, automation in live:
        if automation.entry.score is None:
            continue
        low = row["published_at"] if was is None else max(row["published_at"], was + tick)
        journey = _journey(row)
        entries = entry_rows(workspace.con, fed, automation, journey, low, top + tick)
        started += _start_passes(workspace, store, row, automation, journey, entries, fed)
    store.set_scored_until(top, was=was)
    return started


def _utc(value: datetime) -> datetime:
    """``scored_at`` is stored as naive UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _start_passes(
    workspace: Any, store, row: dict[str, Any], automation, journey, entries: Rows, events
) -> int:
    """Record and enqueue a pass per entry the re-entry rules let in; how many were new.

    ``events``: the events a pass may already have missed since it entered (those of this
    batch for event entries, those fed before for score entries)."""
    if entries.empty:
        return 0
    who = ibis.memtable({"customer_id": list(dict.fromkeys(entries.customer_id))})
    traits = profiles(workspace.con, who, workspace.folder)
    known = _known_events(events, automation, journey, who, min(entries.timestamp))
    percent = _holdout_percent(automation)
    # The passes of this feed, recorded in one transaction and then enqueued; ``latest``
    # keeps re-entry rules right between entries of one customer within the batch.
    rows: dict[str, dict[str, Any]] = {}
    passes: list[Pass] = []
    latest: dict[str, dict[str, Any]] = {}
    for customer_id, at, props in zip(
        entries.customer_id, entries.timestamp, entries.properties, strict=True
    ):
        entered_at = at
        if not _may_enter(store, automation, customer_id, entered_at, latest):
            continue
        traits_of = traits.get(customer_id, {})
        p = Pass(
            automation.id,
            row["version"],
            customer_id,
            entry_key(automation, entered_at, props),
            entered_at,
            zone=str(traits_of.get("timezone") or workspace.settings.timezone),
            language=str(traits_of.get("language") or automation.language),
            traits=traits_of,
            properties=_props(props),
            seen=[
                {**m, "at": m["at"].isoformat()}
                for m in known.get(customer_id, [])
                if m["at"] > entered_at
            ],
        )
        if p.workflow_id in rows:
            continue  # the same pass twice in one batch (reentry: never / per_key)
        rows[p.workflow_id] = {
            "workflow_id": p.workflow_id,
            "automation": p.automation_id,
            "version": p.version,
            "customer_id": p.customer_id,
            "entry_key": p.entry_key,
            "entered_at": entered_at,
            "holdout": in_holdout(customer_id, automation.id, percent),
            "status": "running",
        }
        latest[customer_id] = rows[p.workflow_id]
        passes.append(p)
    started = store.add_runs(list(rows.values()))
    for p in passes:
        engine.start_pass(p)  # the same id starts nothing new: safe to repeat after a crash
    return started


def _known_events(new, automation, journey, who, since) -> dict[str, list[dict[str, Any]]]:
    """The watched events of this batch, by customer: a pass starts knowing them (they may
    have been stored before its first wait began, and must not be missed)."""
    rows = candidates(new, automation, journey, who, since, FAR)
    found: dict[str, list[dict[str, Any]]] = {}
    for customer_id, at, name, touchpoint, props in zip(
        rows.customer_id,
        rows.timestamp,
        rows.event,
        rows.touchpoint,
        rows.properties,
        strict=True,
    ):
        found.setdefault(customer_id, []).append(
            {
                "at": at,
                "event": name,
                "touchpoint": touchpoint if isinstance(touchpoint, str) else None,
                "properties": _props(props),
            }
        )
    return found


def _journey(row: dict[str, Any]):
    from recorrido.journey.model import JourneyMap

    return JourneyMap.loads(row["map_source"]) if row["map_source"] else None


def _may_enter(store, automation, customer_id: str, entered_at: datetime, latest) -> bool:
    entry = automation.entry
    if entry.reentry != "always":
        return True  # never / per_key: the pass id itself refuses a second pass
    last = latest.get(customer_id) or store.last_entry(automation.id, customer_id)
    if last is None:
        return True
    if last["status"] == "running" and last["entered_at"] < entered_at:
        return False
    gap = parse_duration(entry.reentry_after) if entry.reentry_after else None
    return gap is None or entered_at >= last["entered_at"] + gap


def _route(workspace: Any, store, new: ibis.Table) -> None:
    """Send passes the new events they watch; note when a pass's goal came (for the lift)."""
    from recorrido.automations.selection import tagged

    customers = new.select("customer_id").distinct().to_pyarrow().column(0).to_pylist()
    runs = store.running([c for c in customers if c is not None])
    if not runs:
        return
    by_customer: dict[str, list[dict]] = {}
    for run in runs:
        by_customer.setdefault(run["customer_id"], []).append(run)
    who = ibis.memtable({"customer_id": list(by_customer)})
    journeys: dict[tuple[str, int], Any] = {}
    for automation_id, version in {(r["automation"], r["version"]) for r in runs}:
        row = store.version(automation_id, version)
        journeys[(automation_id, version)] = _journey(row)
    rows = None
    for (automation_id, version), journey in journeys.items():
        table = tagged(new, journey).semi_join(who, "customer_id")
        frame = Rows.of(
            table.select(
                "customer_id",
                "timestamp",
                "event",
                "touchpoint",
                properties=table.properties.cast("string"),
            )
        )
        automation, _owners = engine.definition(store.url, automation_id, version)
        happenings = watched(automation)
        for customer_id, at, name, touchpoint, props in zip(
            frame.customer_id,
            frame.timestamp,
            frame.event,
            frame.touchpoint,
            frame.properties,
            strict=True,
        ):
            touchpoint = touchpoint if isinstance(touchpoint, str) else None
            parsed = _props(props)
            for run in by_customer.get(customer_id, []):
                if (run["automation"], run["version"]) != (automation_id, version):
                    continue
                if at <= run["entered_at"]:
                    continue
                if not any(matches(h, name, touchpoint, parsed) for h in happenings):
                    continue
                goal = automation.goal
                if (
                    goal is not None
                    and run["goal_at"] is None
                    and at <= run["entered_at"] + parse_duration(goal.within)
                    and matches(goal, name, touchpoint, parsed)
                ):
                    store.set_goal(run["workflow_id"], at)
                    run["goal_at"] = at
                if run["status"] == "running":
                    engine.send_event(run["workflow_id"], at, name, touchpoint, parsed)
        rows = frame
    del rows


def idle(folder: str | Path) -> bool:
    """Whether no pass is running."""
    import sqlalchemy as sa

    from recorrido.automations.tables import runs

    store = engine.launch(folder)
    with store.engine.connect() as db:
        count = db.execute(
            sa.select(sa.func.count()).select_from(runs).where(runs.c.status == "running")
        ).scalar()
    return not count


def run_worker(
    folder: str | Path, every: float = 2.0, once: bool = False, name: str = engine.LOCAL
) -> None:
    """Feed in a loop (the workspace opened only while reading); ``once``: feed, then drain.

    ``name`` is this worker's DBOS executor id: give each of several workers on one PostgreSQL
    database its own. Each round also hands back the passes of workers that died."""
    from recorrido.workspace import Workspace

    folder = Path(folder)
    Workspace.open(folder, read_only=True).close()  # a clear error when DIR is no workspace
    store = engine.launch(folder, name)
    try:
        while True:
            engine.recover_dead(store)
            try:
                with Workspace.open(folder, read_only=True) as workspace:
                    feed(workspace)
            except RecorridoError as exc:
                if exc.key != "workspace_busy" or once:
                    raise
                time.sleep(every)  # ingest is writing the file right now: read it next round
                continue
            if once:
                while not idle(folder):
                    engine.recover_dead(store)
                    time.sleep(0.2)
                return
            time.sleep(every)
    finally:
        engine.shutdown()


def _feed_and_recover(workspace: Any) -> int:
    started = feed(workspace)
    if workspace.folder is not None and engine.running():
        engine.recover_dead(engine.launch(workspace.folder))
    return started


def attach(app: Any, every: float = 5.0) -> None:
    """Run the worker inside the server: after each load, and on a timer for the waits' sake.

    The timer starts and stops with the server (``app.state.on_start`` / ``on_stop``); the feed
    goes through the server's one workspace handle (``app.state.ctx``).
    """
    ctx = app.state.ctx
    # The server is a worker too: registered under its name, so a `recorrido worker` of the
    # same name on a shared PostgreSQL database is refused instead of recovering its passes.
    engine.run_as(os.environ.get("RECORRIDO_WORKER_NAME") or engine.LOCAL)
    if getattr(app.state, "after_load", None) is None:
        app.state.after_load = []
    app.state.after_load.append(feed)
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(every):
            try:
                ctx.run(_feed_and_recover)
            except Exception:  # retried at the next tick: the watermark moves only on success
                logging.getLogger(__name__).exception("automation feed failed")

    def start(_app: Any) -> None:
        threading.Thread(target=tick, name="recorrido-automations", daemon=True).start()

    def end(_app: Any) -> None:
        stop.set()
        engine.shutdown()
        engine.run_as(None)

    for name, hook in (("on_start", start), ("on_stop", end)):
        if getattr(app.state, name, None) is None:
            setattr(app.state, name, [])
        getattr(app.state, name).append(hook)
