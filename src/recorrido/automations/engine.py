"""The durable engine: each pass is one DBOS workflow; each action, mark and clock reading a step.

The workflow id is the pass id (automation, version, customer, entry key), so starting a pass twice
returns the first run. Waits are ``DBOS.recv`` with a time-out: the feed sends a pass the events it
watches (goal, exits, waited-for events), so a wait ends early when the goal comes and a "wait for
event" takes its branch as soon as the event is stored; with no message it sleeps durably until its
deadline. After a crash, DBOS resumes every pending workflow from its last completed step.

The engine keeps its state in ``DIR/automations.sqlite`` (or ``RECORRIDO_AUTOMATIONS_DB``,
PostgreSQL for several workers). The application version is fixed so that a restarted worker
recovers the passes of the one before it.

Several workers: passes are enqueued on one DBOS queue, and whichever worker polls first runs
them (the dequeue is atomic, so one runner per pass). Each worker is a DBOS executor with its own
id, its ``--name``, registered with a heartbeat (:meth:`Store.claim_worker`): a worker restarted
under its name recovers its own passes at launch (DBOS does), and the passes of a worker whose
heartbeat stopped are handed back to the queue by exactly one live worker (:func:`recover_dead`).
Two live processes never share an executor id, because DBOS's recovery at launch would run the
other's passes a second time, concurrently.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dbos import DBOS, SetWorkflowID

from recorrido.automations.actions import perform
from recorrido.automations.model import Automation, Happening, Step
from recorrido.automations.runner import Pass, matches, walk
from recorrido.automations.store import Store, database_url, utcnow

APP_NAME = "recorrido_automations"
APP_VERSION = "recorrido-automations-1"
EVENTS_TOPIC = "events"
QUEUE = "recorrido_passes"
#: The executor id of a process that runs passes without a worker name (tests, benchmarks).
LOCAL = "local"
LEASE_ENV = "RECORRIDO_WORKER_LEASE"
CONCURRENCY_ENV = "RECORRIDO_WORKER_CONCURRENCY"

_launched: dict[str, Any] = {"url": None, "name": None, "stop": None, "queue": None}


def worker_concurrency() -> int | None:
    """At most this many passes in flight per worker (``RECORRIDO_WORKER_CONCURRENCY``; none by
    default). Each pass in flight is a thread, waits included; passes past the cap stay queued
    until a slot frees or another worker takes them, which also spreads a burst across workers."""
    value = os.environ.get(CONCURRENCY_ENV)
    return int(value) if value else None


def lease() -> float:
    """Seconds without a heartbeat after which a worker counts as dead (default 30)."""
    return float(os.environ.get(LEASE_ENV, "30"))


def launch(folder: str | Path, name: str | None = None) -> Store:
    """Start DBOS for this workspace's engine database (once per process).

    ``name``: run as the registered worker of that name (the DBOS executor id), refused while a
    live process holds it; without one the process is the unregistered executor ``local``."""
    url = database_url(folder)
    name = name or _launched.get("as")
    if _launched["url"] != url or (name is not None and _launched["name"] != name):
        shutdown()
        store = Store(url)
        if name is not None:
            store.claim_worker(name, lease())  # before DBOS: its launch recovers name's passes
        # DBOS announces a hosted console at launch; a user of recorrido has no use for it.
        logging.getLogger("dbos").setLevel(logging.WARNING)
        _drop_closed_log_handlers()
        sys_engine = _sqlite_engine(url) if url.startswith("sqlite") else None
        DBOS(
            config={
                "name": APP_NAME,
                "system_database_url": url,
                "system_database_engine": sys_engine,
                "application_version": APP_VERSION,
                "executor_id": name or LOCAL,
                # On PostgreSQL (DBOS's own engine) as on SQLite: passes in flight queue for a
                # connection instead of failing after DBOS's default 30 s.
                "db_engine_kwargs": {"pool_timeout": 600},
                "log_level": "WARNING",
                "run_admin_server": False,
            }  # type: ignore[typeddict-unknown-key]
        )
        DBOS.launch()
        queue = DBOS.register_queue(
            QUEUE, polling_interval_sec=0.5, worker_concurrency=worker_concurrency()
        )
        logging.getLogger("dbos").setLevel(logging.WARNING)
        stop = _heartbeat(store, name) if name else None
        _launched.update(url=url, name=name, stop=stop, queue=queue, engine=sys_engine)
    return Store(url)


def _sqlite_engine(url: str) -> sa.Engine:
    """DBOS's system database engine on SQLite: DBOS's own settings (IMMEDIATE transactions, a
    long busy time-out, foreign keys, its pool) plus ``synchronous=NORMAL``. Its records (steps,
    queue, messages) then survive a killed process but not a machine crash; what must never be
    lost, the outbox, commits with a full sync, which also syncs every earlier commit (one WAL).
    With a full sync on every DBOS write the feed spent 20-30 ms per pass on fsync alone."""
    engine = sa.create_engine(
        url, pool_size=20, max_overflow=0, pool_timeout=600, pool_pre_ping=True
    )

    @sa.event.listens_for(engine, "connect")
    def _settings(connection: Any, _record: Any) -> None:
        connection.isolation_level = "IMMEDIATE"
        connection.execute("PRAGMA busy_timeout=30000")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    return engine


def running() -> bool:
    """Whether DBOS runs in this process (something was published and fed)."""
    return _launched["url"] is not None


def run_as(name: str | None) -> None:
    """Make every later launch in this process register as the worker ``name`` (the server);
    None: as the unregistered ``local`` again."""
    _launched["as"] = name


def _heartbeat(store: Store, name: str) -> threading.Event:
    """Keep this worker's heartbeat fresh from a thread of its own, so a long feed or a busy
    process is not taken for dead."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(max(0.2, lease() / 6)):
            try:
                store.beat(name)
            except Exception:  # the database is away for a moment: the next beat tries again
                logging.getLogger(__name__).warning("worker heartbeat failed", exc_info=True)

    threading.Thread(target=beat, name="recorrido-heartbeat", daemon=True).start()
    return stop


def recover_dead(store: Store) -> list[str]:
    """Hand the passes of workers whose heartbeat stopped back to the queue; their names.

    Only the caller whose delete removed a dead worker's row recovers it, and DBOS re-enqueues a
    pass only while it is still PENDING on that executor, so a pass is handed over once."""
    me = _launched["name"] or LOCAL
    dead = store.take_dead_workers(lease(), me)
    if dead:
        # DBOS's own recovery entry point (what its admin server calls for a dead executor).
        DBOS._recover_pending_workflows(dead)
    return dead


def _drop_closed_log_handlers() -> None:
    """DBOS keeps the console handler it made at its first start, bound to the stderr of that
    moment. When that start ran under a redirected stderr that has closed since (a CLI runner, a
    notebook cell), the next start fails flushing it; without handlers DBOS makes a fresh one."""
    logger = logging.getLogger("dbos")
    for handler in list(logger.handlers):
        stream = getattr(handler, "stream", None)
        if stream is not None and getattr(stream, "closed", False):
            logger.removeHandler(handler)


def shutdown() -> None:
    if _launched["url"] is not None:
        if _launched["stop"] is not None:
            _launched["stop"].set()
        DBOS.destroy(destroy_registry=False)
        if _launched["name"] is not None:
            try:  # a clean stop frees the name at once (a killed worker's row ages out)
                Store(_launched["url"]).release_worker(_launched["name"])
            except Exception:
                logging.getLogger(__name__).warning("could not release the worker", exc_info=True)
        if _launched.get("engine") is not None:
            _launched["engine"].dispose()  # ours: DBOS disposes only the engines it made
        _launched.update(url=None, name=None, stop=None, queue=None, engine=None)


@cache
def definition(url: str, automation_id: str, version: int) -> tuple[Automation, dict[str, str]]:
    """A published version (immutable, so cached) and the owners of its map's touchpoints."""
    from recorrido.automations.validate import load_text
    from recorrido.journey.model import JourneyMap

    row = Store(url).version(automation_id, version)
    journey = JourneyMap.loads(row["map_source"]) if row["map_source"] else None
    automation = load_text(row["source"], f"{automation_id} v{version}", journey)
    owners = {tp.id: tp.owner for tp in journey.touchpoints if tp.owner} if journey else {}
    return automation, owners


def start_pass(p: Pass) -> None:
    """Enqueue the pass for whichever worker polls first; the same id enqueues nothing new."""
    with SetWorkflowID(p.workflow_id):
        _launched["queue"].enqueue(run_pass, p.to_dict())


def send_event(workflow_id: str, at: datetime, name: str, touchpoint: str | None, props: Any):
    message = {"at": at.isoformat(), "event": name, "touchpoint": touchpoint, "properties": props}
    DBOS.send(workflow_id, message, topic=EVENTS_TOPIC)


# -- the workflow ------------------------------------------------------------------------------


@DBOS.workflow()
def run_pass(data: dict[str, Any]) -> str:
    p = Pass.from_dict(data)
    url = str(_launched["url"])
    automation, owners = definition(url, p.automation_id, p.version)
    outcome = walk(automation, p, EngineRuntime(url, automation, owners, p))
    _finish(url, p.workflow_id, outcome.result)
    return outcome.result


class EngineRuntime:
    def __init__(self, url: str, automation: Automation, owners: dict[str, str], p: Pass):
        self.url, self.automation, self.owners, self.p = url, automation, owners, p
        self.seen: list[dict[str, Any]] = [
            {**m, "at": datetime.fromisoformat(m["at"])} for m in p.seen
        ]

    def next_event(self, watch: dict[str, tuple[Happening, datetime]], after, until):
        while True:
            hit = self._first(watch, after, until)
            if hit is not None:
                return hit
            # Not a step: on a replay recv returns what it returned before, whatever the time-out.
            remaining = (until - utcnow()).total_seconds()
            message = DBOS.recv(EVENTS_TOPIC, timeout_seconds=max(0.0, remaining))
            if message is None:
                return None
            message["at"] = datetime.fromisoformat(message["at"])
            self.seen.append(message)

    def _first(self, watch, after, until):
        best = None
        for message in self.seen:
            at = message["at"]
            if not (after < at <= until) or (best is not None and at >= best[1]):
                continue
            for label, (happening, limit) in watch.items():
                props = message.get("properties") or {}
                if at <= limit and matches(
                    happening, message["event"], message["touchpoint"], props
                ):
                    best = (label, at)
                    break
        return best

    def act(self, step: Step, key: str, at: datetime, p: Pass) -> str:
        return _act(self.url, p.to_dict(), step.id, key, at.isoformat())

    def messages_since(self, since: datetime, until: datetime) -> int:
        return _emails_since(self.url, self.p.customer_id, since.isoformat(), until.isoformat())

    def mark(self, step_id: str, state: str, at: datetime) -> None:
        # Not a DBOS step: the write is idempotent (one row per pass, step and state), so a
        # replay may repeat it, and the engine saves a write of its own per mark.
        Store(self.url).mark(self.p.workflow_id, step_id, state, at)


@DBOS.step()
def _act(url: str, data: dict[str, Any], step_id: str, key: str, at: str) -> str:
    p = Pass.from_dict(data)
    automation, owners = definition(url, p.automation_id, p.version)
    step = next(s for s in automation.all_steps() if s.id == step_id)
    owner = owners.get(step.task.touchpoint) if step.task and step.task.touchpoint else None
    return perform(Store(url), step, key, p, owner, datetime.fromisoformat(at))


@DBOS.step()
def _emails_since(url: str, customer_id: str, since: str, until: str) -> int:
    return Store(url).emails_since(
        customer_id, datetime.fromisoformat(since), datetime.fromisoformat(until)
    )


@DBOS.step()
def _finish(url: str, workflow_id: str, result: str) -> None:
    Store(url).finish_run(workflow_id, result, utcnow())
