"""The durable engine: each pass is one DBOS workflow; each action, mark and clock reading a step.

The workflow id is the pass id (automation, version, customer, entry key), so starting a pass twice
returns the first run. Waits are ``DBOS.recv`` with a time-out: the feed sends a pass the events it
watches (goal, exits, waited-for events), so a wait ends early when the goal comes and a "wait for
event" takes its branch as soon as the event is stored; with no message it sleeps durably until its
deadline. After a crash, DBOS resumes every pending workflow from its last completed step.

The engine keeps its state in ``DIR/automations.sqlite`` (or ``RECORRIDO_AUTOMATIONS_DB``,
PostgreSQL for several workers). The application version is fixed so that a restarted worker
recovers the passes of the one before it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from dbos import DBOS, SetWorkflowID

from recorrido.automations.actions import perform
from recorrido.automations.model import Automation, Happening, Step
from recorrido.automations.runner import Pass, matches, walk
from recorrido.automations.store import Store, database_url, utcnow

APP_NAME = "recorrido_automations"
APP_VERSION = "recorrido-automations-1"
EVENTS_TOPIC = "events"

_launched: dict[str, Any] = {"url": None}


def launch(folder: str | Path) -> Store:
    """Start DBOS for this workspace's engine database (once per process)."""
    url = database_url(folder)
    if _launched["url"] != url:
        if _launched["url"] is not None:
            DBOS.destroy(destroy_registry=False)
        # DBOS announces a hosted console at launch; a user of recorrido has no use for it.
        logging.getLogger("dbos").setLevel(logging.WARNING)
        _drop_closed_log_handlers()
        DBOS(
            config={
                "name": APP_NAME,
                "system_database_url": url,
                "application_version": APP_VERSION,
                "log_level": "WARNING",
                "run_admin_server": False,
            }  # type: ignore[typeddict-unknown-key]
        )
        DBOS.launch()
        logging.getLogger("dbos").setLevel(logging.WARNING)
        _launched["url"] = url
    return Store(url)


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
        DBOS.destroy(destroy_registry=False)
        _launched["url"] = None


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
    with SetWorkflowID(p.workflow_id):
        DBOS.start_workflow(run_pass, p.to_dict())


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
