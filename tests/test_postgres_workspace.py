"""A team workspace on PostgreSQL (the machine's server on 127.0.0.1:5432): the canonical tables
live there, in a schema of their own; an ingest is one transaction; two processes ingesting at
once end with the sum of both; and the analytics give DuckDB's numbers exactly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido import analytics as A
from recorrido.analytics.sequence import known_property_keys
from recorrido.analytics.tagging import tag_events
from recorrido.errors import RecorridoError
from recorrido.insights.findings import friction
from recorrido.journey import JourneyMap
from tests import journey_generator as gen
from tests.conftest import FILES
from tests.journey_generator import write as write_journeys
from tests.test_analytics_figures import EDGE_CSV

psycopg = pytest.importorskip("psycopg")

SERVER = "postgresql://postgres@127.0.0.1:5432/test"
RECORRIDO = shutil.which("recorrido", path=str(Path(sys.executable).parent)) or "recorrido"


def _server():
    try:
        return psycopg.connect(host="127.0.0.1", user="postgres", dbname="test", connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")


@pytest.fixture
def schema_name():
    """A schema no other test uses, dropped afterwards (with everything in it)."""
    name = f"rt_{uuid.uuid4().hex[:12]}"
    _server().close()
    yield name
    with _server() as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _tables_in(schema: str) -> set[str]:
    with _server() as con:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        ).fetchall()
    return {row[0] for row in rows}


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RECORRIDO_LANG": "en", "COLUMNS": "200"}
    return subprocess.run(
        [RECORRIDO, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_init_keeps_the_tables_in_postgres(tmp_path, schema_name):
    folder = tmp_path / "team"
    done = _cli("init", str(folder), "--connection", SERVER, "--schema", schema_name)
    assert done.returncode == 0, done.stderr
    assert not (folder / "recorrido.duckdb").exists()  # nothing kept on this machine
    assert {"raw_events", "customers", "quarantine", "ingest_log", "events"} <= _tables_in(
        schema_name
    )
    done = _cli("ingest", str(FILES / "segment_journey.jsonl"), "--workspace", str(folder))
    assert done.returncode == 0, done.stderr
    with _server() as con:
        owners = dict(
            con.execute(
                f'SELECT customer_id, count(*) FROM "{schema_name}".events GROUP BY 1'
            ).fetchall()
        )
    assert owners == {"user-42": 8, "stranger": 1}


def test_schema_is_named_after_the_folder_by_default(tmp_path):
    name = f"rt_{uuid.uuid4().hex[:12]}"
    try:
        with Workspace.init(tmp_path / name, connection=SERVER) as ws:
            assert ws.settings.connection_schema == name
            assert ws.con.name == "postgres"
        assert "raw_events" in _tables_in(name)
    finally:
        with _server() as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_a_failed_ingest_leaves_nothing_behind(tmp_path, schema_name):
    ws = Workspace.init(tmp_path / "ws", connection=SERVER, connection_schema=schema_name)
    ws.ingest(FILES / "segment_journey.jsonl")
    # The server refuses the very last write of the next ingest (its line in the ingest log).
    with _server() as con:
        con.execute(
            f"""CREATE FUNCTION "{schema_name}".refuse() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON "{schema_name}".ingest_log
            FOR EACH ROW EXECUTE FUNCTION "{schema_name}".refuse()"""
        )
    edge = tmp_path / "edge.csv"
    edge.write_text(EDGE_CSV, encoding="utf-8")
    with pytest.raises(Exception, match="refused by the test"):
        ws.ingest(edge)
    with _server() as con:
        counts = con.execute(
            f"""SELECT (SELECT count(*) FROM "{schema_name}".raw_events),
                       (SELECT count(*) FROM "{schema_name}".customers),
                       (SELECT count(*) FROM "{schema_name}".ingest_log)"""
        ).fetchone()
    assert counts == (9, 2, 1)  # the first ingest, exactly; none of the 26 edge rows


def _frame(rows: int, offset: int) -> pd.DataFrame:
    """``rows`` events with ids from ``offset``, by 40 customers shared between the files."""
    return pd.DataFrame(
        {
            "event_id": [f"ev{offset + i:07d}" for i in range(rows)],
            "customer_id": [f"c{i % 40:02d}" for i in range(rows)],
            "timestamp": pd.date_range("2024-01-01", periods=rows, freq="37s", tz="UTC")
            + pd.Timedelta(seconds=offset),
            "event": [("view", "cart", "buy")[i % 3] for i in range(rows)],
        }
    )


def test_two_processes_ingest_at_once(tmp_path, schema_name):
    folder = tmp_path / "team"
    Workspace.init(folder, connection=SERVER, connection_schema=schema_name).close()
    files = []
    for index, offset in enumerate((0, 1_000_000)):
        path = tmp_path / f"part{index}.csv"
        _frame(20_000, offset).to_csv(path, index=False)
        files.append(path)
    env = {**os.environ, "RECORRIDO_LANG": "en"}
    writers = [
        subprocess.Popen(
            [RECORRIDO, "ingest", str(path), "--workspace", str(folder), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for path in files
    ]
    # Meanwhile a reader is never made to wait: each count answers within two seconds and sees
    # none, one or both files, never a part of one (each ingest commits all at once).
    seen = set()
    with _server() as reader:
        reader.execute("SET statement_timeout = '2s'")
        while any(writer.poll() is None for writer in writers):
            seen.add(
                reader.execute(f'SELECT count(*) FROM "{schema_name}".raw_events').fetchone()[0]
            )
            reader.commit()
            time.sleep(0.2)
    assert seen <= {0, 20_000, 40_000}
    for writer in writers:
        _, stderr = writer.communicate(timeout=180)
        assert writer.returncode == 0, stderr
    with _server() as con:
        total, distinct, ingests, numbers, customers, counted = con.execute(
            f"""SELECT (SELECT count(*) FROM "{schema_name}".raw_events),
                       (SELECT count(DISTINCT event_id) FROM "{schema_name}".raw_events),
                       (SELECT count(*) FROM "{schema_name}".ingest_log),
                       (SELECT count(DISTINCT ingest_id) FROM "{schema_name}".ingest_log),
                       (SELECT count(*) FROM "{schema_name}".customers),
                       (SELECT sum(event_count) FROM "{schema_name}".customers)"""
        ).fetchone()
    assert (total, distinct) == (40_000, 40_000)  # the sum of both, no duplicate, none lost
    assert (ingests, numbers) == (2, 2)
    # The second writer's profiles were built on the first one's rows, not on a stale view.
    assert (customers, counted) == (40, 40_000)


# -- parity with DuckDB --------------------------------------------------------------------
FUNNEL = ["view", "cart", "buy"]
SHOP_FUNNEL = ["product_view", "add_to_cart", "order_completed"]
#: Properties as nested JSON, numbers, a key with a dot and one with a quote: four customers
#: open, pick and pay; their device's OS sits one level down (``device.os``).
PROPS_JSONL = "\n".join(
    json.dumps(
        {
            "event_id": f"p{customer}{step}",
            "customer_id": f"prop{customer}",
            "timestamp": f"2024-02-0{customer + 1}T10:0{step}:00Z",
            "event": event,
            "device": {"os": ("ios", "android")[customer % 2]},
            "items": customer + step,
            "page.url": f"/{event}",
            "it's": "quoted",
        }
    )
    for customer in range(4)
    for step, event in enumerate(("open", "pick", "pay")[: 3 - (customer == 3)])
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same events in a DuckDB workspace and in a PostgreSQL one."""
    connection = _server()
    connection.close()
    folder = tmp_path_factory.mktemp("pg_parity")
    name = f"rt_{uuid.uuid4().hex[:12]}"
    (folder / "edge.csv").write_text(EDGE_CSV, encoding="utf-8")
    (folder / "props.jsonl").write_text(PROPS_JSONL, encoding="utf-8")
    journeys = write_journeys(folder / "journeys.parquet", 150, seed=11)
    duck = Workspace.init(folder / "duck", language="en")
    pg = Workspace.init(folder / "pg", language="en", connection=SERVER, connection_schema=name)
    for ws in (duck, pg):
        ws.ingest(folder / "edge.csv")
        ws.ingest(journeys)
        ws.ingest(folder / "props.jsonl")
    yield duck, pg
    duck.close()
    pg.close()
    with _server() as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


PARITY = {
    "funnel": lambda ws: A.funnel(ws, FUNNEL, window="7d", exclusions=["refund"]),
    "funnel_strict": lambda ws: A.funnel(ws, FUNNEL, window="1d", kind="strict"),
    "transitions": lambda ws: A.transitions(ws),
    "variants": lambda ws: A.variants(ws, top=10, max_steps=4),
    "sessions": lambda ws: A.sessions(ws, "30m", by="day"),
    "retention": lambda ws: A.retention(ws, "week"),
    # Breakdowns by a key of `properties`: PostgreSQL keeps it as text and reads it as json.
    "funnel_by_property": lambda ws: A.funnel(ws, SHOP_FUNNEL, window="7d", breakdown="platform"),
    "funnel_by_nested_key": lambda ws: A.funnel(ws, ["open", "pick", "pay"], breakdown="device.os"),
    "funnel_by_dotted_key": lambda ws: A.funnel(ws, ["open", "pay"], breakdown="page.url"),
    "funnel_by_quoted_key": lambda ws: A.funnel(ws, ["open", "pay"], breakdown="it's"),
    "drivers_by_property": lambda ws: A.dropoff_drivers(
        ws, SHOP_FUNNEL, step=1, properties=["platform", "country"], min_support=5
    ),
    "features": lambda ws: _features(ws),
}


def _features(ws) -> pd.DataFrame:
    """The predictions' features at a cutoff (tests/spark_cluster.py runs the same on a cluster)."""
    from tests.spark_cluster import _features as on_table

    return on_table(ws.events)


@pytest.mark.parametrize("case", sorted(PARITY))
def test_same_numbers_as_duckdb(pair, case):
    duck, pg = pair
    expected = PARITY[case](duck)
    got = PARITY[case](pg)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True
    )


def test_measured_map_is_the_same_as_on_duckdb(pair):
    duck, pg = pair
    journey = FILES / "generated_shop_map.yaml"
    expected = duck.measure(journey).to_dict()
    assert pg.measure(journey).to_dict() == expected


def test_property_breakdowns_read_the_json(pair):
    duck, pg = pair
    by_os = A.funnel(pg, ["open", "pick", "pay"], breakdown="device.os")
    reached = {(r.breakdown, r.step): int(r.customers) for r in by_os.itertuples()}
    # prop0 and prop2 on iOS open, pick and pay; prop1 does too on Android, prop3 stops at pick.
    assert reached[("ios", "pay")] == 2
    assert (reached[("android", "pick")], reached[("android", "pay")]) == (2, 1)
    assert known_property_keys(pg.events) == known_property_keys(duck.events)
    assert {"platform", "country", "device", "items", "page.url", "it's"} <= set(
        known_property_keys(pg.events)
    )


PROPERTY_MAP = """\
version: 1
name: Properties
stages:
  - id: all
    name: All
    touchpoints:
      - {id: many, name: Many items, match: {event: "p*", where: [{key: items, gte: 3}]}}
      - {id: ios, name: On iOS, match: {event: open, where: [{key: device.os, equals: ios}]}}
      - {id: dotted, name: Dotted key, match: {event: pick, where: [{key: page.url, prefix: /pi}]}}
"""


def test_map_rules_read_properties_as_on_duckdb(pair):
    duck, pg = pair
    journey = JourneyMap.loads(PROPERTY_MAP)

    def counts(ws) -> dict:
        tagged = tag_events(ws.events, journey)
        frame = tagged.filter(tagged.touchpoint.notnull()).touchpoint.value_counts().execute()
        return dict(zip(frame.iloc[:, 0], frame.iloc[:, 1].astype(int), strict=True))

    # items = customer + step >= 3 on pick/pay ("p*"): prop1 pay, prop2 pick and pay, prop3 pick;
    # the first touchpoint that matches wins, so only prop0's and prop1's picks are "dotted".
    assert counts(pg) == counts(duck) == {"many": 4, "ios": 2, "dotted": 2}


def test_a_regex_condition_is_refused_on_postgres_with_the_reason(pair):
    _, pg = pair
    journey = JourneyMap.loads(PROPERTY_MAP.replace("equals: ios", "regex: '^i'"))
    with pytest.raises(RecorridoError, match="do not run on 'postgres'"):
        tag_events(pg.events, journey).execute()


@pytest.mark.slow  # 11 s on a quiet machine, twice that under load
def test_friction_is_the_same_as_on_duckdb(pair):
    duck, pg = pair
    shop = JourneyMap.loads(gen.SHOP_MAP)
    expected = friction(duck, shop).to_dict()
    assert friction(pg, shop).to_dict() == expected


# -- closing and querying ------------------------------------------------------------------
def _sessions_of(application: str) -> int:
    with _server() as con:
        return con.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application]
        ).fetchone()[0]


def _sessions_after_close(application: str) -> int:
    deadline = time.monotonic() + 5
    while _sessions_of(application) and time.monotonic() < deadline:
        time.sleep(0.1)  # the server process ends a moment after the socket closes
    return _sessions_of(application)


def test_close_ends_the_server_session(tmp_path, schema_name):
    application = f"recorrido-test-{uuid.uuid4().hex[:8]}"
    url = f"{SERVER}?application_name={application}"
    ws = Workspace.init(tmp_path / "ws", connection=url, connection_schema=schema_name)
    assert _sessions_of(application) == 1
    ws.close()
    assert _sessions_after_close(application) == 0
    with Workspace.open(tmp_path / "ws"):  # reopened from its settings, closed by `with`
        assert _sessions_of(application) == 1
    assert _sessions_after_close(application) == 0


def test_query_gives_the_duckdb_answer(pair):
    duck, pg = pair
    sql = (
        "SELECT event, count(*) AS n, count(DISTINCT customer_id) AS customers "
        "FROM events GROUP BY event ORDER BY event"
    )
    expected = duck.query(sql)
    got = pg.query(sql)
    assert got.num_rows > 5
    assert got.to_pylist() == expected.to_pylist()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT pg_read_file('/etc/hostname')",
        "SELECT lo_export(1, '/tmp/x')",
        "SELECT query_to_xml('select * from pg_authid', true, true, '')",
        "SELECT set_config('statement_timeout', '0', false)",
        "SELECT * FROM pg_catalog.pg_authid",
        "DELETE FROM raw_events",
    ],
)
def test_query_keeps_to_the_workspace_on_postgres(pair, sql):
    _, pg = pair
    with pytest.raises(RecorridoError):
        pg.query(sql)
    assert pg.query("SELECT count(*) AS n FROM raw_events").to_pylist()[0]["n"] > 0


def test_query_is_stopped_at_its_time_limit_on_postgres(pair):
    _, pg = pair
    slow = "SELECT count(*) AS n FROM raw_events a, raw_events b, raw_events c"
    started = time.monotonic()
    with pytest.raises(RecorridoError, match=r"0\.5 s"):
        pg.query(slow, timeout=0.5)
    assert time.monotonic() - started < 5
    # The limit ended with the query's transaction: the session answers as before.
    assert pg.query("SELECT count(*) AS n FROM customers").to_pylist()[0]["n"] > 0
