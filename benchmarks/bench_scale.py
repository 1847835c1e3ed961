"""The three set-ups of docs/scale.md on the same generated events: the measured map and a funnel
on the embedded DuckDB file, on a PostgreSQL workspace and on a two-worker Spark standalone
cluster, with time and memory.

    .venv/bin/python benchmarks/bench_scale.py --rows 1000000 [--backends duckdb postgres cluster]
    .venv/bin/python benchmarks/bench_scale.py --rows 10000000 --timeout 3600 --backends postgres \
        --merge     # adds (or replaces) one set-up's row in results/scale.json


Each set-up runs in a child process. **load s**: getting the events in (ingest; for the cluster,
the DuckDB ingest plus the Parquet export the workers read); **map s** / **funnel s**: the
measured map and a 3-step, 7-day funnel, each timed once after the load; **peak MB**: peak
resident memory, sampled every 0.1 s, of the child's process tree plus, for PostgreSQL, the
server process serving it and, for the cluster, the master's and workers' JVMs. The results go
to ``benchmarks/results/scale.json`` and, as a table, to the end of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

MAP = HERE / "maps" / "bench-6-stages.yaml"
FUNNEL = ["product_view", "add_to_cart", "purchase"]
SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(roots: list[int]) -> int:
    """Resident bytes of ``roots`` and all their descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            rss[int(entry)] = int(fields[21]) * PAGE
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, stack, seen = 0, list(roots), set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


# -- the child: one set-up ------------------------------------------------------------------
def child(backend: str, data: Path, folder: Path, cluster_url: str | None, pids: Path) -> dict:
    from recorrido import Workspace
    from recorrido import analytics as A
    from recorrido.measured import measure

    columns = {"customer_id": "user_id"}
    started = time.perf_counter()
    if backend == "postgres":
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        (folder / "schema").write_text(schema)  # dropped by the parent, however this ends
        ws = Workspace.init(folder / "ws", connection=SERVER, connection_schema=schema)
        with ws.con.begin() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.write_text(str(cursor.fetchone()[0]))
        ws.ingest(data, columns=columns)
        events = ws.events
    else:
        ws = Workspace.init(folder / "ws")
        ws.ingest(data, columns=columns)
        events = ws.events
        if backend == "cluster":
            import ibis
            from pyspark.sql import SparkSession

            from recorrido.analytics.backend import export_events

            path = export_events(ws)
            session = (
                SparkSession.builder.master(cluster_url)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.executor.memory", "1g")
                .config("spark.cores.max", "2")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate()
            )
            events = ibis.pyspark.connect(session).read_parquet(str(path))
    load = time.perf_counter() - started
    started = time.perf_counter()
    measured = measure(events, MAP)
    map_seconds = time.perf_counter() - started
    started = time.perf_counter()
    funnel = A.funnel(events, FUNNEL, window="7d")
    funnel_seconds = time.perf_counter() - started
    result = {
        "backend": backend,
        "load_s": load,
        "map_s": map_seconds,
        "funnel_s": funnel_seconds,
        "events": int(ws.events.count().execute()),
        # What is compared between the set-ups: the same answers, not only the same speed.
        "funnel_customers": [int(n) for n in funnel["customers"]],
        "map_digest": hashlib.sha1(
            json.dumps(measured.to_dict(), sort_keys=True, default=str).encode()
        ).hexdigest()[:12],
    }
    ws.close()
    return result


def _drop_schema(note: Path) -> None:
    if not note.exists():
        return
    import psycopg

    with psycopg.connect(SERVER) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{note.read_text().strip()}" CASCADE')


# -- the parent: one child per set-up, its memory sampled --------------------------------------
def run_child(backend: str, data: Path, cluster_url: str | None, extra: list[int], timeout: float):
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        folder = Path(scratch)
        pids = folder / "pids"
        command = [sys.executable, __file__, "--child", backend, str(data), str(folder)]
        if cluster_url:
            command.append(cluster_url)
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                roots = [process.pid, *extra]
                if pids.exists() and pids.read_text().strip().isdigit():
                    roots.append(int(pids.read_text()))
                peak = max(peak, _tree_rss(roots))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()  # its own child only; then the schema it left on the server
            process.wait()
            raise RuntimeError(f"{backend} ran past --timeout {timeout:.0f} s") from None
        finally:
            stop.set()
            sampler.join()
            _drop_schema(folder / "schema")
        if process.returncode != 0:
            raise RuntimeError(f"{backend} failed (exit {process.returncode})")
        result = json.loads(out.strip().splitlines()[-1])
        result["peak_mb"] = peak / 2**20
        return result


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [
        "",
        f"## Scale-out set-ups: {meta['rows']:,} generated events (benchmarks/bench_scale.py)",
        "",
        f"- Command: `{meta['command']}`",
        f"- Date: {meta['date']}; machine: {meta['machine']}; load average at the start: "
        f"{meta['load']}. A shared 2-core machine: the cluster's two workers and PostgreSQL "
        "compete with the other jobs for the same two cores, so this shows what each set-up "
        "costs on one machine, not what a cluster gains on many.",
        "- **load s**: ingest (cluster: the DuckDB ingest plus the Parquet export the workers "
        "read); **peak MB**: the child process tree plus the PostgreSQL server process serving it "
        "or the Spark master's and workers' JVMs. The funnel's customers per step and the whole "
        "measured map (its JSON) are the same on every set-up: "
        f"{meta['agree']}.",
        "",
        "| set-up | events | load s | measured map s | funnel s | peak MB | funnel customers "
        "| started, load average |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['backend']} | {row['events']:,} | {row['load_s']:.1f} | {row['map_s']:.1f} "
            f"| {row['funnel_s']:.1f} | {row['peak_mb']:.0f} | "
            f"{' → '.join(str(n) for n in row['funnel_customers'])} "
            f"| {row.get('date', meta['date'])}, {row.get('load', meta['load'])} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backends", nargs="+", default=["duckdb", "postgres", "cluster"])
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--no-markdown", action="store_true")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other set-ups' rows of results/scale.json (same --rows): at 10 M each "
        "set-up takes long enough to be run as a command of its own",
    )
    args = parser.parse_args(argv)

    from benchmarks.generate import file_paths, generate

    data = file_paths(args.rows)["parquet"]
    if not data.exists():
        generate(args.rows, customers=max(args.rows // 20, 1))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    target = HERE / "results" / "scale.json"
    rows: list[dict] = []
    if args.merge and target.exists():
        kept = json.loads(target.read_text(encoding="utf-8"))
        if kept["meta"]["rows"] == args.rows:
            rows = [r for r in kept["rows"] if r["backend"] not in args.backends]
    meta = {
        "rows": args.rows,
        "command": "python benchmarks/bench_scale.py " + " ".join(argv or sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs; {platform.platform()}",
        "load": load,
    }
    for backend in args.backends:
        if backend == "cluster":
            from tests.spark_cluster import standalone_cluster

            logs = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
            with standalone_cluster(logs) as cluster:
                jvms = [p.pid for p in cluster.processes]
                row = run_child(backend, data, cluster.url, jvms, args.timeout)
        else:
            row = run_child(backend, data, None, [], args.timeout)
        # Each row keeps when and at what load it ran: merged rows come from several commands.
        row.update(date=meta["date"], load=load, command=meta["command"])
        rows.append(row)
        print(json.dumps(row), flush=True)
        meta["agree"] = (
            "yes"
            if len({(tuple(r["funnel_customers"]), r["map_digest"]) for r in rows}) == 1
            else "NO"
        )
        # Written after each set-up, so a long run that is stopped keeps what it measured.
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2), encoding="utf-8")
    if not args.no_markdown:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write(markdown(rows, meta))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        backend, data, folder = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        url = sys.argv[5] if len(sys.argv) > 5 else None
        print(json.dumps(child(backend, data, folder, url, folder / "pids")))
        sys.exit(0)
    sys.exit(main())
