"""Journey analytics benchmark: recorrido against the peers, same data, same run.

    .venv/bin/python benchmarks/bench_analytics.py                       # 1M and 10M, all tools
    .venv/bin/python benchmarks/bench_analytics.py 1M --runs 3 --tools recorrido duckdb_sql
    .venv/bin/python benchmarks/bench_analytics.py 100M --tools recorrido duckdb_sql \\
        --workloads measured_map --runs 1

For each size (``1M``, ``10M``, ``100M`` journeys from ``benchmarks/journeys.py``, generated when
missing; ``bpi2012`` for the real BPI Challenge 2012 log, converted once with pm4py) and each
workload, every tool that has it runs **in its own process** (``benchmarks/workloads/run.py``):

1. a **check run**: its answer must agree with the hand-written DuckDB SQL's (the reference);
   a tool that disagrees is reported and not timed;
2. ``--runs`` **timed runs** (a check run that took longer than ``--slow`` seconds is the only
   timed run). Each run records the process's wall time (interpreter start and imports
   included), the workload's own time measured inside it (reading the Parquet file included),
   ``ru_maxrss`` of the process (``os.wait4``) and the peak resident memory of its whole process
   tree sampled from ``/proc`` every 0.1 s (for PySpark this includes the JVM). Medians are
   reported.

Results: ``benchmarks/RESULTS.md`` and ``benchmarks/results/analytics.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "workloads"))

from common import differences  # noqa: E402

import journeys  # noqa: E402

MAIN_PY = ROOT / ".venv" / "bin" / "python"
PEERS_PY = HERE / ".venv-peers" / "bin" / "python"
TOOLS = {
    "recorrido": (
        MAIN_PY,
        ["dfg", "funnel", "variants", "sessions", "measured_map", "attribution"],
    ),
    "duckdb_sql": (
        MAIN_PY,
        ["dfg", "funnel", "variants", "sessions", "measured_map", "attribution"],
    ),
    "pandas": (MAIN_PY, ["dfg", "funnel", "variants", "sessions"]),
    "pm4py": (PEERS_PY, ["dfg", "variants"]),
    "retentioneering": (PEERS_PY, ["dfg", "funnel", "sessions"]),
    "pyspark": (
        MAIN_PY,
        ["dfg", "funnel", "variants", "sessions", "measured_map", "attribution"],
    ),
}
WORKLOADS = ["dfg", "funnel", "variants", "sessions", "measured_map", "attribution"]
TITLES = {
    "dfg": "directly-follows graph with mean time",
    "funnel": "4-step ordered funnel, 7-day window",
    "variants": "top-20 variants of the first 10 events",
    "sessions": "sessionization at 30 minutes",
    "measured_map": "full measured map, 6 stages",
    "attribution": "Markov attribution (order 1, campaigns)",
}
REFERENCE = "duckdb_sql"
#: Real datasets and the workloads that fit them (no channels, campaigns or map for BPI 2012).
REAL = {"bpi2012": ["dfg", "funnel", "variants", "sessions"]}
REAL_TITLES = {"bpi2012": "Real data: BPI Challenge 2012 loan applications (one case = a customer)"}
PAGE = os.sysconf("SC_PAGE_SIZE")


def data_for(size: str) -> Path:
    if size == "bpi2012":
        return bpi2012()
    return journeys.ensure(journeys.parse_size(size))


def bpi2012() -> Path:
    """The real BPI Challenge 2012 log as canonical Parquet (read once with pm4py's XES reader)."""
    out = HERE / ".data" / "bpi2012.parquet"
    if out.exists():
        return out
    source = ROOT.parent / "shared" / "data" / "bpi2012_loan_application" / "bpic2012.xes.gz"
    code = f"""
import pandas as pd, pm4py
df = pm4py.read_xes({str(source)!r})
df = df.reset_index(drop=True)
out = pd.DataFrame({{
    "event_id": ["bpi-" + str(i).zfill(7) for i in range(len(df))],
    "customer_id": df["case:concept:name"].astype(str),
    "anonymous_id": None,
    "timestamp": pd.to_datetime(df["time:timestamp"], utc=True),
    "event": df["concept:name"].astype(str),
    "channel": "web", "source": "bpi2012", "value": None, "properties": None,
}})
out.to_parquet({str(out)!r}, index=False)
"""
    subprocess.run([str(PEERS_PY), "-c", code], check=True)
    return out


# -- one measured process ---------------------------------------------------------------------
def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            pid, ppid = int(entry), int(fields[1])
            rss[pid] = int(fields[21]) * PAGE
            children.setdefault(ppid, []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(python: Path, tool: str, workload: str, data: Path, timeout: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = Path(tmp.name)
    cmd = [str(python), str(HERE / "workloads" / "run.py"), tool, workload, str(data)]
    cmd += ["--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "RETENTIONEERING_NO_TRACK": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    timer.cancel()
    done.set()
    sampler.join()
    result = {
        "tool": tool,
        "workload": workload,
        "wall_seconds": wall,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "tree_peak_mb": peak[0] / 2**20,
        "returncode": proc.returncode,
    }
    if proc.returncode != 0:
        result["timed_out"] = wall >= timeout
        result["error"] = stderr.strip().splitlines()[-3:] if stderr.strip() else []
        out.unlink(missing_ok=True)
        return result
    payload = json.loads(out.read_text(encoding="utf-8"))
    out.unlink(missing_ok=True)
    result["seconds"] = payload["seconds"]
    result["import_seconds"] = payload["import_seconds"]
    result["answer"] = payload["answer"]
    return result


# -- the run ----------------------------------------------------------------------------------
def loadavg() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_size(size, tools, workloads, runs, timeout, slow, log) -> list[dict]:
    data = data_for(size)
    rows = []
    for workload in workloads:
        if size in REAL and workload not in REAL[size]:
            continue
        takers = [t for t in tools if workload in TOOLS[t][1]]
        if not takers:
            continue
        order = [REFERENCE, *[t for t in takers if t != REFERENCE]]
        reference = None
        for tool in order:
            python = TOOLS[tool][0]
            if tool not in takers:
                # The reference answer is still needed to check the others: a check run only.
                log(f"{size} {workload} {tool}: reference answer only")
                check = measure(python, tool, workload, data, timeout)
                reference = check.get("answer")
                continue
            if not python.exists():
                rows.append(
                    {
                        "size": size,
                        "tool": tool,
                        "workload": workload,
                        "status": f"not run: {python} missing",
                    }
                )
                continue
            log(f"{size} {workload} {tool}: check run (load {loadavg()})")
            check = measure(python, tool, workload, data, timeout)
            row = {"size": size, "tool": tool, "workload": workload, "load_before": loadavg()}
            if check["returncode"] != 0:
                row["status"] = (
                    f"> {timeout:.0f} s (stopped)" if check.get("timed_out") else "failed"
                )
                row["error"] = check.get("error")
                row["runs"] = [check]
                rows.append(row)
                log(f"  {row['status']} {row.get('error')}")
                continue
            answer = check.pop("answer")
            if tool == REFERENCE:
                reference = answer
                row["agrees"] = "reference"
            else:
                diff = differences(reference, answer) if reference is not None else ["no ref"]
                row["agrees"] = "yes" if not diff else "no"
                row["differences"] = diff[:6]
            row["answer"] = answer if tool == REFERENCE else None
            if row["agrees"] == "no":
                row["status"] = "disagrees (not timed)"
                row["runs"] = [check]
                rows.append(row)
                log(f"  DISAGREES: {diff[:3]}")
                continue
            timed = [check] if check["wall_seconds"] > slow else []
            for _ in range(runs - len(timed)):
                again = measure(python, tool, workload, data, timeout)
                again.pop("answer", None)
                timed.append(again)
            ok = [r for r in timed if r["returncode"] == 0]
            row["runs"] = timed
            row["status"] = "ok"
            row["n"] = len(ok)
            for key in ("wall_seconds", "seconds", "maxrss_mb", "tree_peak_mb"):
                row[key] = statistics.median(r[key] for r in ok)
            row["load_after"] = loadavg()
            rows.append(row)
            log(
                f"  {row['seconds']:.2f} s work, {row['wall_seconds']:.2f} s process, "
                f"{row['tree_peak_mb']:.0f} MB (n={row['n']})"
            )
    return rows


def versions() -> dict:
    out = {}
    for name in ("duckdb", "ibis-framework", "pandas", "pyarrow", "pyspark"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    if PEERS_PY.exists():
        text = subprocess.run(
            [str(PEERS_PY), "-m", "pip", "list", "--format=json"], capture_output=True, text=True
        ).stdout
        for item in json.loads(text or "[]"):
            if item["name"].lower() in ("pm4py", "retentioneering"):
                out[item["name"].lower()] = item["version"]
                out["pandas (peers venv)"] = next(
                    (i["version"] for i in json.loads(text) if i["name"].lower() == "pandas"), "?"
                )
    return out


NOT_MEASURED = [
    "- pandas has no measured map and no Markov attribution written (only the four questions "
    "above); pm4py and retentioneering have no measured map or attribution at all.",
    "- PySpark ran at 1M and 10M, one run each (the check run); local mode on 2 cores with an "
    "8 GB driver (`workloads/spark_run.py`). It is there to show that the same code runs on "
    "Spark and gives the same answers, not as a contender on one small machine.",
    "- At 100M only the measured map ran (recorrido and the hand-written SQL, one run each).",
    "- Times are medians of 3 runs at 1M and on BPI 2012, single runs at 100M and for the "
    "peers and PySpark at 10M; the recorrido and SQL rows at 10M are medians of 3.",
    "- The rows come from several commands (see the command line above, run one after the "
    "other, `--merge`): compare rows by their **load** as well as their times.",
]


NOTES = [
    "- **Rerun 2026-11-26 10:10–10:42 UTC after this round of changes.** Every 10M row but "
    "PySpark's (peers included, one run each) comes from one command, then the recorrido and "
    "SQL rows again with 3 runs; the recorrido and SQL rows of BPI 2012 and 1M likewise (3 "
    "runs). The peers' rows on BPI 2012 and 1M and PySpark's are from earlier runs (their "
    "load column says so). The changes: variants "
    "read the events once (the total rides along each top row as a window sum, instead of a "
    "second query counting customers: 1M 0.93 s → 0.48 s in-process); the funnel on DuckDB "
    "summarises the attempts in one aggregate without a temporary table; transitions, variants, "
    "sessions and the funnel ask whether there are events at all only when their answer is "
    "empty; attribution checks that the conversion event exists only when it counted none (two "
    "scans fewer: 10M 7.30 s → 6.64 s in-process, median of 3 cold runs).",
    "- **Within 1.5× of the SQL.** Met by every workload at 10M (1.31× at most) and by most "
    "at 1M and on BPI 2012. Not met by the funnel at 1M and on BPI 2012, and (by a hair, on a "
    "run at load 1.4) sessions on BPI 2012. What remains there is a fixed cost in Python: "
    "building the Ibis expressions and compiling them to SQL, about 0.25 s for the funnel's "
    "chain of ASOF joins, traced in-process (its DuckDB time, 0.14 s on BPI 2012, is already "
    "below the SQL's 0.16 s). Below about a second of engine time recorrido cannot meet 1.5× "
    "while its questions are Ibis expressions compiled per call. Ibis loads its DuckDB backend "
    "and recorrido its map model lazily: both are imported with `workloads/recorrido_run.py`, "
    "as `import duckdb` is for the SQL, so *work s* is work, not importing.",
    "- **Against pm4py and retentioneering at 10M (the 20× target): not met; the ratios measured "
    "in one command** are 10.5–12.4× on the directly-follows graph, 7.9× on variants (pm4py), "
    "6.5× on the funnel and 7.0× on sessions (retentioneering). The hand-written DuckDB SQL "
    "itself is only 6.3–13.4× faster than those peers on the same workloads, so a tool within "
    "1.5× of the SQL cannot reach 20× unless it beats the SQL by a wide margin: recorrido does "
    "on variants and the measured map (it reads the events fewer times than the SQL written "
    "for one question), not on the others.",
    "- **Measured map, rewritten (2026-11-26).** The events are read in three passes (the "
    "events per (event, channel) pair tagged with the rules; one aggregate per customer and "
    "touchpoint that every figure is computed from; the few events whose order between two "
    "touchpoints is tied at one timestamp) instead of storing every tagged event. The committed "
    "figures before it: 2.56 s (1.79×) at 1M, 10.95 s (1.46×) at 10M, 155.25 s against the "
    "SQL's 135.49 s (1.15×) at 100M, PySpark 78.08 s at 1M.",
    "- **The hand-written SQL of the measured map is not the engine's floor.** It stores every "
    "tagged event in a temporary table, then aggregates it (what a fluent user writes for one "
    "question). Written as SQL with recorrido's plan it would be about as fast as recorrido "
    "(a side test of that plan in plain SQL, not the reference here, used 11.5 CPU-seconds at "
    "10M with a slower tie step, against 16–18 for the reference SQL and 9 for recorrido), so "
    "read the measured map's × SQL as against a straightforward SQL, not an optimal one.",
    "- **100M measured map and the 60 s target.** Met on a quiet machine: 39.4 s work (41.2 s "
    "the whole process), peak 5.7 GB, against the hand-written SQL's 106.9 s in the same command "
    "(one run each, 2026-11-26 07:19 UTC, load 0.5–1.8); a run an hour earlier took 49.8 s. An "
    "earlier run at load about 3 took 98 s: an in-process trace then took 87 s wall for 88 "
    "CPU-seconds (DuckDB had about one of the two cores). On this 2-core machine the figure "
    "depends on what else runs.",
    "- **`recorrido measure` on 1M events and the 2 s target: not met, and not reachable with "
    "these libraries on this machine.** The floor rows of the table above say why: a process "
    "that only imports the libraries the command loads takes 1.67 s (median of 7), and the "
    "hand-written SQL's measured map as a process of its own 1.18 s; together, less one "
    "interpreter start, about 2.8 s before a line of recorrido runs. The command takes 3.92 s: "
    "about 1.1 s above that floor (recorrido's own modules and the map's model, building and "
    "compiling some 15 Ibis expressions, opening the workspace, printing). Peak memory: 304 MB "
    "(libraries alone 165 MB). Until 2026-11-26 10:00 UTC `bench_cli.py` computed its "
    "reference answer in its own process, whose peak (about 290 MB) Linux carries into every "
    "command it starts, so no peak below that could show; it now runs in a child.",
]


def fmt_ratio(row, ref) -> str:
    if ref is None or row.get("status") != "ok":
        return "—"
    return f"{row['seconds'] / ref['seconds']:.2f}×"


def write_markdown(path: Path, meta: dict, rows: list[dict]) -> None:
    lines = [
        "# Journey analytics benchmark: recorrido and the peers",
        "",
        "Generated by `benchmarks/bench_analytics.py` (see `benchmarks/README.md`). Same data,",
        "same run, each measurement a separate process. **work s**: the workload inside the",
        "process, reading the Parquet file included (median of the timed runs; **runs** says",
        "how many); **process s**: the whole",
        "process, interpreter start and imports included; **peak MB**: peak resident memory of the",
        "process tree (sampled every 0.1 s; includes the JVM for PySpark); **× SQL**: work time",
        "over the hand-written DuckDB SQL's. **agrees**: the answer was checked against the",
        "hand-written SQL before timing (what is compared: `benchmarks/README.md`).",
        "",
        f"- Command: `{meta['command']}`",
        f"- Date (start of the last command): {meta['date']}",
        f"- Machine: {meta['machine']}",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}",
        f"- recorrido commit: {meta['commit']}",
        f"- Load average (1, 5, 15 min) at the start of each command: {meta['load_before']}; "
        f"at the end: {meta['load_after']}. **load** in the tables is the 1-minute load before "
        "each tool's check run. A shared 2-core machine: other jobs ran during the run, so "
        "times are noisy; compare within a table, not across tables.",
        "",
    ]
    for size in meta["sizes"]:
        info = meta["data"].get(size, {})
        title = REAL_TITLES.get(size, f"{size} events (generated journeys)")
        lines += [f"## {title}", ""]
        if info:
            lines += [
                f"`{info.get('file')}`: {info.get('rows', '?'):,} events, "
                f"{info.get('customers', '?'):,} customers.",
                "",
            ]
        lines += [
            "| workload | tool | work s | × SQL | process s | peak MB | runs | agrees | load |",
            "|---|---|---:|---:|---:|---:|---:|---|---|",
        ]
        for workload in WORKLOADS:
            group = [r for r in rows if r["size"] == size and r["workload"] == workload]
            ref = next((r for r in group if r["tool"] == REFERENCE and r["status"] == "ok"), None)
            for r in group:
                if r["status"] == "ok":
                    lines.append(
                        f"| {TITLES[workload]} | {r['tool']} | {r['seconds']:.2f} | "
                        f"{fmt_ratio(r, ref)} | {r['wall_seconds']:.2f} | "
                        f"{r['tree_peak_mb']:.0f} | {r['n']} | {r['agrees']} | "
                        f"{r['load_before'].split(',')[0]} |"
                    )
                else:
                    lines.append(
                        f"| {TITLES[workload]} | {r['tool']} | {r['status']} | — | — | — | — | "
                        f"{r.get('agrees', '—')} | {r.get('load_before', '').split(',')[0]} |"
                    )
        lines.append("")
        off = [r for r in rows if r["size"] == size and r.get("differences")]
        if off:
            lines += ["Differences found by the check:", ""]
            for r in off:
                lines.append(f"- {r['tool']} / {r['workload']}: {'; '.join(r['differences'])}")
            lines.append("")
    lines += cli_section(HERE / "results" / "cli.json")
    lines += ["## Notes", "", *NOTES, ""]
    lines += ["## Not measured here", "", *NOT_MEASURED, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def cli_section(path: Path) -> list[str]:
    """The "Command line" section, from ``bench_cli.py``'s results when there are any."""
    if not path.exists():
        return []
    saved = json.loads(path.read_text(encoding="utf-8"))
    meta, rows = saved["meta"], saved["rows"]
    lines = [
        f"## Command line: `recorrido measure` on {meta['size']} events",
        "",
        "Generated by `benchmarks/bench_cli.py` (see `benchmarks/README.md`): the whole process "
        "of the command a person types, interpreter start, imports, opening the workspace, the "
        "measured map and the printed tables included (output to /dev/null), run one after "
        "the other; **CPU s** is user + system time of every thread (`os.wait4`). The answer "
        "(`--json`) was checked against the hand-written DuckDB SQL on the same events first.",
        "",
        f"- Command: `{meta['command']}`; timed: `{meta['timed']}`",
        f"- Workspace: `{meta['data']}` ingested ({meta['events']:,} events, "
        f"{meta['customers']:,} customers; the journeys moved 1,461 days back so that none is "
        "in the future and every row is kept)",
        f"- Date: {meta['date']}; machine: {meta['machine']}; recorrido commit: {meta['commit']}",
        "- Load average (1, 5, 15 min) before: "
        + ", ".join(f"{x:.2f}" for x in meta["load_before"])
        + "; after: "
        + ", ".join(f"{x:.2f}" for x in meta["load_after"]),
        "",
        "| source tree | wall s (median) | wall s (min) | CPU s | peak MB | runs | agrees | load |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        if "wall_seconds" not in r:
            lines.append(f"| {r['tree']} | — | — | — | — | 0 | {r['agrees']} | — |")
            continue
        agrees = "—" if r.get("floor") else ("yes" if r["agrees"] else "no")
        lines.append(
            f"| {r['tree']} | {r['wall_seconds']:.2f} | {r['min_wall_seconds']:.2f} | "
            f"{r['cpu_seconds']:.2f} | {r['maxrss_mb']:.0f} | {r['n']} | "
            f"{agrees} | {r['load1']:.2f} |"
        )
    lines += ["", *meta.get("notes", []), ""]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["1M", "10M"])
    parser.add_argument("--tools", nargs="+", default=[t for t in TOOLS if t != "pyspark"])
    parser.add_argument("--workloads", nargs="+", default=WORKLOADS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--slow", type=float, default=60, help="a check run slower than this is the only timed run"
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "analytics.json")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the rows of --json for sizes/tools/workloads not run now",
    )
    parser.add_argument(
        "--render", action="store_true", help="only write --out again from --json's results"
    )
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(args.json.read_text())
        write_markdown(args.out, saved["meta"], saved["rows"])
        return 0

    def log(text):
        print(text, flush=True)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    meta = {
        "command": " ".join(
            [".venv/bin/python benchmarks/bench_analytics.py", *(argv or sys.argv[1:])]
        ),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, "
        f"{os.sysconf('SC_PHYS_PAGES') * PAGE / 2**30:.0f} GiB; {platform.platform()}; "
        f"Python {platform.python_version()}",
        "versions": versions(),
        "commit": commit + (" with uncommitted changes in src/" if dirty else ""),
        "load_before": loadavg(),
        "sizes": list(args.sizes),
        "data": {},
    }
    rows: list[dict] = []
    for size in args.sizes:
        data = data_for(size)
        info_file = data.with_suffix(".json")
        if info_file.exists():
            info = json.loads(info_file.read_text())
        else:
            import duckdb

            rows_, people = duckdb.sql(
                f"SELECT count(*), count(DISTINCT customer_id) FROM read_parquet('{data}')"
            ).fetchone()
            info = {"rows": rows_, "customers": people}
        meta["data"][size] = {"file": str(data.relative_to(ROOT)), **info}
        rows += bench_size(
            size, args.tools, args.workloads, args.runs, args.timeout, args.slow, log
        )
    meta["load_after"] = loadavg()
    if args.merge and args.json.exists():
        old = json.loads(args.json.read_text())
        keys = {(r["size"], r["tool"], r["workload"]) for r in rows}
        rows = [r for r in old["rows"] if (r["size"], r["tool"], r["workload"]) not in keys] + rows
        meta["sizes"] = list(dict.fromkeys([*old["meta"]["sizes"], *args.sizes]))
        meta["data"] = {**old["meta"].get("data", {}), **meta["data"]}
        meta["command"] = old["meta"]["command"] + " && " + meta["command"]
        meta["load_before"] = old["meta"]["load_before"] + "; " + meta["load_before"]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1, default=str))
    write_markdown(args.out, meta, rows)
    bad = [r for r in rows if r["status"] not in ("ok",) and "stopped" not in r["status"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
