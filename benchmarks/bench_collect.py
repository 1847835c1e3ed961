"""Sustained load on the collection API: concurrent clients on loopback against `recorrido serve`.

Phases one after the other on one fresh workspace (`--phases`, by default all three):

- **batch@20000**: clients send `POST /v1/batch` with 100 `track` calls each, at a steady
  20,000 calls/s offered (the issue's target rate: latency and freshness there, not at
  saturation);
- **batch**: the same as fast as the clients can;
- **track**: clients send single `POST /v1/track` calls as fast as they can.

Reported per phase: calls accepted per second, request latency p50/p99 (client side, loopback),
the server's memory (RSS) at the start, 10 s in (after warm-up), the end and its peak (and every
10 s in the JSON), and freshness: a probe sends one
call every second and times how long until it is visible in `events` (asked through the JSON API),
plus the loader's own lag (closing of a landing file to its end of load). Between phases the
benchmark waits until the loader has caught up (`settle_s` in the JSON). After the phases, every
acknowledged `messageId` is checked to be in `events` exactly once.

The server runs as its own process (`python -m recorrido.cli serve`, rate limit off); the load comes
from `--processes` processes with `--clients` threads each (HTTP keep-alive, the standard
library's `http.client`, bodies built from a template to spend little CPU), all on this machine,
so client and server share the CPUs (on a machine shared with other work, run it under a lock
such as `flock LOCKFILE ...` and read the load average it reports):

    .venv/bin/python benchmarks/bench_collect.py --seconds 60

`--map FILE` puts a journey map in the workspace folder, so the server's warm worker
(`server/warm.py`) measures it after the loads (over the events arriving: at 20,000 calls/s about
a million a minute); `--no-warm` runs the server without it (`recorrido serve --no-warm`). Run
both to see what the warm costs the collection API's latency and freshness:

    .venv/bin/python benchmarks/bench_collect.py --phases batch@20000 --seconds 60 \
        --map benchmarks/maps/bench-6-stages.yaml [--no-warm]

Results: `benchmarks/results/collect.md` (table + command, machine, load average) and
`benchmarks/results/collect.json`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _batch_body(number: int, prefix: str, now: str) -> tuple[bytes, list[str]]:
    """A batch of 100 ``track`` calls as JSON bytes, built from a template: the load clients
    share the two cores with the server, so they spend as little CPU per call as they can."""
    ids = [f"{prefix}-{i}" for i in range(100)]
    calls = ",".join(
        _BATCH_CALL % ((number * 977 + i) % 5000, mid, now, i % 50) for i, mid in enumerate(ids)
    )
    return b'{"batch":[' + calls.encode() + b"]}", ids


_BATCH_CALL = (
    '{"type":"track","userId":"user-%d","event":"Product Viewed","messageId":"%s",'
    '"timestamp":"%s","properties":{"sku":"sku-%d","price":19.9}}'
)
_TRACK_CALL = (
    '{"userId":"user-%d","event":"Product Viewed","messageId":"%s","timestamp":"%s",'
    '"properties":{"sku":"sku-1","price":19.9}}'
)


def _client_process(url, key, kind, seconds, threads, tag, out_queue, pause=0.0):
    """One load process: ``threads`` keep-alive clients for ``seconds``; returns latencies and
    the acknowledged message ids. Clients use the standard library's ``http.client`` (a fraction
    of ``httpx``'s CPU per request): what the server can take, not what the client can send."""
    latencies: list[float] = []
    acknowledged: list[str] = []
    refused = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    host, port = url.removeprefix("http://").rsplit(":", 1)
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
        "Content-Type": "application/json",
    }
    path = "/v1/batch" if kind == "batch" else "/v1/track"

    def client(number: int) -> None:
        mine_lat, mine_ack, count = [], [], 0
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        due = time.monotonic() + pause * number / threads  # paced clients start staggered
        while time.monotonic() < deadline:
            if pause:  # a steady offered rate: each client sends on its own schedule
                due += pause
                time.sleep(max(0.0, due - time.monotonic()))
            prefix = f"{tag}-{number}-{count}"
            count += 1
            if kind == "batch":
                body, ids = _batch_body(number, prefix, now)
            else:
                body, ids = (_TRACK_CALL % (count % 5000, prefix, now)).encode(), [prefix]
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                refused[0] += 1
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                continue
            mine_lat.append(time.perf_counter() - started)
            if answer.status == 200:
                mine_ack.extend(ids)
            else:
                refused[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine_lat)
            acknowledged.extend(mine_ack)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out_queue.put({"latencies": latencies, "acknowledged": acknowledged, "refused": refused[0]})


def _query(url: str, token: str, sql: str):
    answer = httpx.get(
        f"{url}/api/v1/query",
        params={"sql": sql},
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    answer.raise_for_status()
    return answer.json()


def _probe(url, write, read, stop, samples):
    """Every second: one call, then how long until ``events`` shows it."""
    with httpx.Client(auth=(write, ""), timeout=30) as http:
        while not stop.is_set():
            mid = f"probe-{uuid.uuid4()}"
            answer = http.post(
                url + "/v1/track", json={"userId": "probe", "event": "probe", "messageId": mid}
            )
            acked = time.perf_counter()
            if answer.status_code != 200:
                continue
            while not stop.is_set():
                found = _query(
                    url, read, f"select count(*) as n from events where event_id = '{mid}'"
                )
                if found[0]["n"]:
                    samples.append(time.perf_counter() - acked)
                    break
                time.sleep(0.05)
            stop.wait(1.0)


def run_phase(url, server_pid, write, read, phase, seconds, processes, threads):
    """One phase: ``batch`` or ``track`` as fast as the clients go, or ``batch@N`` / ``track@N``
    at a steady N calls/s offered (latency at a given throughput, not at saturation)."""
    kind, _, rate = phase.partition("@")
    calls_per_request = 100 if kind == "batch" else 1
    pause = processes * threads * calls_per_request / float(rate) if rate else 0.0
    queue: mp.Queue = mp.Queue()
    procs = [
        mp.Process(
            target=_client_process,
            args=(
                url,
                write,
                kind,
                seconds,
                threads,
                f"{kind}{p}-{uuid.uuid4().hex[:6]}",
                queue,
                pause,
            ),
        )
        for p in range(processes)
    ]
    rss = [_rss_mb(server_pid)]
    cpu_before = _cpu_seconds(server_pid)
    stop = threading.Event()
    fresh: list[float] = []
    probe = threading.Thread(target=_probe, args=(url, write, read, stop, fresh), daemon=True)
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    probe.start()
    results = []
    while len(results) < processes:
        with contextlib.suppress(Exception):
            results.append(queue.get(timeout=1.0))
        rss.append(_rss_mb(server_pid))
    elapsed = time.perf_counter() - started
    server_cpu = _cpu_seconds(server_pid) - cpu_before
    for proc in procs:
        proc.join()
    stop.set()
    probe.join(30)
    latencies = sorted(x for r in results for x in r["latencies"])
    acknowledged = [x for r in results for x in r["acknowledged"]]
    state = httpx.get(f"{url}/api/v1/health", timeout=30).json()
    health = state["loader"]
    return {
        "phase": f"{kind} at {int(rate):,} calls/s offered" if rate else kind,
        "seconds": round(elapsed, 1),
        "clients": processes * threads,
        "requests": len(latencies),
        "refused": sum(r["refused"] for r in results),
        "calls_acknowledged": len(acknowledged),
        "calls_per_second": round(len(acknowledged) / seconds),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
        "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1) if latencies else None,
        "server_cpu_s": round(server_cpu, 1),
        # CPU the server spent per acknowledged call (HTTP, checks, landing, loading into
        # DuckDB): what one core could sustain, whatever else shares the machine
        "server_cpu_us_per_call": round(1e6 * server_cpu / max(len(acknowledged), 1)),
        "rss_start_mb": round(rss[0]),
        # the first seconds are warm-up (first loads, caches): growth is what comes after
        "rss_10s_mb": round(rss[min(10, len(rss) - 1)]),
        "rss_every_10s_mb": [round(x) for x in rss[::10]],
        "rss_end_mb": round(rss[-1]),
        "rss_peak_mb": round(max(rss)),
        "fresh_median_s": round(statistics.median(fresh), 2) if fresh else None,
        "fresh_max_s": round(max(fresh), 2) if fresh else None,
        "loader_last_lag_s": health["last_lag_seconds"],
        "loader_loads": health["loads"],
        # warms the server had run by the phase's end (since its start), and the last one's time
        "warms": (state.get("warm") or {}).get("warms"),
        "warm_last_s": (state.get("warm") or {}).get("last_seconds"),
        "_ids": acknowledged,
    }


def _settle(url: str, read: str, wanted: int, limit: float = 120.0) -> tuple[dict, float]:
    """Wait until ``events`` holds ``wanted`` acknowledged calls; their counts and the wait."""
    started = time.perf_counter()
    while True:
        counts = _query(
            url,
            read,
            "select count(*) as n, count(distinct event_id) as ids from events "
            "where event_id not like 'probe-%'",
        )[0]
        waited = time.perf_counter() - started
        if counts["n"] >= wanted or waited > limit:
            return counts, waited
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="per phase")
    parser.add_argument("--processes", type=int, default=2, help="load processes")
    parser.add_argument("--clients", type=int, default=8, help="threads per load process")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--map", type=Path, help="a journey map put in the workspace folder")
    parser.add_argument(
        "--warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the server's warm worker on (default) or off",
    )
    parser.add_argument(
        "--phases",
        nargs="+",
        default=["batch@20000", "batch", "track"],
        help="batch | track, as fast as the clients go; batch@N | track@N: N calls/s offered",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()

    sys.path.insert(0, str(ROOT / "src"))
    from recorrido import Workspace
    from recorrido.server.keys import KeyStore

    scratch = Path(tempfile.mkdtemp(prefix="bench-collect-"))
    folder = scratch / "ws"
    Workspace.init(folder, language="en").close()
    write = KeyStore(folder).create("write")[1]
    read = KeyStore(folder).create("read")[1]
    if args.map is not None:
        shutil.copy2(args.map, folder / args.map.name)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "recorrido.cli",
            "serve",
            "-w",
            str(folder),
            "--port",
            str(port),
            "--rate-limit",
            "0",
            "--warm" if args.warm else "--no-warm",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        phases, every = [], []
        for kind in args.phases:
            if phases:  # each phase starts with the loader caught up, not on the last's backlog
                phases[-1]["settle_s"] = round(_settle(url, read, len(set(every)))[1], 1)
            phases.append(
                run_phase(
                    url, server.pid, write, read, kind, args.seconds, args.processes, args.clients
                )
            )
            every.extend(phases[-1].pop("_ids"))
        wanted = len(set(every))
        counts, settle_seconds = _settle(url, read, wanted)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(120)
        shutil.rmtree(scratch, ignore_errors=True)  # gigabytes after a minute at saturation
    exact = counts is not None and counts["n"] == wanted == counts["ids"]
    write_results(args, phases, wanted, exact, settle_seconds, load_before, os.getloadavg())
    return 0 if exact else 1


def write_results(args, phases, wanted, exact, settle_seconds, load_before, load_after) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/bench_collect.py " + " ".join(sys.argv[1:])
    head = (
        "| phase | clients | seconds | requests | calls/s | p50 ms | p99 ms | refused | "
        "server CPU µs/call | RSS start/10 s/end/peak MB | fresh median/max s | loader lag s |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = "".join(
        f"| {p['phase']} | {p['clients']} | {p['seconds']} | {p['requests']:,} | "
        f"{p['calls_per_second']:,} | {p['p50_ms']} | {p['p99_ms']} | {p['refused']} | "
        f"{p['server_cpu_us_per_call']:,} | "
        f"{p['rss_start_mb']}/{p['rss_10s_mb']}/{p['rss_end_mb']}/{p['rss_peak_mb']} | "
        f"{p['fresh_median_s']}/{p['fresh_max_s']} | {p['loader_last_lag_s']} |\n"
        for p in phases
    )
    text = (
        "# Collection API under sustained load\n\n"
        f"Command: `{command}`  \n"
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · machine: {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()} · load average before "
        f"{load_before[0]:.1f}, after {load_after[0]:.1f} · warm worker "
        f"{'on' if args.warm else 'off'}, map in the workspace: "
        f"{args.map.name if args.map else 'none'}\n\n"
        + head
        + rows
        + f"\nAcknowledged calls: {wanted:,}; every one in `events` exactly once: "
        f"**{'yes' if exact else 'NO'}** (all visible {settle_seconds:.1f} s after the load "
        "stopped).\n"
    )
    (args.out / "collect.md").write_text(text, encoding="utf-8")
    (args.out / "collect.json").write_text(
        json.dumps({"command": command, "phases": phases, "exact": exact}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(text)


if __name__ == "__main__":
    raise SystemExit(main())
