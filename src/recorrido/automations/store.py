"""The automations' own records, beside DBOS's in the same database.

``DIR/automations.sqlite`` by default (``RECORRIDO_AUTOMATIONS_DB`` names a PostgreSQL URL for
several workers). Tables, all prefixed ``recorrido_``:

- ``automations`` / ``versions``: what is published, each version's file and map text, paused
  or not;
- ``runs``: one row per pass (the workflow id is its key), its outcome and when the goal came;
- ``marks``: a pass reaching a state at a step (entered, proceeded, goal, exit, branch:...);
- ``outbox``: every action, keyed by its idempotency key and written *before* it is attempted;
- ``watermark``: how far the feed has read the workspace's events.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from recorrido.errors import RecorridoError

DB_FILE = "automations.sqlite"
ENV_URL = "RECORRIDO_AUTOMATIONS_DB"

meta = sa.MetaData()
automations = sa.Table(
    "recorrido_automations",
    meta,
    sa.Column("automation", sa.String, primary_key=True),
    sa.Column("live_version", sa.Integer, nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
)
versions = sa.Table(
    "recorrido_versions",
    meta,
    sa.Column("automation", sa.String, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("map_source", sa.Text),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
)
runs = sa.Table(
    "recorrido_runs",
    meta,
    sa.Column("workflow_id", sa.String, primary_key=True),
    sa.Column("automation", sa.String, nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False, index=True),
    sa.Column("entry_key", sa.String, nullable=False),
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("holdout", sa.Boolean, nullable=False, default=False),
    sa.Column("status", sa.String, nullable=False, default="running"),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("goal_at", sa.DateTime(timezone=True)),
)
marks = sa.Table(
    "recorrido_marks",
    meta,
    sa.Column("workflow_id", sa.String, primary_key=True),
    sa.Column("step", sa.String, primary_key=True),
    sa.Column("state", sa.String, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
outbox = sa.Table(
    "recorrido_outbox",
    meta,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("workflow_id", sa.String, nullable=False),
    sa.Column("automation", sa.String, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False, index=True),
    sa.Column("step", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("owner", sa.String),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("detail", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),  # the pass's (logical) instant
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
)
watermark = sa.Table(
    "recorrido_watermark",
    meta,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


def database_url(folder: str | Path) -> str:
    return os.environ.get(ENV_URL) or f"sqlite:///{Path(folder).resolve() / DB_FILE}"


def exists(folder: str | Path) -> bool:
    """Whether this workspace has automation records at all (nothing was ever published if not)."""
    url = database_url(folder)
    return not url.startswith("sqlite") or Path(url.removeprefix("sqlite:///")).exists()


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every stored instant is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


_ENGINES: dict[str, sa.Engine] = {}


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("postgresql://"):  # DBOS's form; SQLAlchemy is told the driver
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        if url not in _ENGINES:
            args = {"timeout": 60} if url.startswith("sqlite") else {}
            engine = sa.create_engine(url, connect_args=args)
            if url.startswith("sqlite"):

                @sa.event.listens_for(engine, "connect")
                def _wal(connection, _record):  # readers never wait for the writer
                    connection.execute("PRAGMA journal_mode=WAL")

            meta.create_all(engine)
            _ENGINES[url] = engine
        self.engine = _ENGINES[url]

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

    def set_watermark(self, value: int, name: str = "events") -> None:
        with self.engine.begin() as db:
            if (
                db.execute(
                    watermark.update().where(watermark.c.name == name).values(value=value)
                ).rowcount
                == 0
            ):
                db.execute(watermark.insert().values(name=name, value=value))

    # -- runs --------------------------------------------------------------------------------
    def add_run(self, row: dict[str, Any]) -> bool:
        """Record a pass; False when it was already there (the same workflow id)."""
        with self.engine.begin() as db:
            try:
                with db.begin_nested():
                    db.execute(runs.insert().values(**row))
            except sa.exc.IntegrityError:
                return False
        return True

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
        with self.engine.begin() as db:
            db.execute(
                runs.update()
                .where((runs.c.workflow_id == workflow_id) & runs.c.goal_at.is_(None))
                .values(goal_at=at)
            )

    def finish_run(self, workflow_id: str, status: str, at: datetime) -> None:
        with self.engine.begin() as db:
            db.execute(
                runs.update()
                .where(runs.c.workflow_id == workflow_id)
                .values(status=status, finished_at=at)
            )

    def mark(self, workflow_id: str, step: str, state: str, at: datetime) -> None:
        with self.engine.begin() as db:
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
            c = table[(version, step)]
            ended = (
                c.get("proceeded", 0) + c.get("exit", 0) + c.get("goal", 0) + c.get("holdout", 0)
            )
            steps.append(
                {
                    "version": version,
                    "step": step,
                    "entered": c.get("entered", 0),
                    "waiting": max(0, c.get("entered", 0) - ended),
                    "proceeded": c.get("proceeded", 0),
                    "exited": c.get("exit", 0) + c.get("holdout", 0),
                    "goal": c.get("goal", 0),
                    "branches": {k[7:]: v for k, v in c.items() if k.startswith("branch:")},
                }
            )
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
