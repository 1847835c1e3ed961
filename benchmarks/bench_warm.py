"""`recorrido measure` end to end while `recorrido serve` holds the workspace, beside the cold
command and the hand-written SQL (issue 18), on 1 million generated events.

    flock /work/notes/bench.lock .venv/bin/python benchmarks/bench_warm.py --runs 7

Timed, each as a whole process from its start to its exit (output to /dev/null), runs of the
rows alternating so that a change in the machine's load hits them alike:

- **cold CLI**: ``.venv/bin/recorrido measure MAP -w COLD`` where no server runs (interpreter
  start, the command line's imports, opening the workspace, the measured map, the tables);
- **warm server, asked again**: the same command on ``WARM``, held by a running ``recorrido
  serve``: the console script's launcher asks the server with the standard library alone and
  prints the same tables; the server gives the answer it kept (nothing changed since);
- **warm server, first ask**: the same, after the map file changed (a comment appended before
  every run), so the server measures anew on its open connection;
- **first ask after a data change, warm on**: a batch of 10 new events is posted to the
  server's ``/v1/batch``, and ``--delay`` seconds (5) after its 200 the same command runs: the
  server's warm worker (``server/warm.py``) has measured the map after the load, so the answer is
  a kept one. The server's CPU between the batch and the ask (the load and the warm) is
  ``warm_cpu_seconds``; whether the ask was a kept answer is read from ``/api/v1/health``;
- **floor: hand-written SQL**: ``workloads/duckdb_sql.py``'s measured map on the same events as a
  process of its own (the floor of ``bench_cli.py``); its own timer gives the query alone.

CPU seconds: the command's (user + system of every thread, ``os.wait4``) and, for the warm rows,
the server's during the run (``/proc/PID/stat``). The server is started once per benchmark and
not timed. Before timing, the forwarded answer (``--json``) must equal the cold command's.

``COLD`` and ``WARM`` are two copies of ``bench_cli.py``'s workspace
(``benchmarks/.data/workspaces/warm_<size>_{cold,warm}``), each with the map in its folder (the
API reaches maps there only). Results: ``benchmarks/results/warm.json``; the table is printed as
Markdown for ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_cli  # noqa: E402

RECORRIDO = ROOT / ".venv" / "bin" / "recorrido"
PYTHON = ROOT / ".venv" / "bin" / "python"
MAP_NAME = "bench-6-stages.yaml"
_SQL_TIMED = (
    "import sys, time; sys.path[:0] = [{here!r}, {here!r} + '/workloads']; "
    "import duckdb_sql; from common import JOURNEYS; "
    "t = time.perf_counter(); duckdb_sql.measured_map({data!r}, JOURNEYS); "
    "print(time.perf_counter() - t, file=sys.stderr)"
)


def copies(size: str, log) -> tuple[Path, Path]:
    """Two copies of ``bench_cli``'s workspace with the map inside: one cold, one served."""
    source = bench_cli.workspace(size, log)
    made = []
    for kind in ("cold", "warm"):
        folder = bench_cli.WORKSPACES / f"warm_{size}_{kind}"
        # the served copy gets new events (the data-change row): fresh from the source each time
        if kind == "warm" or not (folder / "recorrido.yaml").exists():
            log(f"copying {source} to {folder}")
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for name in ("recorrido.yaml", "recorrido.duckdb"):
                shutil.copy2(source / name, folder / name)
        shutil.copy2(bench_cli.MAP, folder / MAP_NAME)
        made.append(folder)
    return made[0], made[1]


def server_cpu(pid: int) -> float:
    """User + system seconds of the server process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(folder: Path, port: int, log) -> subprocess.Popen:
    log(f"starting recorrido serve -w {folder} --port {port}")
    (folder / "server.json").unlink(missing_ok=True)  # one a killed server left
    server = subprocess.Popen(
        [str(RECORRIDO), "serve", "-w", str(folder), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not (folder / "server.json").exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start: {server.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    return server


def health(folder: Path) -> dict:
    address = json.loads((folder / "server.json").read_text())["address"]
    with urllib.request.urlopen(f"{address}/api/v1/health", timeout=30) as answer:
        return json.load(answer)


def post_batch(folder: Path, key: str, tag: str) -> None:
    """Ten new events through the collection API, as a site sends them."""
    address = json.loads((folder / "server.json").read_text())["address"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    calls = [
        {
            "type": "track",
            "userId": f"bench-warm-{n}",
            "event": "page_view",
            "messageId": f"bench-warm-{tag}-{n}",
            "timestamp": now,
        }
        for n in range(10)
    ]
    request = urllib.request.Request(
        f"{address}/v1/batch",
        data=json.dumps({"batch": calls}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + b64encode(f"{key}:".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        if answer.status != 200:
            raise SystemExit(f"the batch was refused: {answer.status}")


def wait_loaded_and_warm(folder: Path, loads: int, warms: int, limit: float = 600) -> None:
    """Until the server has loaded past ``loads`` and warmed past ``warms`` (so that the next
    row's timing is not shared with the warm's work)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        state = health(folder)
        if state["loader"]["loads"] > loads and (state["warm"] or {}).get("warms", 0) > warms:
            return
        time.sleep(0.2)
    raise SystemExit(f"the server did not load and warm within {limit:.0f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="1M")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--port", type=int, default=8399)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "warm.json")
    parser.add_argument(
        "--delay", type=float, default=5.0, help="seconds from a batch's 200 to the ask"
    )
    args = parser.parse_args(argv)

    def log(text):
        print(text, file=sys.stderr, flush=True)

    cold, warm = copies(args.size, log)
    data = bench_cli.past_file(args.size)
    env = {k: v for k, v in os.environ.items() if k != "RECORRIDO_NO_FORWARD"}
    from recorrido.server.keys import KeyStore

    write_key = KeyStore(warm).create("write", "bench_warm")[1]
    server = start_server(warm, args.port, log)
    try:
        # the warm after the start (the measure, then the web pages' questions), done before
        # anything is timed
        started = time.monotonic()
        while (health(warm).get("warm") or {}).get("warms", 0) < 1:
            if time.monotonic() > started + 900:
                raise SystemExit("the server's first warm did not end within 15 minutes")
            time.sleep(0.5)
        log(f"first warm done {time.monotonic() - started:.1f} s after the server started")
        command = {
            folder: [str(RECORRIDO), "measure", str(folder / MAP_NAME), "-w", str(folder)]
            for folder in (cold, warm)
        }
        answers = {}
        for folder in (cold, warm):
            done = subprocess.run(
                [*command[folder], "--json"], cwd=ROOT, env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise SystemExit(f"measure on {folder} failed: {done.stderr[-2000:]}")
            answers[folder] = json.loads(done.stdout)
        agrees = answers[cold] == answers[warm]
        log(f"forwarded answer equals the cold command's: {agrees}")
        map_file = warm / MAP_NAME
        original = map_file.read_text(encoding="utf-8")
        sql = [str(PYTHON), "-c", _SQL_TIMED.format(here=str(HERE), data=str(data))]
        rows = {
            "cold CLI": [],
            "warm server, first ask": [],
            "warm server, asked again": [],
            "floor: hand-written SQL": [],
            # last in each round: the warm it starts (the measure, then the web pages'
            # questions) ends before the next round's rows are timed
            "first ask after a data change, warm on": [],
        }
        load_before = os.getloadavg()
        for run in range(args.runs):
            for name in rows:
                if name == "cold CLI":
                    timing = bench_cli.timed(command[cold], env)
                elif name == "floor: hand-written SQL":
                    started = time.perf_counter()
                    proc = subprocess.Popen(
                        sql, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                    )
                    stderr = proc.stderr.read()
                    _, status, usage = os.wait4(proc.pid, 0)
                    timing = {
                        "wall_seconds": time.perf_counter() - started,
                        "cpu_seconds": usage.ru_utime + usage.ru_stime,
                        "maxrss_mb": usage.ru_maxrss / 1024,
                        "returncode": os.waitstatus_to_exitcode(status),
                        "load1": os.getloadavg()[0],
                        "query_seconds": float(stderr.decode().strip().splitlines()[-1]),
                    }
                elif name == "first ask after a data change, warm on":
                    state = health(warm)
                    before = server_cpu(server.pid)
                    post_batch(warm, write_key, f"{os.getpid()}-{run}")
                    time.sleep(args.delay)
                    asked, pre = server_cpu(server.pid), health(warm)["kept_answers"]
                    timing = bench_cli.timed(command[warm], env)
                    timing["server_cpu_seconds"] = server_cpu(server.pid) - asked
                    timing["warm_cpu_seconds"] = asked - before
                    post = health(warm)["kept_answers"]
                    # kept: the ask found its answer; warm_running: the warm was computing it
                    # when the ask came (the ask waited for it)
                    timing["kept"] = post["hits"] > pre["hits"]
                    timing["warm_running"] = post["computed"] > pre["computed"]
                    wait_loaded_and_warm(warm, state["loader"]["loads"], state["warm"]["warms"])
                else:
                    if name == "warm server, first ask":  # a changed map: measured anew
                        map_file.write_text(f"{original}# run {run}\n", encoding="utf-8")
                    before = server_cpu(server.pid)
                    timing = bench_cli.timed(command[warm], env)
                    timing["server_cpu_seconds"] = server_cpu(server.pid) - before
                rows[name].append(timing)
                log(f"  {name}: {timing['wall_seconds']:.2f} s, {timing['cpu_seconds']:.2f} s CPU")
        map_file.write_text(original, encoding="utf-8")
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(60)
    table = []
    for name, runs in rows.items():
        ok = [r for r in runs if r["returncode"] == 0]
        row = {"row": name, "n": len(ok), "runs": runs}
        for key in (
            "wall_seconds",
            "cpu_seconds",
            "server_cpu_seconds",
            "warm_cpu_seconds",
            "query_seconds",
            "maxrss_mb",
            "load1",
        ):
            values = [r[key] for r in ok if key in r]
            if values:
                row[key] = statistics.median(values)
        row["min_wall_seconds"] = min((r["wall_seconds"] for r in ok), default=None)
        if any("kept" in r for r in ok):
            row["kept"] = sum(bool(r.get("kept")) for r in ok)
            row["warm_running"] = sum(bool(r.get("warm_running")) for r in ok)
        table.append(row)
    meta = {
        "command": "flock /work/notes/bench.lock .venv/bin/python benchmarks/bench_warm.py "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs; {platform.platform()}; "
        f"Python {platform.python_version()}",
        "events": answers[cold]["summary"]["events"],
        "customers": answers[cold]["summary"]["customers"],
        "agrees": agrees,
        "load_before": load_before,
        "load_after": load_after,
        "delay": args.delay,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"meta": meta, "rows": table}, indent=1))
    print(markdown(meta, table))
    return 0 if agrees else 1


def markdown(meta: dict, table: list[dict]) -> str:
    def seconds(value):
        return "—" if value is None else f"{value:.2f}"

    loads = ", ".join(f"{x:.2f}" for x in meta["load_before"])
    lines = [
        f"- Command: `{meta['command']}`",
        f"- {meta['events']:,} events, {meta['customers']:,} customers; forwarded answer equal "
        f"to the cold command's: {'yes' if meta['agrees'] else 'NO'}",
        f"- Date: {meta['date']}; {meta['machine']}; load average before: {loads}; after: "
        + ", ".join(f"{x:.2f}" for x in meta["load_after"]),
        "",
        "| row | wall s (median) | wall s (min) | command CPU s | server CPU s | SQL query s "
        "| peak MB | runs | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table:
        lines.append(
            f"| {row['row']} | {seconds(row.get('wall_seconds'))} | "
            f"{seconds(row.get('min_wall_seconds'))} | {seconds(row.get('cpu_seconds'))} | "
            f"{seconds(row.get('server_cpu_seconds'))} | {seconds(row.get('query_seconds'))} | "
            f"{row.get('maxrss_mb', 0):.0f} | {row['n']} | {row.get('load1', 0):.2f} |"
        )
    for row in table:
        if "kept" in row:
            lines.append(
                f"\n{row['row']}: asked {meta['delay']:.0f} s after the batch's 200; a kept "
                f"answer in {row['kept']} of {row['n']} runs ({row['warm_running']} of them while "
                f"the warm was still computing it); server CPU between the batch and the ask "
                f"(load + warm), median {seconds(row.get('warm_cpu_seconds'))} s"
            )
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
