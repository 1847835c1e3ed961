"""Memory with default settings: ``recorrido ingest`` and ``map discover`` on 100 M events.

Issue 17.10: with DuckDB's own default (80 % of RAM) a 100 M-event ingest peaked at 19.9 GB and
``map discover`` at 20.4 GB on a 24 GB machine. This benchmark runs the two commands exactly as a
user would (the CLI, a fresh workspace, **no** ``memory_limit`` in ``recorrido.yaml``), each in
its own process, and records that process's peak resident memory (``ru_maxrss`` from
``os.wait4``) and its wall time, beside the engine floor on the same file:

- ingest floor: plain DuckDB copies the Parquet file into a table of a fresh database file
  (``CREATE TABLE AS SELECT * FROM read_parquet``), no check, de-duplication or stitching;
- discover floor: plain DuckDB numbers each customer's events in time order (the one window pass
  discovery needs) and counts customers per event, on that table.

The floors run under the same memory limit recorrido chose by default, so the times compare
like with like. The generated file holds only Parquet (the CSV of 100 M rows would be ~10 GB).

    .venv/bin/python benchmarks/bench_memory.py                 # 100M events, 5M customers
    .venv/bin/python benchmarks/bench_memory.py --rows 1M       # a quick look

Results go to ``benchmarks/results/memory.md`` and ``memory.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from generate import DATA_DIR, DEFAULT_SEED, events_sql, parse_count

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
RECORRIDO = Path(sys.executable).with_name("recorrido")
RESULT_MARK = "BENCH_RESULT "
COMMAND = ".venv/bin/python benchmarks/bench_memory.py"
SUMMARY_KEYS = ("rows_read", "ingested", "duplicates", "quarantined", "customers")

FLOOR_INGEST = "CREATE TABLE events AS SELECT * FROM read_parquet(?)"
FLOOR_DISCOVER = (
    "WITH numbered AS (SELECT event, user_id, row_number() OVER "
    "(PARTITION BY user_id ORDER BY timestamp, event_id) AS seq FROM events) "
    "SELECT event, count(DISTINCT user_id) AS customers, avg(seq) AS place "
    "FROM numbered GROUP BY event"
)


def parquet_file(rows: int, customers: int) -> Path:
    """The generated events (made once, then reused), Parquet only."""
    path = DATA_DIR / f"memory_{rows}_{customers}.parquet"
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")
    sql = events_sql(rows, DEFAULT_SEED, customers)
    partial = path.with_suffix(".partial")
    con.execute(
        "COPY (SELECT event_id, user_id, timestamp, event, channel, value, product_id, device "
        f"FROM ({sql})) TO '{partial}' (FORMAT parquet, COMPRESSION zstd)"
    )
    con.close()
    partial.rename(path)
    return path


def measured(command: list[str], timeout: float) -> dict:
    """Run ``command``; its wall time, peak RSS, exit code and the stdout it wrote."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    output: dict[str, str] = {}

    def drain(name: str, stream) -> None:
        output[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=(n, s))
        for n, s in (("stdout", process.stdout), ("stderr", process.stderr))
    ]
    for reader in readers:
        reader.start()
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    _, status, usage = os.wait4(process.pid, 0)
    killer.cancel()
    for reader in readers:
        reader.join()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(command)} exited {code}:\n{output.get('stderr', '')[-3000:]}")
    return {
        "seconds": time.perf_counter() - started,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux reports kilobytes
        # CPU seconds tell the work apart from the wait on a busy machine.
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "stdout": output.get("stdout", ""),
    }


def worker_floor(step: str, file: str, database: str, memory_limit: str) -> None:
    con = duckdb.connect(database)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    started = time.perf_counter()
    if step == "ingest":
        con.execute(FLOOR_INGEST, [file])
    else:
        con.execute(FLOOR_DISCOVER).fetchall()
    seconds = time.perf_counter() - started
    con.close()
    print(RESULT_MARK + json.dumps({"work_seconds": seconds}), flush=True)


def floor(step: str, file: Path, database: Path, memory_limit: str, timeout: float) -> dict:
    me = [sys.executable, str(Path(__file__).resolve()), "--floor", step]
    result = measured([*me, str(file), str(database), memory_limit], timeout)
    mark = [ln for ln in result.pop("stdout").splitlines() if ln.startswith(RESULT_MARK)]
    result.update(json.loads(mark[-1][len(RESULT_MARK) :]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=parse_count, default=100_000_000)
    parser.add_argument("--customers", type=parse_count, default=5_000_000)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--floor", nargs=4, metavar=("STEP", "FILE", "DB", "LIMIT"))
    args = parser.parse_args()
    if args.floor:
        worker_floor(*args.floor)
        return

    from recorrido.settings import default_memory_limit

    limit = default_memory_limit() or "DuckDB's default"
    file = parquet_file(args.rows, args.customers)
    work = DATA_DIR / "memory_workspaces"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ws = work / "ws"
    subprocess.run([str(RECORRIDO), "init", str(ws)], check=True, capture_output=True)
    rows = {}
    rows["ingest"] = measured(
        [str(RECORRIDO), "ingest", str(file), "-w", str(ws), "--json"], args.timeout
    )
    rows["ingest"]["summary"] = json.loads(rows["ingest"].pop("stdout"))
    draft = work / "draft.yaml"
    rows["discover"] = measured(
        [str(RECORRIDO), "map", "discover", "-w", str(ws), "-o", str(draft), "--json"],
        args.timeout,
    )
    rows["discover"]["summary"] = json.loads(rows["discover"].pop("stdout"))
    database = work / "floor.duckdb"
    rows["ingest floor"] = floor("ingest", file, database, limit, args.timeout)
    rows["discover floor"] = floor("discover", file, database, limit, args.timeout)
    workspace_mib = sum(p.stat().st_size for p in ws.rglob("*") if p.is_file()) / 2**20
    shutil.rmtree(work, ignore_errors=True)

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "customers": args.customers,
        "file_mib": file.stat().st_size / 2**20,
        "default_memory_limit": limit,
        "machine": {
            "cpus": os.cpu_count(),
            "ram_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "load_after": os.getloadavg(),
        },
        "workspace_mib": workspace_mib,
        "steps": rows,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "memory.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS_DIR / "memory.md").write_text(table(result, " ".join(sys.argv[1:])))
    print(table(result, " ".join(sys.argv[1:])))


def table(result: dict, arguments: str) -> str:
    m = result["machine"]
    lines = [
        f"# Memory with default settings: {result['rows']:,} events",
        "",
        f"- Command: `{(COMMAND + ' ' + arguments).strip()}`",
        f"- When: {result['when']}; {m['cpus']} CPUs, {m['ram_gib']:.1f} GiB RAM, Python "
        f"{m['python']}, DuckDB {m['duckdb']}; load after the run "
        f"{', '.join(f'{x:.1f}' for x in m['load_after'])}",
        f"- Data: {result['rows']:,} generated events of {result['customers']:,} customers, "
        f"Parquet {result['file_mib']:,.0f} MiB; workspace after ingest "
        f"{result['workspace_mib']:,.0f} MiB",
        f"- recorrido's default memory limit on this machine: {result['default_memory_limit']} "
        "(no `memory_limit` in `recorrido.yaml`); the floors run under the same limit.",
        "",
        "| step | wall s | CPU s | peak RSS MiB |",
        "|---|---:|---:|---:|",
    ]
    for name, row in result["steps"].items():
        cpu = f"{row['cpu_seconds']:,.1f}" if "cpu_seconds" in row else "—"
        lines.append(f"| {name} | {row['seconds']:,.1f} | {cpu} | {row['peak_rss_mib']:,.0f} |")
    ingest = result["steps"]["ingest"]["summary"]
    lines += [
        "",
        f"Ingest summary: {json.dumps({k: ingest.get(k) for k in SUMMARY_KEYS})}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
