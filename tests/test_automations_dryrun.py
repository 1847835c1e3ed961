"""The dry run over stored history: entries, branches, goal and exit, quiet hours, caps, re-entry,
messages per day, how the entrants fared; and the bundled templates over the bundled OTTO data."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.automations.dryrun import dry_run, parse_day
from recorrido.automations.templates import template_text
from recorrido.automations.validate import load_text
from recorrido.cli import app
from recorrido.demo import bundled
from recorrido.journey.templates import template_text as map_text

CART = """\
id: cart
name: Cart reminder
language: en
entry: {event: carts}
goal: {event: orders, within: 2d}
exit:
  - event: unsubscribe
quiet_hours: {start: "21:00", end: "09:00"}
frequency_cap: {messages: 1, per: 1d}
steps:
  - id: wait-order
    wait_for:
      event: orders
      timeout: 4h
      on_timeout:
        - id: reminder
          email: {subject: "Your cart", body: "<p>{{ customer.name }}</p>"}
  - id: later
    wait: 1h
  - id: second
    email: {subject: "Still there", body: "<p>again</p>"}
"""

DAY = datetime(2026, 1, 5, tzinfo=UTC)


def write_events(path: Path, rows: list[dict]) -> Path:
    lines = []
    for number, row in enumerate(rows):
        row = {"event_id": f"e{path.stem}{number}", **row}
        row["timestamp"] = row["timestamp"].isoformat()
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def identify(customer: str, at: datetime, **traits) -> dict:
    return {"customer_id": customer, "timestamp": at, "event": "identify", **traits}


def event(customer: str, name: str, at: datetime, **props) -> dict:
    return {"customer_id": customer, "timestamp": at, "event": name, **props}


def cart_history() -> list[dict]:
    h = timedelta(hours=1)
    rows = [identify(c, DAY, email=f"{c}@example.org", name=c.upper()) for c in "abcdef"]
    rows += [
        event("a", "carts", DAY + 10 * h),
        event("a", "orders", DAY + 11 * h),  # goal during the wait: nothing sent
        event("b", "carts", DAY + 10 * h),  # reminder at 14:00, the second one capped
        event("c", "carts", DAY + 19 * h),  # timeout at 23:00, quiet until 09:00 next day
        event("d", "carts", DAY + 10 * h),
        event("d", "orders", DAY + 60 * h),  # too late for the goal window (2 days)
        event("e", "carts", DAY + 10 * h),
        event("e", "carts", DAY + 12 * h),  # re-entry: never, so one pass
        event("f", "carts", DAY + 10 * h),
        event("f", "unsubscribe", DAY + 14.5 * h),  # exit before the second e-mail
    ]
    return rows


def test_dry_run_counts_every_step(workspace: Workspace, tmp_path: Path) -> None:
    workspace.ingest(write_events(tmp_path / "cart.ndjson", cart_history()))
    automation = load_text(CART)
    result = dry_run(workspace, automation, DAY, DAY + timedelta(days=7))
    assert result.passes == 6 and result.customers == 6
    assert result.outcomes == {"goal": 1, "completed": 4, "exit": 1}
    assert result.steps["wait-order"] == {
        "entered": 6,
        "goal": 1,
        "branch:timeout": 5,
        "proceeded": 5,
    }
    assert result.steps["reminder"]["sent"] == 5
    assert result.quiet_deferrals == 1
    assert result.cap_hits == 4  # b, c, d, e: their second e-mail within a day of the first
    assert result.steps["later"].get("exit") == 1  # f unsubscribed during the hour
    assert result.messages_per_day == {"2026-01-05": 4, "2026-01-06": 1}
    deferred = [s for s in result.sent if s.customer_id == "c"]
    assert [s.at for s in deferred] == [datetime(2026, 1, 6, 9, tzinfo=UTC)]
    # How they fared: a reached the goal within 2 days, d ordered too late.
    assert result.fared["treated"]["passes"] == 6 and result.fared["treated"]["goal"] == 1


def test_quiet_hours_follow_the_customers_zone(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        identify("ny", DAY, email="ny@example.org", timezone="America/New_York"),
        event("ny", "carts", DAY + timedelta(hours=19)),  # 23:00 UTC is 18:00 in New York
    ]
    workspace.ingest(write_events(tmp_path / "ny.ndjson", rows))
    result = dry_run(workspace, load_text(CART), DAY, DAY + timedelta(days=7))
    assert result.quiet_deferrals == 0
    assert result.sent[0].at == DAY + timedelta(hours=23)


def test_reentry_always_waits_for_the_gap(workspace: Workspace, tmp_path: Path) -> None:
    text = CART.replace(
        "entry: {event: carts}", "entry: {event: carts, reentry: always, reentry_after: 3d}"
    )
    rows = [event("x", "carts", DAY + timedelta(days=d)) for d in (0, 1, 3, 4, 8)]
    workspace.ingest(write_events(tmp_path / "re.ndjson", rows))
    result = dry_run(workspace, load_text(text), DAY, DAY + timedelta(days=30))
    assert result.passes == 3  # days 0, 3 and 8
    assert result.reentry_skipped == 2


def _otto_workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "otto"
    with (
        Workspace.init(folder, language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    (folder / "journey-map.yaml").write_text(map_text("ecommerce", "en"), encoding="utf-8")
    return folder


def test_templates_over_the_bundled_otto_sample(tmp_path: Path) -> None:
    folder = _otto_workspace(tmp_path)
    runner = CliRunner()
    results = {}
    for name in ("abandoned-cart", "assisted-call"):
        file = folder / f"{name}.yaml"
        file.write_text(template_text(name, "en"), encoding="utf-8")
        args = ["automations", "dry-run", str(file), "-w", str(folder), "--json"]
        outcome = runner.invoke(app, [*args, "--from", "2022-07-01", "--to", "2022-09-30"])
        assert outcome.exit_code == 0, outcome.output
        results[name] = json.loads(outcome.stdout)
    # Independent count of the assisted-call passes: carts at least 14 days apart per customer
    # (a pass lasts at most a day, so only the gap refuses entries).
    with Workspace.open(folder, read_only=True) as ws:
        carts = ws.con.sql("select customer_id, timestamp from events where event = 'carts'")
        frame = carts.to_pandas().sort_values(["customer_id", "timestamp"])
    accepted: dict[str, list] = defaultdict(list)
    for customer, at in zip(frame.customer_id, frame.timestamp, strict=True):
        if not accepted[customer] or at >= accepted[customer][-1] + timedelta(days=14):
            accepted[customer].append(at)
    expected = sum(len(v) for v in accepted.values())
    call = results["assisted-call"]
    assert call["passes"] == expected
    assert call["passes"] + call["reentry_skipped"] == len(frame)
    timeouts = call["steps"]["wait-order"].get("branch:timeout", 0)
    assert call["actions"] == ({"task": timeouts} if timeouts else {})
    cart = results["abandoned-cart"]
    assert sum(cart["messages_per_day"].values()) == cart["actions"]["email"]
    assert cart["steps"]["holdout"]["entered"] == cart["passes"]


def test_cli_dry_run_table_and_errors(tmp_path: Path) -> None:
    folder = _otto_workspace(tmp_path)
    file = folder / "cart.yaml"
    file.write_text(template_text("abandoned-cart", "es"), encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(
        app, ["--lang", "en", "automations", "dry-run", str(file), "-w", str(folder)]
    )
    assert shown.exit_code == 0, shown.output
    assert "abandoned-cart" in shown.stdout and "holdout" in shown.stdout
    assert "console.dbos.dev" not in shown.output
    bad = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "automations",
            "dry-run",
            str(file),
            "-w",
            str(folder),
            "--from",
            "yesterday",
            "--to",
            "2022-01-01",
        ],
    )
    assert bad.exit_code == 1 and "is not a date" in bad.output
    assert parse_day("2022-08-01", end=True) == datetime(2022, 8, 2, tzinfo=UTC)


MADRID = """\
id: madrid
name: Madrid
language: es
entry: {event: signup}
quiet_hours: {start: "21:00", end: "09:00"}
steps:
  - id: welcome
    email: {subject: Hola, body: "<p>hola</p>"}
  - id: monday
    wait_until: {time: "10:00", days: [mon]}
  - id: tips
    email: {subject: Consejos, body: "<p>consejos</p>"}
"""


def test_quiet_hours_and_local_waits_across_the_madrid_dst_change(workspace, tmp_path) -> None:
    # Saturday 28 March 2026, 21:30 in Madrid (CET, 20:30 UTC); clocks go forward that night.
    entry = datetime(2026, 3, 28, 20, 30, tzinfo=UTC)
    rows = [
        identify("m", entry - timedelta(hours=1), timezone="Europe/Madrid"),
        event("m", "signup", entry),
    ]
    workspace.ingest(write_events(tmp_path / "madrid.ndjson", rows))
    result = dry_run(workspace, load_text(MADRID), entry - timedelta(days=1), entry + timedelta(1))
    sent = {s.step: s.at for s in result.sent}
    assert sent["welcome"] == datetime(2026, 3, 29, 7, tzinfo=UTC)  # 09:00 CEST, after the change
    assert sent["tips"] == datetime(2026, 3, 30, 8, tzinfo=UTC)  # Monday 10:00 CEST
    assert result.quiet_deferrals == 1


SCORE = """\
id: churn
name: Churn
language: en
entry: {score: {model: churn, gte: 0.7}}
steps:
  - id: how-bad
    split:
      condition: {score: churn, gte: 0.9}
      then:
        - {id: call, task: {owner: Retention, text: "Call {{ customer_id }}"}}
      else:
        - {id: offer, email: {subject: Offer, body: "<p>offer</p>"}}
"""


def test_prediction_score_entry_and_condition(workspace: Workspace) -> None:
    import ibis

    scores = ibis.memtable(
        {
            "customer_id": ["p", "q", "r"],
            "model": ["churn", "churn", "churn"],
            "target": ["leave"] * 3,
            "score": [0.95, 0.75, 0.5],
            "scored_at": [DAY, DAY, DAY],
            "model_version": ["1"] * 3,
        }
    )
    workspace.con.create_table("predictions", scores)
    result = dry_run(workspace, load_text(SCORE), DAY - timedelta(1), DAY + timedelta(1))
    assert result.passes == 2  # r is below the threshold
    assert sorted((s.customer_id, s.kind) for s in result.sent) == [("p", "task"), ("q", "email")]
    assert result.steps["how-bad"] == {
        "entered": 2,
        "branch:then": 1,
        "branch:else": 1,
        "proceeded": 2,
    }


def test_stage_entry_reads_the_maps_touchpoints(tmp_path: Path) -> None:
    from recorrido.journey.model import JourneyMap

    folder = _otto_workspace(tmp_path)
    journey = JourneyMap.load(folder / "journey-map.yaml")
    text = """\
id: buyers
name: Buyers
entry: {stage: buy}
steps:
  - {id: thanks, email: {subject: Thanks, body: "<p>thanks</p>"}}
"""
    with Workspace.open(folder, read_only=True) as ws:
        automation = load_text(text, "buyers.yaml", journey)
        low, high = datetime(2022, 7, 1, tzinfo=UTC), datetime(2022, 10, 1, tzinfo=UTC)
        result = dry_run(ws, automation, low, high, journey)
        expected = (
            ws.con.sql(
                "select count(distinct customer_id) from events where event in ('carts', 'orders')"
            )
            .to_pyarrow()[0][0]
            .as_py()
        )
    assert result.passes == expected > 0
