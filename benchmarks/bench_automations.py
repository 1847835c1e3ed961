"""Automations: the dry run over generated history, and the engine's steps per second.

    .venv/bin/python benchmarks/bench_automations.py dry-run 1M 10M
    .venv/bin/python benchmarks/bench_automations.py engine 200   # SQLite, and PostgreSQL if up

dry-run: the journeys of ``benchmarks/journeys.py`` are put into a workspace's ``raw_events``
table straight from the Parquet file (DuckDB ``INSERT ... SELECT``: the benchmark measures the
dry run, not ingest), then an abandoned-cart automation on ``maps/bench-6-stages.yaml`` (holdout,
wait for an order with a 4-hour time-out, reminder, a day's wait, second reminder; cap and quiet
hours) is replayed over the whole history. Prints the wall and CPU seconds, the 1-minute load
at the end, and the passes.

engine: N customers enter an automation of five steps (two trait updates, a task, two zero
waits) through ``feed``; steps per second = walker steps done / seconds from feed to idle.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CART = """\
id: bench-cart
name: Bench cart
language: en
entry: {touchpoint: add-to-cart, reentry: always, reentry_after: 7d}
goal: {touchpoint: order, within: 7d}
exit:
  - touchpoint: support
frequency_cap: {messages: 2, per: 7d}
quiet_hours: {start: "21:00", end: "09:00"}
steps:
  - id: holdout
    split: {holdout: 10}
  - id: wait-order
    wait_for:
      touchpoint: order
      timeout: 4h
      on_timeout:
        - id: reminder
          email: {subject: "Your cart", body: "<p>Your cart</p>"}
  - {id: wait-day, wait: 1d}
  - id: second
    email: {subject: "Still there", body: "<p>again</p>"}
"""

ENGINE = """\
id: bench-engine
name: Bench engine
language: en
entry: {event: signup}
steps:
  - {id: one, update_trait: {name: stage, value: one}}
  - {id: pause, wait: 0s}
  - {id: two, update_trait: {name: stage, value: two}}
  - {id: again, wait: 0s}
  - {id: task, task: {owner: Sales, text: "Call {{ customer_id }}"}}
"""


def dry_run(size: str) -> dict:
    from journeys import ensure, parse_size
    from recorrido import Workspace
    from recorrido.automations.dryrun import dry_run as replay
    from recorrido.automations.validate import load_text
    from recorrido.journey.model import JourneyMap

    parquet = ensure(parse_size(size))
    folder = Path(tempfile.mkdtemp(prefix=f"bench-automations-{size}-"))
    with Workspace.init(folder, language="en") as ws:
        ws.con.raw_sql(
            "INSERT INTO raw_events SELECT event_id, customer_id, anonymous_id, timestamp, event, "
            "channel, source, value, properties::JSON, row_number() OVER () "
            f"FROM read_parquet('{parquet}')"
        )
    journey = JourneyMap.load(HERE / "maps" / "bench-6-stages.yaml")
    automation = load_text(CART, "bench-cart", journey)
    with Workspace.open(folder, read_only=True) as ws:
        low, high, count = ws.con.sql(
            "select min(timestamp), max(timestamp), count(*) from events"
        ).to_pyarrow()
        start, end = low[0].as_py(), high[0].as_py() + timedelta(seconds=1)
        began, cpu = time.perf_counter(), time.process_time()
        result = replay(ws, automation, start, end, journey)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    return {
        "size": size,
        "events": count[0].as_py(),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),  # this process, DuckDB's threads included
        "load": os.getloadavg()[0],
        "passes": result.passes,
        "customers": result.customers,
        "emails": result.actions.get("email", 0),
        "cap_hits": result.cap_hits,
        "quiet_deferrals": result.quiet_deferrals,
    }


def engine_rate(customers: int, url: str | None) -> dict:
    from recorrido import Workspace
    from recorrido.automations import engine, worker
    from recorrido.automations.store import ENV_URL, Store
    from recorrido.automations.validate import load_automation

    if url:
        os.environ[ENV_URL] = url
    else:
        os.environ.pop(ENV_URL, None)
    folder = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    with Workspace.init(folder, language="en") as ws:
        file = folder / "engine.yaml"
        file.write_text(ENGINE, encoding="utf-8")
        Store.for_folder(folder).publish(load_automation(file), file, None)
        now = datetime.now(UTC)
        rows = [
            json.dumps(
                {
                    "event_id": f"s{n}",
                    "customer_id": f"c{n}",
                    "event": "signup",
                    "timestamp": (now + timedelta(seconds=1)).isoformat(),
                }
            )
            for n in range(customers)
        ]
        (folder / "signup.ndjson").write_text("\n".join(rows) + "\n", encoding="utf-8")
        ws.ingest(folder / "signup.ndjson")
        began = time.perf_counter()
        started = worker.feed(ws)
    while not worker.idle(folder):
        time.sleep(0.05)
    seconds = time.perf_counter() - began
    engine.shutdown()
    steps = started * 5
    backend = "postgresql" if url else "sqlite"
    return {
        "backend": backend,
        "passes": started,
        "steps": steps,
        "seconds": round(seconds, 2),
        "steps_per_second": round(steps / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["dry-run", "engine"])
    parser.add_argument("sizes", nargs="+")
    args = parser.parse_args()
    if args.what == "dry-run":
        for size in args.sizes:
            print(json.dumps(dry_run(size)), flush=True)
        return
    for size in args.sizes:
        print(json.dumps(engine_rate(int(size), None)), flush=True)
        try:
            import psycopg

            admin = psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True)
        except Exception:  # no server here: SQLite only
            continue
        name = f"bench_auto_{uuid.uuid4().hex[:8]}"
        admin.execute(f"CREATE DATABASE {name}")
        try:
            url = f"postgresql://postgres@127.0.0.1:5432/{name}"
            print(json.dumps(engine_rate(int(size), url)), flush=True)
        finally:
            from recorrido.automations import store

            for key in list(store._ENGINES):
                if name in key:
                    store._ENGINES.pop(key).dispose()
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
