"""`recorrido measure` end to end: the command a person types, on a workspace of 1 million events.

    .venv/bin/python benchmarks/bench_cli.py                  # 1M events, 7 timed runs
    .venv/bin/python benchmarks/bench_cli.py --runs 11 --src /tmp/before/src   # another tree too

What is timed is the whole process of

    .venv/bin/recorrido measure benchmarks/maps/bench-6-stages.yaml -w WORKSPACE

from its start to its exit (interpreter start, imports, opening the workspace, the measured map,
printing the tables), with the output going to /dev/null; also its CPU time (user + system, from
``os.wait4``, every thread) and peak resident memory. The median of ``--runs`` runs is reported.

The workspace (``benchmarks/.data/workspaces/cli_<size>``, made once) holds the generated
journeys of ``benchmarks/journeys.py`` moved 4 years (1,461 days) back, so that no event is in
the future and ingest keeps every row (the journeys file has events up to 2029, see
``benchmarks/README.md``); ``benchmarks/.data/journeys_<size>_past.parquet`` is that file.

**The answer is checked before timing**: one ``recorrido measure ... --json`` run, whose figures
must equal the hand-written DuckDB SQL's (``workloads/duckdb_sql.py``) on the same Parquet file
(``workloads/common.py``: counts exactly, shares and hours to a relative 1e-6).

Two **floor** rows are timed alongside, as whole processes too: *libraries only* imports the
libraries the command loads (``LIBRARIES``) and exits; *hand-written SQL* runs
``workloads/duckdb_sql.py``'s measured map on the same events (the Parquet file the workspace was
made from; only ``duckdb`` imported). Their sum, less one interpreter start, is what any command
built on these libraries needs before a line of its own runs (``--no-floor`` leaves them out).

``--src FOLDER`` (repeatable) times another source tree as well (for a before/after comparison in
one run: e.g. ``git worktree`` or ``git archive HEAD src | tar -x -C /tmp/before``); runs of the
trees alternate so that a change in the machine's load hits them alike.

Results: ``benchmarks/results/cli.json`` (every run) and the section "Command line" of
``benchmarks/RESULTS.md`` (written by ``bench_analytics.py --render``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "workloads"))

from common import differences, num  # noqa: E402

RECORRIDO = ROOT / ".venv" / "bin" / "recorrido"
MAP = HERE / "maps" / "bench-6-stages.yaml"
SHIFT_DAYS = 1461
#: What ``recorrido measure`` imports besides the standard library and recorrido itself.
LIBRARIES = [
    "typer",
    "rich",
    "pydantic",
    "ruamel.yaml",
    "pandas",
    "pyarrow",
    "duckdb",
    "ibis",
    "ibis.backends.duckdb",
]
PYTHON = ROOT / ".venv" / "bin" / "python"
#: The hand-written SQL's measured map, as a program of its own (see ``main``).
_SQL = (
    "import sys; sys.path[:0] = [{here!r}, {here!r} + '/workloads']; "
    "import duckdb_sql; from common import JOURNEYS; "
    "answer = duckdb_sql.measured_map({data!r}, JOURNEYS)"
)
_PRINT = "; import json; print(json.dumps(answer))"
WORKSPACES = HERE / ".data" / "workspaces"


def past_file(size: str) -> Path:
    """The journeys of ``size`` moved ``SHIFT_DAYS`` back (made once from the journeys file)."""
    out = HERE / ".data" / f"journeys_{size}_past.parquet"
    if not out.exists():
        # Imported only here: duckdb, numpy and pandas would raise this process's peak memory,
        # which every command it starts inherits (see ``main``).
        import duckdb

        import journeys

        source = journeys.ensure(journeys.parse_size(size))
        partial = out.with_suffix(".partial")
        duckdb.sql(
            f"COPY (SELECT * REPLACE (timestamp - INTERVAL {SHIFT_DAYS} DAY AS timestamp) "
            f"FROM read_parquet('{source}')) TO '{partial}' (FORMAT parquet)"
        )
        partial.replace(out)
    return out


def workspace(size: str, log) -> Path:
    """``benchmarks/.data/workspaces/cli_<size>``: ``recorrido init`` + ``recorrido ingest``."""
    folder = WORKSPACES / f"cli_{size}"
    data = past_file(size)
    if (folder / "recorrido.yaml").exists():
        return folder
    log(f"making {folder} from {data.name}")
    subprocess.run([str(RECORRIDO), "init", str(folder), "--language", "en"], check=True)
    done = subprocess.run(
        [str(RECORRIDO), "ingest", str(data), "-w", str(folder), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report.get("quarantined"):
        raise SystemExit(f"ingest quarantined {report['quarantined']} rows: {report}")
    return folder


def answer_of(measured: dict) -> dict:
    """The ``--json`` output in the shape of ``workloads/recorrido_run.map_answer``."""
    stages = [
        [
            s["id"],
            s["customers"],
            num(s["conversion_from_previous"]),
            num(s["conversion_from_first"]),
            s["dropped"],
            num(s["median_hours_to_next"]),
            num(s["p90_hours_to_next"]),
            s["top_entry_touchpoint"],
            s["top_exit_touchpoint"],
        ]
        for s in measured["stages"]
    ]
    touchpoints = [
        [
            t["id"],
            t["events"],
            t["customers"],
            num(t["conversion_with"]),
            num(t["conversion_without"]),
        ]
        for t in measured["touchpoints"]
    ]
    channels = sorted(
        [t["id"], c["channel"], c["events"]] for t in measured["touchpoints"] for c in t["channels"]
    )
    s = measured["summary"]
    summary = {
        "events": s["events"],
        "customers": s["customers"],
        "converted": s["converted_customers"],
        "unmapped": s["unmapped_events"],
    }
    return {"summary": summary, "stages": stages, "touchpoints": touchpoints, "channels": channels}


def env_for(src: Path | None) -> dict:
    env = {**os.environ}
    if src is not None:
        env["PYTHONPATH"] = str(src)  # before the editable install's path
    return env


def timed(args: list[str], env: dict) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    return {
        "wall_seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "returncode": os.waitstatus_to_exitcode(status),
        "load1": os.getloadavg()[0],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="1M")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--src", type=Path, action="append", default=[])
    parser.add_argument(
        "--label", action="append", default=[], help="a name for each --src in the results"
    )
    parser.add_argument("--json", type=Path, default=HERE / "results" / "cli.json")
    parser.add_argument("--no-floor", dest="floor", action="store_false")
    args = parser.parse_args(argv)

    def log(text):
        print(text, flush=True)

    folder = workspace(args.size, log)
    data = past_file(args.size)
    command = [str(RECORRIDO), "measure", str(MAP), "-w", str(folder)]
    shown = f".venv/bin/recorrido measure {MAP.relative_to(ROOT)} -w {folder.relative_to(ROOT)}"
    trees: list[Path | None] = [None, *args.src]
    labels = [*args.label, *[str(t) for t in args.src[len(args.label) :]]]
    names = ["working tree", *labels]

    # In a child process: Linux carries a process's peak memory across fork and exec, so every
    # command this process starts would report at least this process's own peak.
    reference = json.loads(
        subprocess.run(
            [str(PYTHON), "-c", _SQL.format(here=str(HERE), data=str(data)) + _PRINT],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    checks = {}
    for tree, name in zip(trees, names, strict=True):
        done = subprocess.run(
            [*command, "--json"], cwd=ROOT, env=env_for(tree), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"{name}: measure failed: {done.stderr[-2000:]}")
        diff = differences(reference, answer_of(json.loads(done.stdout)))
        checks[name] = diff
        log(f"{name}: {'agrees' if not diff else 'DISAGREES ' + '; '.join(diff[:3])}")
    timings = [(name, command, env_for(tree)) for tree, name in zip(trees, names, strict=True)]
    if args.floor:
        imports = "import " + ", ".join(LIBRARIES)
        sql = _SQL.format(here=str(HERE), data=str(data))
        for name, code in (("floor: libraries only", imports), ("floor: hand-written SQL", sql)):
            timings.append((name, [str(PYTHON), "-c", code], env_for(None)))
            names.append(name)
            checks[name] = []
    runs: dict[str, list[dict]] = {name: [] for name in names}
    load_before = os.getloadavg()
    for _ in range(args.runs):
        for name, args_, env in timings:
            if checks[name]:
                continue
            run = timed(args_, env)
            runs[name].append(run)
            log(f"  {name}: {run['wall_seconds']:.2f} s, {run['cpu_seconds']:.2f} s CPU")
    rows = []
    for name in names:
        ok = [r for r in runs[name] if r["returncode"] == 0]
        row = {"tree": name, "agrees": not checks[name], "differences": checks[name][:6]}
        if name.startswith("floor:"):
            row["floor"] = True
        if ok:
            for key in ("wall_seconds", "cpu_seconds", "maxrss_mb", "load1"):
                row[key] = statistics.median(r[key] for r in ok)
            row["min_wall_seconds"] = min(r["wall_seconds"] for r in ok)
            row["n"] = len(ok)
        row["runs"] = runs[name]
        rows.append(row)
        if ok:
            log(
                f"{name}: median {row['wall_seconds']:.2f} s (min {row['min_wall_seconds']:.2f}), "
                f"{row['cpu_seconds']:.2f} s CPU, {row['maxrss_mb']:.0f} MB, n={row['n']}"
            )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    meta = {
        "command": ".venv/bin/python benchmarks/bench_cli.py "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
        "timed": shown,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB; "
        f"{platform.platform()}; Python {platform.python_version()}",
        "commit": commit + (" with uncommitted changes in src/" if dirty else ""),
        "size": args.size,
        "events": int(reference["summary"]["events"]),
        "customers": int(reference["summary"]["customers"]),
        "data": str(data.relative_to(ROOT)),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        # A floor under every peak above (see the reference run in ``main``).
        "parent_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1, default=str))
    return 0 if all(r["agrees"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
