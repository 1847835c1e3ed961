"""Events read where they live: a Parquet folder (DuckDB) or a PostgreSQL table mapped onto the
canonical event table as a view; nothing is copied, the analyses give the ingested numbers, and
init reports per column what an ingest would have quarantined."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido import analytics as A
from recorrido.errors import RecorridoError
from recorrido.events.external import would_quarantine
from tests.conftest import FILES
from tests.journey_generator import generate
from tests.test_analytics_figures import EDGE_CSV

RECORRIDO = shutil.which("recorrido", path=str(Path(sys.executable).parent)) or "recorrido"
SERVER = "postgresql://postgres@127.0.0.1:5432/test"
#: The source's own column names, as a warehouse would have them.
RENAMED = {"event_id": "id", "customer_id": "cliente", "timestamp": "momento", "event": "accion"}
COLUMNS = [f"--column={field}={column}" for field, column in RENAMED.items()]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RECORRIDO_LANG": "en", "COLUMNS": "200"}
    return subprocess.run(
        [RECORRIDO, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def _events() -> pd.DataFrame:
    edge = pd.read_csv(io.StringIO(EDGE_CSV), parse_dates=["timestamp"])
    journeys = generate(120, seed=5)[["event_id", "customer_id", "timestamp", "event"]]
    frame = pd.concat([edge[["event_id", "customer_id", "timestamp", "event"]], journeys])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True).astype("datetime64[us, UTC]")
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same events ingested the usual way."""
    folder = tmp_path_factory.mktemp("reference")
    _events().to_parquet(folder / "events.parquet", index=False)
    with Workspace.init(folder / "ws", language="en") as ws:
        ws.ingest(folder / "events.parquet")
        yield ws


CASES = {
    "funnel": lambda ws: A.funnel(ws, ["view", "cart", "buy"], window="7d"),
    "transitions": lambda ws: A.transitions(ws),
    "sessions": lambda ws: A.sessions(ws, "30m", by="day"),
    "retention": lambda ws: A.retention(ws, "week"),
}


def _same_as(reference: Workspace, ws: Workspace) -> None:
    for name, case in CASES.items():
        expected = case(reference)
        assert len(expected) > 0, name
        pd.testing.assert_frame_equal(
            case(ws).reset_index(drop=True), expected.reset_index(drop=True), check_exact=True
        )
    journey = FILES / "generated_shop_map.yaml"
    assert ws.measure(journey).to_dict() == reference.measure(journey).to_dict()


def test_a_parquet_folder_read_in_place_on_duckdb(tmp_path, reference):
    lake = tmp_path / "lake"
    lake.mkdir()
    frame = _events().rename(columns=RENAMED)
    half = len(frame) // 2
    frame.iloc[:half].to_parquet(lake / "part-0.parquet", index=False)
    frame.iloc[half:].to_parquet(lake / "part-1.parquet", index=False)
    folder = tmp_path / "ws"
    done = _cli("init", str(folder), "--events-table", str(lake), *COLUMNS)
    assert done.returncode == 0, done.stderr
    assert f"timestamp: 0 of {len(frame)} rows would be quarantined" in done.stdout
    with Workspace.open(folder) as ws:
        assert ws.events.count().execute() == len(frame)
        _same_as(reference, ws)
        # Read in place: a new file in the folder is seen at once, without an ingest.
        extra = frame.iloc[:1].assign(id="new-1")
        extra.to_parquet(lake / "part-2.parquet", index=False)
        assert ws.events.count().execute() == len(frame) + 1
        with pytest.raises(RecorridoError) as refused:
            ws.ingest(FILES / "segment_journey.jsonl")
        assert refused.value.key == "scale_events_read_in_place"
    # The DuckDB file holds a view, not the rows.
    assert (folder / "recorrido.duckdb").stat().st_size < 2_000_000


def test_rows_an_ingest_would_refuse_are_counted_per_column(tmp_path):
    bad = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "d", "f"],
            "cliente": ["x", "x", None, "y", "y", "z"],
            "momento": pd.to_datetime(
                ["2024-01-01", None, "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
                utc=True,
            ),
            "accion": ["view", "cart", "view", " ", "buy", None],
        }
    )
    bad.to_parquet(tmp_path / "bad.parquet", index=False)
    done = _cli(
        "init", str(tmp_path / "ws"), "--events-table", str(tmp_path / "bad.parquet"), *COLUMNS
    )
    assert done.returncode == 0, done.stderr
    with Workspace.open(tmp_path / "ws") as ws:
        checked = would_quarantine(ws.con)
    assert checked.total == 6
    assert checked.per_column == {"timestamp": 1, "event": 2, "customer_id": 1, "event_id": 1}
    assert "event: 2 of 6 rows would be quarantined" in done.stdout


def test_unknown_column_is_named(tmp_path):
    _events().rename(columns=RENAMED).to_parquet(tmp_path / "e.parquet", index=False)
    done = _cli(
        "init",
        str(tmp_path / "ws"),
        "--events-table",
        str(tmp_path / "e.parquet"),
        "--column",
        "event=action",
        "--column",
        "timestamp=momento",
        "--column",
        "customer_id=cliente",
    )
    assert done.returncode != 0
    assert "no column 'action'" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_a_postgres_table_read_in_place(tmp_path, reference):
    psycopg = pytest.importorskip("psycopg")
    try:
        server = psycopg.connect(host="127.0.0.1", user="postgres", dbname="test")
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    warehouse = f"wh_{uuid.uuid4().hex[:10]}"
    frame = _events().rename(columns=RENAMED)
    try:
        with server:
            server.execute(f"CREATE SCHEMA {warehouse}")
            server.execute(
                f"CREATE TABLE {warehouse}.clicks (id text, cliente text, momento timestamptz, "
                "accion text)"
            )
            with (
                server.cursor() as cursor,
                cursor.copy(
                    f"COPY {warehouse}.clicks (id, cliente, momento, accion) FROM STDIN"
                ) as copy,
            ):
                for row in frame.itertuples(index=False):
                    copy.write_row((row.id, row.cliente, row.momento.to_pydatetime(), row.accion))
        folder = tmp_path / "ws"
        done = _cli(
            "init",
            str(folder),
            "--connection",
            SERVER,
            "--schema",
            f"{warehouse}_ws",
            "--events-table",
            f"{warehouse}.clicks",
            *COLUMNS,
        )
        assert done.returncode == 0, done.stderr
        assert f"event: 0 of {len(frame)} rows would be quarantined" in done.stdout
        with Workspace.open(folder) as ws:
            _same_as(reference, ws)
    finally:
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="test") as con:
            con.execute(f"DROP SCHEMA IF EXISTS {warehouse}_ws CASCADE")
            con.execute(f"DROP SCHEMA IF EXISTS {warehouse} CASCADE")
