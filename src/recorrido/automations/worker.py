"""Feeding the engine from the workspace's events, past a watermark.

:func:`feed` reads the events stored since the last feed (their ``source_order`` is past the
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis

from recorrido.automations import engine
from recorrido.automations.dryrun import _holdout_percent, _props
from recorrido.automations.model import parse_duration
from recorrido.automations.runner import Pass, matches
from recorrido.automations.selection import (
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
    mark = store.watermark()
    events = workspace.events
    new = events.filter(events.source_order > mark)
    top = new.source_order.max().to_pyarrow().as_py()
    if top is None:
        return 0
    started = 0
    for row in store.live():
        automation, _owners = engine.definition(store.url, row["automation"], row["version"])
        journey = _journey(row)
        if automation.entry.score is not None:
            continue  # score entries read the predictions table: not fed by events (see docs)
        entries = entry_rows(workspace.con, new, automation, journey, row["published_at"], FAR)
        if entries.empty:
            continue
        who = ibis.memtable({"customer_id": list(dict.fromkeys(entries.customer_id))})
        traits = profiles(workspace.con, who, workspace.folder)
        known = _known_events(new, automation, journey, who, min(entries.timestamp))
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
        started += store.add_runs(list(rows.values()))
        for p in passes:
            engine.start_pass(p)  # the same id starts nothing new: safe to repeat after a crash
    _route(workspace, store, new)
    store.set_watermark(int(top), was=mark)
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

    from recorrido.automations.store import runs

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
