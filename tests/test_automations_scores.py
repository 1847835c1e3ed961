"""The worker starts passes for score entries: each customer at or above the threshold in a new
scoring run enters once, a feed without a new run starts nothing, a later run starts only who is
new above it (``reentry: never``), and the dry run over the same table agrees."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from recorrido import Workspace
from recorrido.automations import engine, worker
from recorrido.automations import store as store_module
from recorrido.automations.dryrun import dry_run
from recorrido.automations.store import Store
from recorrido.automations.validate import load_automation
from recorrido.predict.scores import write_scores
from tests.test_automations_dryrun import identify, write_events
from tests.test_automations_engine import _engine_down, publish, smtp, wait_idle  # noqa: F401

CHURN = """\
id: churn
name: Churn
language: en
entry: {score: {model: churn, gte: 0.7}}
steps:
  - id: offer
    email: {subject: "Stay", body: "<p>{{ customer.name }}</p>"}
"""


def score_run(workspace: Workspace, scores: dict[str, float]) -> datetime:
    at = datetime.now(UTC)
    write_scores(
        workspace.con,
        model="churn",
        target="leave",
        version="1",
        scored_at=at,
        customers=list(scores),
        scores=list(scores.values()),
    )
    return at


def run_score_case(workspace: Workspace, tmp_path: Path, inbox) -> None:
    folder = workspace.folder
    people = "abcde"
    rows = [
        identify(c, datetime.now(UTC) - timedelta(days=1), email=f"{c}@example.org", name=c)
        for c in people
    ]
    workspace.ingest(write_events(tmp_path / "people.ndjson", rows))
    publish(folder, CHURN, "churn.yaml")
    published = Store.for_folder(folder).live()[0]["published_at"]
    # Another model's run must not start anything, nor the events fed beside the scores.
    write_scores(
        workspace.con,
        model="other",
        target="x",
        version="1",
        scored_at=datetime.now(UTC),
        customers=["e"],
        scores=[0.99],
    )
    first = score_run(workspace, {"a": 0.91, "b": 0.7, "c": 0.69, "d": 0.1})
    assert worker.feed(workspace) == 2  # a, and b exactly at the threshold
    wait_idle(folder)
    assert Counter(m["To"] for m in inbox.messages) == {"a@example.org": 1, "b@example.org": 1}

    assert worker.feed(workspace) == 0  # no new run, no new event: nothing
    assert Store.for_folder(folder).scored_until() == first

    second = score_run(workspace, {"a": 0.95, "b": 0.8, "c": 0.5, "d": 0.75})
    assert second > first
    assert worker.feed(workspace) == 1  # only d: a and b entered already (reentry: never)
    wait_idle(folder)
    sent = Counter(m["To"] for m in inbox.messages)
    assert sent == {"a@example.org": 1, "b@example.org": 1, "d@example.org": 1}
    assert [m["Subject"] for m in inbox.messages] == ["Stay"] * 3

    # The dry run reads the table as it is now (the second run: a, b, d) and agrees.
    automation = load_automation(folder / "churn.yaml")
    expected = dry_run(workspace, automation, published, datetime.now(UTC) + timedelta(1))
    assert sorted(s.customer_id for s in expected.sent) == ["a", "b", "d"]
    store = Store.for_folder(folder)
    assert sorted(r["customer_id"] for r in store.outbox_rows()) == ["a", "b", "d"]


def test_a_scoring_run_starts_passes_for_who_crossed_the_threshold(
    workspace: Workspace,
    tmp_path: Path,
    smtp,  # noqa: F811
) -> None:
    run_score_case(workspace, tmp_path, smtp[0])


def test_score_entries_on_postgresql(workspace, tmp_path, smtp, monkeypatch) -> None:  # noqa: F811
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    name = f"recorrido_scores_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE DATABASE {name}")
    monkeypatch.setenv("RECORRIDO_AUTOMATIONS_DB", f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        run_score_case(workspace, tmp_path, smtp[0])
    finally:
        engine.shutdown()
        for url in [u for u in store_module._ENGINES if name in u]:
            store_module._ENGINES.pop(url).dispose()
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def test_scores_before_publishing_do_not_enter(
    workspace: Workspace,
    tmp_path: Path,
    smtp,  # noqa: F811
) -> None:
    folder = workspace.folder
    rows = [identify("a", datetime.now(UTC), email="a@example.org", name="a")]
    workspace.ingest(write_events(tmp_path / "a.ndjson", rows))
    score_run(workspace, {"a": 0.9})
    publish(folder, CHURN.replace("gte: 0.7", "gte: 0.5"), "churn.yaml")
    assert worker.feed(workspace) == 0
    score_run(workspace, {"a": 0.9})
    assert worker.feed(workspace) == 1
    wait_idle(folder)
    assert [m["To"] for m in smtp[0].messages] == ["a@example.org"]
