"""The automations' own tables, beside DBOS's in the same database (all prefixed ``recorrido_``).

- ``automations`` / ``versions``: what is published, each version's file and map text, paused
  or not;
- ``runs``: one row per pass (the workflow id is its key), its outcome and when the goal came;
- ``marks``: a pass reaching a state at a step (entered, proceeded, goal, exit, branch:...);
- ``outbox``: every action, keyed by its idempotency key and written *before* it is attempted;
- ``watermark``: how far the feed has read the workspace's events (``source_order``) and its
  ``predictions`` table (``scored_at``, in microseconds since 1970 UTC);
- ``traits``: customer traits set by ``update_trait`` actions, the latest value per customer and
  name. They live here, not in DuckDB: the worker only reads the workspace (ingest may be writing
  it) and ingest rebuilds ``customers`` from identify calls, which would lose them. The profile
  automations read (:func:`recorrido.automations.selection.profiles`) lays them over the traits
  of the last identify call;
- ``workers``: one row per running ``recorrido worker`` (its DBOS executor id, host, process and
  heartbeat), so several workers on one PostgreSQL database can tell a live peer from a dead one.
"""

from __future__ import annotations

import sqlalchemy as sa

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
traits = sa.Table(
    "recorrido_traits",
    meta,
    sa.Column("customer_id", sa.String, primary_key=True),
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON: the value keeps its type
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),  # the pass's instant
    sa.Column("automation", sa.String, nullable=False),
    sa.Column("key", sa.String, nullable=False),  # the outbox row (idempotency key) that set it
)
workers = sa.Table(
    "recorrido_workers",
    meta,
    sa.Column("executor_id", sa.String, primary_key=True),
    sa.Column("host", sa.String, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
)
watermark = sa.Table(
    "recorrido_watermark",
    meta,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)
