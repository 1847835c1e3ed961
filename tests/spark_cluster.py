"""A real Spark standalone cluster for the tests: one master and two workers, each its own JVM
process on loopback, started from the scripts in the PyPI ``pyspark`` package (``bin/spark-class``;
its ``sbin/`` lacks the start scripts), and stopped afterwards.

The driver runs in a subprocess of its own (``python -m tests.spark_cluster``): one Python process
holds one SparkContext, and the test run already has a local one (``spark_backend``). It reads the
events from a Parquet file every worker can read (here the local disk, since the workers share
the machine; on several machines it would be a shared file system or object store), computes
the parity cases of :data:`CASES` and writes each result as a pickle for the test to compare.
"""

from __future__ import annotations

import os
import pickle
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from recorrido import analytics as A
from recorrido.analytics.attribution import workspace_paths
from tests.journey_generator import SHOP_MAP

MAP = Path(__file__).parent / "files" / "generated_shop_map.yaml"
FUNNEL = ["product_view", "add_to_cart", "order_completed"]
CUTOFF = datetime(2024, 4, 1, tzinfo=UTC)  # the generated journeys run from March to April


def _attribution(table):
    """The journeys attribution credits (each path's conversions, value, non-conversions);
    every model's credit is computed from these alone, in Python."""
    t = workspace_paths(table, conversion="order_completed", lookback="30d").table
    value = t.value if t.value is not None else [None] * len(t.paths)
    return sorted(
        (tuple(p), float(c), None if v is None else float(v), float(n))
        for p, c, v, n in zip(t.paths, t.conversions, value, t.nulls, strict=True)
    )


def _measured(table):
    from recorrido.measured import measure

    return measure(table, MAP).to_dict()


def _shop_measured(table):
    """The generated journeys' own map, broken down by a key of ``properties``."""
    from recorrido.journey import JourneyMap
    from recorrido.measured import measure

    return measure(table, JourneyMap.loads(SHOP_MAP), breakdown="platform").to_dict()


def _friction(table):
    from recorrido.insights.findings import friction
    from recorrido.journey import JourneyMap

    return friction(table, JourneyMap.loads(SHOP_MAP)).to_dict()


def _features(table):
    """The predictions' features at a cutoff mid-way through the events, one row a customer;
    the events counted one by one are the most common before the cutoff, found in the engine."""
    from recorrido.predict.features import FeatureSpec, customer_features, most_common_events

    common = most_common_events(table, CUTOFF, limit=4)
    with tempfile.TemporaryDirectory() as folder:  # the spec names its map by path
        shop = Path(folder) / "shop.yaml"
        shop.write_text(SHOP_MAP, encoding="utf-8")
        spec = FeatureSpec(events=common, journey_map=str(shop), recent=2, lookback_days=21)
        frame = customer_features(table, CUTOFF, spec).execute()
    # Engines hand back their own integer widths (int32, int64); the values are what is compared.
    numbers = frame.select_dtypes("number").columns
    frame[numbers] = frame[numbers].astype("float64")
    return frame.sort_values("customer_id").reset_index(drop=True)


#: Each case: events table -> a DataFrame or a plain value, the same on every engine.
CASES: dict[str, Callable] = {
    "measured_map": _measured,
    "measured_shop_map": _shop_measured,
    "funnel": lambda t: A.funnel(t, FUNNEL, window="7d"),
    "funnel_strict": lambda t: A.funnel(t, FUNNEL, window="1d", kind="strict"),
    "transitions": lambda t: A.transitions(t),
    "flows": lambda t: A.flows(t, start_at="product_view", steps=3),
    "sessions": lambda t: A.sessions(t, "30m", by="day"),
    "retention": lambda t: A.retention(t, "week"),
    "attribution": _attribution,
    "friction": _friction,
    "features": _features,
}


@dataclass
class Cluster:
    url: str
    processes: list[subprocess.Popen]
    logs: list[Path]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_HOME": str(_spark_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(folder),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }


def _wait_for(log: Path, pattern: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and re.search(pattern, log.read_text(errors="replace")):
            return
        if process.poll() is not None:
            break
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"Spark process did not report {pattern!r}:\n{tail}")


@contextmanager
def standalone_cluster(folder: Path, workers: int = 2, timeout: float = 240) -> Iterator[Cluster]:
    """Start a master and ``workers`` workers (1 core, 1 GB each); stop them all afterwards."""
    env = _environment(folder)
    spark_class = str(_spark_home() / "bin" / "spark-class")
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    processes: list[subprocess.Popen] = []
    logs: list[Path] = []

    def start(name: str, *args: str) -> subprocess.Popen:
        log = folder / f"{name}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [spark_class, *args], stdout=handle, stderr=subprocess.STDOUT, env=env
            )
        processes.append(process)
        logs.append(log)
        return process

    try:
        master = start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(_free_port()),
        )  # fmt: skip
        _wait_for(logs[0], r"I have been elected leader", master, timeout)
        for number in range(workers):
            work = folder / f"work{number}"
            work.mkdir(exist_ok=True)
            start(
                f"worker{number}",
                "org.apache.spark.deploy.worker.Worker", url,
                "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                "--webui-port", str(_free_port()), "--work-dir", str(work),
            )  # fmt: skip
        for process, log in zip(processes[1:], logs[1:], strict=True):
            _wait_for(log, r"Successfully registered with master", process, timeout)
        yield Cluster(url, processes, logs)
    finally:
        for process in reversed(processes):  # only the processes started here
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_driver(url: str, events: Path, out: Path, timeout: float = 600) -> dict:
    """Run :data:`CASES` on the cluster in a driver process; returns their results by name
    (plus ``__executors``: the executors the cluster gave the driver)."""
    out.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).parent.parent
    env = {**_environment(out), "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.spark_cluster", url, str(events), str(out)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the Spark driver failed:\n{done.stderr[-4000:]}")
    return {path.stem: pickle.loads(path.read_bytes()) for path in out.glob("*.pickle")}


def _drive(url: str, events: str, out: Path) -> None:
    import ibis
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(url)
        .appName("recorrido-cluster-parity")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.executor.memory", "768m")
        .config("spark.cores.max", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.maxPlanStringLength", "100000")
        .getOrCreate()
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # executors register a moment after the session starts
            executors = session.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
            if executors >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        con = ibis.pyspark.connect(session)
        table = con.read_parquet(events)
        (out / "__executors.pickle").write_bytes(pickle.dumps(executors))
        for name, case in CASES.items():
            (out / f"{name}.pickle").write_bytes(pickle.dumps(case(table)))
    finally:
        session.stop()


if __name__ == "__main__":
    _drive(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
