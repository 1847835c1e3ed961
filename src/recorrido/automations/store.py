"""The automations' records: publishing, passes, marks, the outbox, traits and workers.

``DIR/automations.sqlite`` by default (``RECORRIDO_AUTOMATIONS_DB`` names a PostgreSQL URL for
several workers). The tables and what each holds: :mod:`recorrido.automations.tables`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from recorrido.automations.tables import (
    automations,
    marks,
    meta,
    outbox,
    runs,
    traits,
    versions,
    watermark,
    workers,
)
from recorrido.errors import RecorridoError

DB_FILE = "automations.sqlite"
ENV_URL = "RECORRIDO_AUTOMATIONS_DB"
#: The advisory lock key of the feed on PostgreSQL (any fixed number; this one spells "feed").
FEED_LOCK = 0x66656564


SCORES_MARK = "predictions"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(value: datetime) -> int:
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return (aware - EPOCH) // timedelta(microseconds=1)


def database_url(folder: str | Path) -> str:
    return os.environ.get(ENV_URL) or f"sqlite:///{Path(folder).resolve() / DB_FILE}"


def exists(folder: str | Path) -> bool:
    """Whether this workspace has automation records at all (nothing was ever published if not)."""
    url = database_url(folder)
    return not url.startswith("sqlite") or Path(url.removeprefix("sqlite:///")).exists()


def utcnow() -> datetime:
    return datetime.now(UTC)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _aware(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every stored instant is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


_ENGINES: dict[str, sa.Engine] = {}
_FAST: dict[str, sa.Engine] = {}
_BEAT: dict[str, sa.Engine] = {}


#: Every pass in flight is a thread that writes marks: they queue for a connection rather than
#: fail (a pass whose write fails stops), and SQLite takes one writer at a time anyway.
_POOL = {"pool_size": 8, "max_overflow": 8, "pool_timeout": 600}


def _sqlite_engine(url: str, synchronous: str) -> sa.Engine:
    engine = sa.create_engine(url, connect_args={"timeout": 60}, **_POOL)

    @sa.event.listens_for(engine, "connect")
    def _settings(connection, _record):  # WAL: readers never wait for the writer
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={synchronous}")

    return engine


class Store:
    """The records. On SQLite two engines share the file: ``engine`` commits with a full sync
    (the outbox, traits and the watermark: what exactly-once rests on) and ``fast`` with
    ``synchronous=NORMAL`` (marks, run rows, outcomes: figures). In WAL mode a NORMAL commit
    survives a killed process and can only be lost with the machine; and since the WAL is one
    sequence, every full-sync commit makes all commits before it durable too."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("postgresql://"):  # DBOS's form; SQLAlchemy is told the driver
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        if url not in _ENGINES:
            if url.startswith("sqlite"):
                engine = _sqlite_engine(url, "FULL")
                _FAST[url] = _sqlite_engine(url, "NORMAL")
            else:
                engine = sa.create_engine(url, **_POOL)
                _FAST[url] = engine
            meta.create_all(engine)
            _ENGINES[url] = engine
        self.engine = _ENGINES[url]
        self.fast = _FAST[url]

    @classmethod
    def for_folder(cls, folder: str | Path) -> Store:
        """The records of the workspace in ``folder`` (which must be a workspace)."""
        from recorrido.settings import SETTINGS_FILE

        if not (Path(folder) / SETTINGS_FILE).exists():
            raise RecorridoError("workspace_missing", path=str(folder))
        return cls(database_url(folder))

    # -- versions ----------------------------------------------------------------------------
    def publish(self, automation: Any, file: Path, journey: Any) -> int:
        """A new version when the file's content changed; the live one otherwise."""
        source = Path(file).read_text(encoding="utf-8")
        map_source = journey.dumps() if journey is not None else None
        with self.engine.begin() as db:
            latest = db.execute(
                sa.select(versions.c.version, versions.c.source, versions.c.map_source)
                .where(versions.c.automation == automation.id)
                .order_by(versions.c.version.desc())
                .limit(1)
            ).first()
            if latest is not None and (latest.source, latest.map_source) == (source, map_source):
                return int(latest.version)
            version = 1 if latest is None else int(latest.version) + 1
            db.execute(
                versions.insert().values(
                    automation=automation.id,
                    version=version,
                    source=source,
                    map_source=map_source,
                    published_at=utcnow(),
                )
            )
            exists = db.execute(
                sa.select(automations.c.automation).where(automations.c.automation == automation.id)
            ).first()
            if exists:
                db.execute(
                    automations.update()
                    .where(automations.c.automation == automation.id)
                    .values(live_version=version)
                )
            else:
                db.execute(
                    automations.insert().values(
                        automation=automation.id, live_version=version, paused=False
                    )
                )
        return version

    def set_paused(self, automation_id: str, paused: bool) -> None:
        with self.engine.begin() as db:
            changed = db.execute(
                automations.update()
                .where(automations.c.automation == automation_id)
                .values(paused=paused)
            ).rowcount
        if not changed:
            raise RecorridoError("automations_not_published", id=automation_id)

    def live(self) -> list[dict[str, Any]]:
        """The live version of every automation that is not paused."""
        query = (
            sa.select(versions)
            .join(
                automations,
                (automations.c.automation == versions.c.automation)
                & (automations.c.live_version == versions.c.version),
            )
            .where(automations.c.paused.is_(False))
        )
        with self.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [{**r, "published_at": _aware(r["published_at"])} for r in rows]

    def version(self, automation_id: str, version: int) -> dict[str, Any]:
        with self.engine.connect() as db:
            row = (
                db.execute(
                    sa.select(versions).where(
                        (versions.c.automation == automation_id) & (versions.c.version == version)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise RecorridoError("automations_not_published", id=automation_id)
        return dict(row)

    def listing(self) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(
                    automations.c.automation,
                    automations.c.live_version,
                    automations.c.paused,
                    versions.c.published_at,
                ).join(
                    versions,
                    (automations.c.automation == versions.c.automation)
                    & (automations.c.live_version == versions.c.version),
                )
            ).all()
            counts = dict(
                db.execute(
                    sa.select(runs.c.automation, sa.func.count()).group_by(runs.c.automation)
                ).all()
            )
        return [
            {
                "automation": r.automation,
                "version": r.live_version,
                "state": "paused" if r.paused else "live",
                "passes": counts.get(r.automation, 0),
                "published_at": _aware(r.published_at),
            }
            for r in rows
        ]

    # -- watermark ---------------------------------------------------------------------------
    def watermark(self, name: str = "events") -> int:
        with self.engine.connect() as db:
            value = db.execute(
                sa.select(watermark.c.value).where(watermark.c.name == name)
            ).scalar()
        return -1 if value is None else int(value)

    def set_watermark(self, value: int, name: str = "events", was: int | None = None) -> bool:
        """Move the watermark; with ``was``, only from that value (False when another feed moved
        it first: its feed covered these events too, and the mark never goes back)."""
        with self.engine.begin() as db:
            # Never backwards: a slower feed that read an older mark must not undo a newer one.
            query = watermark.update().where(watermark.c.name == name, watermark.c.value <= value)
            if was is not None and was >= 0:
                query = query.where(watermark.c.value == was)
            if db.execute(query.values(value=value)).rowcount:
                return True
            try:
                with db.begin_nested():
                    db.execute(watermark.insert().values(name=name, value=value))
            except sa.exc.IntegrityError:
                return False
        return True

    def scored_until(self) -> datetime | None:
        """The newest ``scored_at`` of the predictions table the feed has read (UTC)."""
        value = self.watermark(SCORES_MARK)
        return None if value < 0 else EPOCH + timedelta(microseconds=value)

    def set_scored_until(self, value: datetime, was: datetime | None = None) -> bool:
        """Move the scores watermark, as :meth:`set_watermark` (kept in microseconds)."""
        return self.set_watermark(
            _micros(value), SCORES_MARK, was=None if was is None else _micros(was)
        )

    @contextmanager
    def feeding(self) -> Iterator[bool]:
        """Whether this process may feed now. On PostgreSQL one feed runs at a time across every
        worker (a session advisory lock, let go when the feed ends or the process dies); a
        SQLite file has one worker."""
        if self.engine.dialect.name != "postgresql":
            yield True
            return
        with self.engine.connect() as db:
            got = bool(
                db.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": FEED_LOCK}).scalar()
            )
            db.commit()
            try:
                yield got
            finally:
                if got:
                    db.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": FEED_LOCK})
                    db.commit()

    # -- workers -----------------------------------------------------------------------------
    def claim_worker(self, name: str, lease: float) -> None:
        """Register this process as the worker ``name`` (its DBOS executor id), refusing when a
        live process holds the name: two executors with one id would recover each other's passes
        while they run. A holder is dead when its heartbeat is older than ``lease`` or, on this
        host, when its process is gone (a worker killed and restarted at once takes over)."""
        import socket

        host, pid, now = socket.gethostname(), os.getpid(), utcnow()
        with self.engine.begin() as db:
            row = db.execute(sa.select(workers).where(workers.c.executor_id == name)).first()
            if row is not None and row.pid != pid:
                age = (now - _aware(row.seen_at)).total_seconds()
                alive = age < lease and (row.host != host or _process_alive(row.pid))
                if alive:
                    raise RecorridoError(
                        "automations_worker_busy",
                        name=name,
                        pid=row.pid,
                        host=row.host,
                        seconds=round(age),
                    )
            values = {"host": host, "pid": pid, "seen_at": now}
            if row is None:
                db.execute(workers.insert().values(executor_id=name, **values))
            else:
                db.execute(workers.update().where(workers.c.executor_id == name).values(**values))

    def beat(self, name: str) -> None:
        # A connection of its own: a heartbeat queued behind busy passes would look like death.
        if self.url not in _BEAT:
            args = {"timeout": 60} if self.url.startswith("sqlite") else {}
            _BEAT[self.url] = sa.create_engine(
                self.engine.url, poolclass=sa.pool.NullPool, connect_args=args
            )
        with _BEAT[self.url].begin() as db:
            db.execute(
                workers.update()
                .where((workers.c.executor_id == name) & (workers.c.pid == os.getpid()))
                .values(seen_at=utcnow())
            )

    def release_worker(self, name: str) -> None:
        with self.engine.begin() as db:
            db.execute(
                workers.delete().where(
                    (workers.c.executor_id == name) & (workers.c.pid == os.getpid())
                )
            )

    def take_dead_workers(self, lease: float, me: str) -> list[str]:
        """The workers whose heartbeat stopped more than ``lease`` ago, each removed by exactly
        one caller (the delete decides): that caller recovers its passes."""
        limit = utcnow() - timedelta(seconds=lease)
        with self.engine.connect() as db:
            names = [
                r[0]
                for r in db.execute(
                    sa.select(workers.c.executor_id).where(
                        (workers.c.seen_at < limit) & (workers.c.executor_id != me)
                    )
                )
            ]
        taken = []
        for name in names:
            with self.engine.begin() as db:
                gone = db.execute(
                    workers.delete().where(
                        (workers.c.executor_id == name) & (workers.c.seen_at < limit)
                    )
                ).rowcount
            if gone:
                taken.append(name)
        return taken

    # -- runs --------------------------------------------------------------------------------
    def add_run(self, row: dict[str, Any]) -> bool:
        """Record a pass; False when it was already there (the same workflow id)."""
        with self.fast.begin() as db:
            try:
                with db.begin_nested():
                    db.execute(runs.insert().values(**row))
            except sa.exc.IntegrityError:
                return False
        return True

    def add_runs(self, rows: list[dict[str, Any]]) -> int:
        """Record many passes in one transaction; how many were new."""
        if not rows:
            return 0
        ids = [r["workflow_id"] for r in rows]
        try:
            with self.fast.begin() as db:
                known: set[str] = set()
                for start in range(0, len(ids), 5000):  # bounded IN lists
                    chunk = ids[start : start + 5000]
                    known.update(
                        r[0]
                        for r in db.execute(
                            sa.select(runs.c.workflow_id).where(runs.c.workflow_id.in_(chunk))
                        )
                    )
                fresh = [r for r in rows if r["workflow_id"] not in known]
                if fresh:
                    db.execute(runs.insert(), fresh)
            return len(fresh)
        except sa.exc.IntegrityError:  # a row came in between: one by one, the slow way
            return sum(self.add_run(row) for row in rows)

    def running(self, customers: list[str]) -> list[dict[str, Any]]:
        if not customers:
            return []
        with self.engine.connect() as db:
            rows = (
                db.execute(sa.select(runs).where(runs.c.customer_id.in_(customers)))
                .mappings()
                .all()
            )
        return [
            {**r, "entered_at": _aware(r["entered_at"]), "goal_at": _aware(r["goal_at"])}
            for r in rows
        ]

    def last_entry(self, automation_id: str, customer_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as db:
            row = (
                db.execute(
                    sa.select(runs)
                    .where(
                        (runs.c.automation == automation_id) & (runs.c.customer_id == customer_id)
                    )
                    .order_by(runs.c.entered_at.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return None if row is None else {**row, "entered_at": _aware(row["entered_at"])}

    def set_goal(self, workflow_id: str, at: datetime) -> None:
        with self.fast.begin() as db:
            db.execute(
                runs.update()
                .where((runs.c.workflow_id == workflow_id) & runs.c.goal_at.is_(None))
                .values(goal_at=at)
            )

    def finish_run(self, workflow_id: str, status: str, at: datetime) -> None:
        with self.fast.begin() as db:
            db.execute(
                runs.update()
                .where(runs.c.workflow_id == workflow_id)
                .values(status=status, finished_at=at)
            )

    def mark(self, workflow_id: str, step: str, state: str, at: datetime) -> None:
        with self.fast.begin() as db:
            exists = db.execute(
                sa.select(marks.c.at).where(
                    (marks.c.workflow_id == workflow_id)
                    & (marks.c.step == step)
                    & (marks.c.state == state)
                )
            ).first()
            if exists is None:
                db.execute(
                    marks.insert().values(workflow_id=workflow_id, step=step, state=state, at=at)
                )

    # -- outbox ------------------------------------------------------------------------------
    def outbox_row(self, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(outbox).where(outbox.c.key == key)).mappings().first()
        return None if row is None else dict(row)

    def outbox_insert(self, row: dict[str, Any]) -> bool:
        with self.engine.begin() as db:
            try:
                with db.begin_nested():
                    db.execute(outbox.insert().values(created_at=utcnow(), attempts=0, **row))
            except sa.exc.IntegrityError:
                return False
        return True

    def outbox_update(self, key: str, **values: Any) -> None:
        with self.engine.begin() as db:
            db.execute(outbox.update().where(outbox.c.key == key).values(**values))

    # -- traits ------------------------------------------------------------------------------
    def apply_trait(self, key: str, row: dict[str, Any]) -> None:
        """Set a customer's trait and mark its outbox row ``updated``, in one transaction (a
        replay finds the row updated and writes nothing). The latest instant wins: a pass that
        runs late does not undo what a later one set."""
        import json

        value = json.dumps(row["value"])
        with self.engine.begin() as db:
            current = db.execute(
                sa.select(traits.c.set_at).where(
                    (traits.c.customer_id == row["customer_id"]) & (traits.c.name == row["name"])
                )
            ).scalar()
            values = {**row, "value": value}
            if current is None:
                db.execute(traits.insert().values(**values))
            elif _aware(current) <= row["set_at"]:
                db.execute(
                    traits.update()
                    .where(
                        (traits.c.customer_id == row["customer_id"])
                        & (traits.c.name == row["name"])
                    )
                    .values(**values)
                )
            db.execute(
                outbox.update()
                .where(outbox.c.key == key)
                .values(status="updated", sent_at=utcnow())
            )

    def traits_of(self, customers: list[str]) -> dict[str, dict[str, Any]]:
        """The traits automations set, per customer: {customer: {name: value}}."""
        import json

        found: dict[str, dict[str, Any]] = {}
        if not customers:
            return found
        with self.engine.connect() as db:
            for start in range(0, len(customers), 5000):  # bounded IN lists
                chunk = customers[start : start + 5000]
                rows = db.execute(
                    sa.select(traits.c.customer_id, traits.c.name, traits.c.value).where(
                        traits.c.customer_id.in_(chunk)
                    )
                ).all()
                for customer_id, name, value in rows:
                    found.setdefault(customer_id, {})[name] = json.loads(value)
        return found

    def emails_since(self, customer_id: str, since: datetime, until: datetime) -> int:
        """E-mails sent (or being sent) to a customer in (since, until], all automations."""
        with self.engine.connect() as db:
            return int(
                db.execute(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(
                        (outbox.c.customer_id == customer_id)
                        & (outbox.c.kind == "email")
                        & (outbox.c.status.in_(["sent", "sending", "committing", "unknown"]))
                        & (outbox.c.at > since)
                        & (outbox.c.at <= until)
                    )
                ).scalar()
            )

    def outbox_rows(self, kind: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(outbox)
        if kind is not None:
            query = query.where(outbox.c.kind == kind)
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(query).mappings().all()]

    # -- figures -----------------------------------------------------------------------------
    def status(self, automation_id: str) -> dict[str, Any]:
        from recorrido.analytics.intervals import diff_interval
        from recorrido.automations.step_figures import step_figures

        with self.engine.connect() as db:
            run_rows = (
                db.execute(sa.select(runs).where(runs.c.automation == automation_id))
                .mappings()
                .all()
            )
            mark_rows = db.execute(
                sa.select(
                    runs.c.version,
                    marks.c.step,
                    marks.c.state,
                    sa.func.count(),
                    sa.func.min(marks.c.at),
                )
                .join(runs, runs.c.workflow_id == marks.c.workflow_id)
                .where(runs.c.automation == automation_id)
                .group_by(runs.c.version, marks.c.step, marks.c.state)
            ).all()
        if not run_rows and not self._published(automation_id):
            raise RecorridoError("automations_not_published", id=automation_id)
        table: dict[tuple[int, str], dict[str, int]] = {}
        for version, step, state, count, _at in mark_rows:
            table.setdefault((version, step), {})[state] = int(count)
        steps = []
        positions = {v: self._step_order(automation_id, v) for v, _ in table}
        # In the file's order (branches where they stand), per version.
        order = sorted(table, key=lambda k: (k[0], positions[k[0]].get(k[1], 1 << 30)))
        for version, step in order:
            figures = step_figures(table[(version, step)])
            figures.pop("sent")  # the store counts what was sent in its outbox, not per mark
            steps.append({"version": version, "step": step, **figures})
        outcomes: dict[str, int] = {}
        groups = {True: [0, 0], False: [0, 0]}
        for r in run_rows:
            outcomes[r["status"]] = outcomes.get(r["status"], 0) + 1
            groups[bool(r["holdout"])][0] += 1
            groups[bool(r["holdout"])][1] += int(r["goal_at"] is not None)
        (n1, k1), (n0, k0) = groups[False], groups[True]
        lift = None
        if n1 and n0:
            low, high = diff_interval(k1, n1, k0, n0)
            lift = {"difference": k1 / n1 - k0 / n0, "interval": [low, high]}
        return {
            "automation": automation_id,
            "passes": len(run_rows),
            "outcomes": outcomes,
            "steps": steps,
            "goal": {"treated": [k1, n1], "holdout": [k0, n0]},
            "lift": lift,
        }

    def _step_order(self, automation_id: str, version: int) -> dict[str, int]:
        from recorrido.automations.validate import load_text

        try:
            automation = load_text(self.version(automation_id, version)["source"])
        except RecorridoError:
            return {}
        return {step.id: index for index, step in enumerate(automation.all_steps())}

    def _published(self, automation_id: str) -> bool:
        with self.engine.connect() as db:
            return (
                db.execute(
                    sa.select(automations.c.automation).where(
                        automations.c.automation == automation_id
                    )
                ).first()
                is not None
            )
