"""Ingest benchmark: recorrido's ``Workspace.ingest`` on generated Parquet and CSV event files.

For each size and format, each measurement runs in its own Python subprocess, so that its peak
resident memory (``ru_maxrss`` from ``os.wait4``) is that process's own:

1. ``ingest``: a fresh workspace, one ``ws.ingest(file)``;
2. ``re-ingest``: the same file again into that workspace (every row is a duplicate);
3. ``capped``: a fresh ingest with ``memory_limit: 1GB`` in the workspace settings;
4. ``engine floor``: DuckDB alone copies the file into a table of a fresh database file
   (``CREATE TABLE AS SELECT * FROM read_parquet/read_csv``), with no check, de-duplication or
   stitching: the least an ingest into a DuckDB workspace can cost on this machine;
5. ``pandas baseline``: ``pandas.read_parquet`` / ``read_csv`` + ``drop_duplicates("event_id")`` +
   ``to_datetime(utc=True)`` on the same file. It does less work than an ingest (no validation,
   no quarantine, no identity stitching, nothing written to disk) and is only a yardstick.

Seconds are measured inside the subprocess around the call itself (imports and workspace creation
excluded); rows/s is rows in the file divided by those seconds. Results go to
``benchmarks/results/ingest.md`` and ``ingest.json``.

    .venv/bin/python benchmarks/generate.py --rows 10000000
    .venv/bin/python benchmarks/bench_ingest.py            # 1M and 10M rows
    .venv/bin/python benchmarks/bench_ingest.py 1M         # one size
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from generate import DATA_DIR, DEFAULT_SEED, file_paths, generate, parse_count

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
WORKSPACES_DIR = DATA_DIR / "workspaces"
FORMATS = ("parquet", "csv")
PACKAGES = ("recorrido", "duckdb", "ibis-framework", "pandas", "pyarrow")
RESULT_MARK = "BENCH_RESULT "
CAPPED_MEMORY = "1GB"
STEPS = {
    "ingest": "recorrido ingest (fresh workspace)",
    "reingest": "recorrido re-ingest (same file, all duplicates)",
    "capped": f"recorrido ingest, memory_limit {CAPPED_MEMORY} (fresh workspace)",
    "floor": "engine floor: DuckDB copies the file into a table (no checks)",
    "baseline": "pandas baseline (does less: see notes)",
}


# -- what runs in the subprocesses ---------------------------------------------------------------
def _emit(result: dict) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def worker_ingest(file: Path, workspace: Path, fresh: bool, memory_limit: str | None) -> None:
    from recorrido import Workspace
    from recorrido.settings import Settings

    ws = Workspace.init(workspace) if fresh else Workspace.open(workspace)
    if memory_limit:
        ws.close()
        settings = Settings.load(workspace)
        settings.memory_limit = memory_limit
        settings.save(workspace)
        ws = Workspace.open(workspace)
    started = time.perf_counter()
    report = ws.ingest(file)
    seconds = time.perf_counter() - started
    stored = ws.query("SELECT count(*) AS n FROM raw_events").column("n")[0].as_py()
    ws.close()
    database = sum(p.stat().st_size for p in workspace.glob("recorrido.duckdb*"))
    report_dict = report.to_dict()
    report_dict.pop("files", None)
    _emit(
        {
            "seconds": seconds,
            "report": report_dict,
            "stored_rows": stored,
            "database_mib": database / 2**20,
        }
    )


def worker_floor(file: Path, fmt: str, workspace: Path) -> None:
    import duckdb

    workspace.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(workspace / "floor.duckdb"))
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    started = time.perf_counter()
    con.execute(f"CREATE TABLE events AS SELECT * FROM {reader}(?)", [str(file)])
    seconds = time.perf_counter() - started
    stored = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    _emit({"seconds": seconds, "report": {"rows_read": stored, "kept": stored}})


def worker_baseline(file: Path, fmt: str) -> None:
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_parquet(file) if fmt == "parquet" else pd.read_csv(file)
    rows_read = len(frame)
    frame = frame.drop_duplicates("event_id")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    seconds = time.perf_counter() - started
    _emit(
        {
            "seconds": seconds,
            "report": {"rows_read": rows_read, "kept": len(frame)},
            "timestamp_dtype": str(frame["timestamp"].dtype),
        }
    )


# -- the parent: run, measure, write -------------------------------------------------------------
def run_measured(args: list[str], timeout: float) -> dict:
    """Run this script as a worker; return its result plus process wall time and peak RSS."""
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE.parent
    )
    output: dict[str, str] = {}

    def drain(name: str, stream) -> None:
        output[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=(name, stream))
        for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))
    ]
    for reader in readers:
        reader.start()
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    # wait4 gives the resource usage of this one child (RUSAGE_CHILDREN would be the maximum over
    # every child waited for so far).
    _, status, usage = os.wait4(process.pid, 0)
    killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    measured = {
        "process_seconds": time.perf_counter() - started,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux reports kilobytes
        "returncode": process.returncode,
    }
    lines = [ln for ln in output.get("stdout", "").splitlines() if ln.startswith(RESULT_MARK)]
    if process.returncode != 0 or not lines:
        error = (output.get("stderr", "").strip().splitlines() or ["(no output)"])[-1]
        if process.returncode < 0:
            error = f"killed after {timeout:.0f} s (timeout)"
        return {**measured, "error": error, "stderr_tail": output.get("stderr", "")[-4000:]}
    return {**measured, **json.loads(lines[-1][len(RESULT_MARK) :])}


def check(step: str, rows: int, result: dict) -> str:
    """'ok', or what is wrong with the counts."""
    if "error" in result:
        return "error"
    report = result["report"]
    if step in ("baseline", "floor"):
        expected = {"rows_read": rows, "kept": rows}
    else:
        fresh = step in ("ingest", "capped")
        expected = {
            "rows_read": rows,
            "ingested": rows if fresh else 0,
            "duplicates": 0 if fresh else rows,
            "quarantined": 0,
        }
        if result.get("stored_rows") != rows:
            return f"stored_rows={result.get('stored_rows')}"
    wrong = [f"{k}={report.get(k)}" for k, v in expected.items() if report.get(k) != v]
    return ", ".join(wrong) or "ok"


def bench(sizes: list[int], formats: list[str], args: argparse.Namespace) -> list[dict]:
    results: list[dict] = []
    for rows in sizes:
        paths = file_paths(rows)
        if not all(paths[f].exists() for f in (*formats, "manifest")):
            log(f"generating {rows:,} rows (seed {args.seed}) ...")
            generate(rows, args.seed)
        manifest = json.loads(paths["manifest"].read_text())
        for fmt in formats:
            file = paths[fmt]
            workspace = WORKSPACES_DIR / f"{fmt}_{rows}"
            shutil.rmtree(workspace, ignore_errors=True)
            jobs = [
                (
                    "ingest",
                    ["--worker", "ingest", "--file", str(file), "--workspace", str(workspace)],
                ),
                (
                    "reingest",
                    ["--worker", "reingest", "--file", str(file), "--workspace", str(workspace)],
                ),
            ]
            capped = workspace.with_name(workspace.name + "_capped")
            shutil.rmtree(capped, ignore_errors=True)
            jobs.append(
                (
                    "capped",
                    [
                        "--worker",
                        "capped",
                        "--file",
                        str(file),
                        "--workspace",
                        str(capped),
                    ],
                )
            )
            jobs.append(
                (
                    "floor",
                    [
                        "--worker",
                        "floor",
                        "--file",
                        str(file),
                        "--format",
                        fmt,
                        "--workspace",
                        str(workspace.with_name(workspace.name + "_floor")),
                    ],
                )
            )
            if not args.no_baseline:
                jobs.append(
                    ("baseline", ["--worker", "baseline", "--file", str(file), "--format", fmt])
                )
            for step, worker_args in jobs:
                if step == "reingest" and "error" in results[-1]:
                    continue
                log(f"{fmt:7s} {rows:>11,} rows  {STEPS[step]} ...")
                result = run_measured(worker_args, args.timeout)
                result.update(
                    step=step,
                    format=fmt,
                    rows=rows,
                    seed=manifest["seed"],
                    file=str(file.relative_to(HERE.parent)),
                    file_mib=file.stat().st_size / 2**20,
                )
                if "seconds" in result:
                    result["rows_per_second"] = rows / result["seconds"]
                result["check"] = check(step, rows, result)
                log(f"    {summary(result)}")
                results.append(result)
            if not args.keep:
                shutil.rmtree(workspace, ignore_errors=True)
            shutil.rmtree(workspace.with_name(workspace.name + "_floor"), ignore_errors=True)
            shutil.rmtree(capped, ignore_errors=True)
    return results


def summary(result: dict) -> str:
    if "error" in result:
        return f"ERROR: {result['error']}"
    return (
        f"{result['seconds']:.2f} s, {result['rows_per_second']:,.0f} rows/s, "
        f"peak {result['peak_rss_mib']:,.0f} MiB, check: {result['check']}"
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the record of the run -----------------------------------------------------------------------
def machine() -> dict:
    info: dict[str, object] = {
        "nproc": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if "model name" in ln]
        info["cpu"] = models[0] if models else platform.processor()
        meminfo = Path("/proc/meminfo").read_text()
        total_kb = next(int(ln.split()[1]) for ln in meminfo.splitlines() if ln.startswith("MemT"))
        info["ram_gib"] = round(total_kb / 2**20, 1)
    except (OSError, StopIteration):
        pass
    return info


def versions() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def src_state() -> tuple[str, str]:
    """(the commit and the state of src/ in words, a fingerprint of exactly what src/ holds)."""
    try:
        commit = _git("rev-parse", "--short", "HEAD").strip()
        tree = _git("rev-parse", "--short", "HEAD:src").strip()
        diff = _git("diff", "HEAD", "--", "src")
        untracked = _git("ls-files", "--others", "--exclude-standard", "--", "src").split()
    except (OSError, subprocess.CalledProcessError):
        return "unknown", ""
    digest = hashlib.sha1(diff.encode())
    for name in untracked:
        digest.update(name.encode() + (HERE.parent / name).read_bytes())
    fingerprint = f"{tree}:{digest.hexdigest()}"
    if not diff and not untracked:
        return f"{commit} (src/ tree {tree})", fingerprint
    label = (
        f"{commit} + uncommitted changes in src/ (diff sha1 {digest.hexdigest()[:10]}, "
        f"{len(untracked)} untracked files)"
    )
    return label, fingerprint


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, cwd=HERE.parent, check=True
    ).stdout


def write_markdown(record: dict, path: Path) -> None:
    m, v = record["machine"], record["versions"]
    lines = [
        "# Ingest benchmark",
        "",
        "Generated by `benchmarks/bench_ingest.py`; the data is synthetic (seeded, made by "
        "`benchmarks/generate.py`), not real customer data.",
        "",
        f"- Command: `{record['command']}`",
        f"- Date: {record['date']}",
        f"- Machine: {m.get('cpu', '?')}, {m['nproc']} CPUs (nproc), {m.get('ram_gib', '?')} GiB "
        f"RAM; {m['platform']}; Python {m['python']}",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- recorrido commit: {record['commit']}",
        f"- Seed: {record['seed']}; total benchmark time {record['total_seconds']:.0f} s",
        "- Load average (1, 5, 15 min) before: {} / after: {} (other work on the machine "
        "skews the numbers)".format(
            *(_load(record["load_average"][k]) for k in ("before", "after"))
        ),
        "",
        "| Format | Rows | File MiB | Step | Seconds | Rows/s | Peak RSS MiB | Process s | Check |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in record["results"]:
        if "error" in r:
            numbers = ["—", "—", f"{r['peak_rss_mib']:,.0f}", f"{r['process_seconds']:.1f}"]
            check_text = f"error: {r['error']}"
        else:
            numbers = [
                f"{r['seconds']:.2f}",
                f"{r['rows_per_second']:,.0f}",
                f"{r['peak_rss_mib']:,.0f}",
                f"{r['process_seconds']:.1f}",
            ]
            check_text = r["check"]
        cells = [r["format"], f"{r['rows']:,}", f"{r['file_mib']:,.1f}", STEPS[r["step"]]]
        lines.append("| " + " | ".join([*cells, *numbers, check_text.replace("|", "/")]) + " |")
    lines += [
        "",
        "Notes:",
        "",
        "- **Seconds** is the ingest call (or the baseline's work) measured inside its "
        "subprocess; imports and workspace creation are excluded. **Process s** is the whole "
        "subprocess, imports included. **Rows/s** = rows in the file / Seconds.",
        "- **Peak RSS** is `ru_maxrss` of that one subprocess (`os.wait4`), so it includes the "
        "Python interpreter and imported libraries.",
        "- **Check** compares the ingest report with the file: ingest must read and store every "
        "row with no duplicates or quarantined rows; re-ingest must find every row a duplicate "
        "and store nothing new; the baseline must keep every row.",
        f"- **memory_limit {CAPPED_MEMORY}**: the same ingest with `memory_limit: "
        f"{CAPPED_MEMORY}` in the workspace's `recorrido.yaml`; DuckDB spills what does not fit "
        "to disk, so peak memory is set by the engine's limit, not by the file's size.",
        "- The **engine floor** is DuckDB alone copying the file into a table of a fresh "
        "database file, with none of an ingest's checks: no ingest into a DuckDB workspace can "
        "beat it on this machine, so it says how much of the ingest time the storage itself "
        "takes.",
        "- The **pandas baseline** reads the file, drops duplicate `event_id`s and parses the "
        "timestamps to UTC, all in memory. It does much less than an ingest (no validation of "
        "every record, no quarantine, no de-duplication against stored events, no identity "
        "stitching or customer profiles, nothing persisted, no transaction); it is a yardstick "
        "for the cost of reading the file, not a like-for-like competitor.",
        "- One run per measurement; the files are in the OS page cache (warm) for every "
        "measurement. Expect some run-to-run variation on small or shared machines.",
        "",
    ]
    path.write_text("\n".join(lines))


def _load(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=parse_count, help="rows, e.g. 1M 10M")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="for missing files")
    parser.add_argument("--no-baseline", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per measurement")
    parser.add_argument("--keep", action="store_true", help="keep the workspaces afterwards")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the results")
    parser.add_argument(
        "--worker",
        choices=("ingest", "reingest", "capped", "floor", "baseline"),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--format", choices=FORMATS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "baseline":
        return worker_baseline(args.file, args.format)
    if args.worker == "floor":
        return worker_floor(args.file, args.format, args.workspace)
    if args.worker:
        return worker_ingest(
            args.file,
            args.workspace,
            fresh=args.worker != "reingest",
            memory_limit=CAPPED_MEMORY if args.worker == "capped" else None,
        )

    sizes = sorted(set(args.sizes)) or [1_000_000, 10_000_000]
    started = time.perf_counter()
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit, fingerprint = src_state()
    load_before = os.getloadavg()
    results = bench(sizes, args.formats, args)
    if src_state()[1] != fingerprint:  # someone edited src/ while the benchmark ran
        commit += " (src/ changed during the run: results may mix versions)"
    record = {
        "command": shlex.join(_shown_command()),
        "date": date,
        "machine": machine(),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "versions": versions(),
        "commit": commit,
        "seed": args.seed,
        "total_seconds": time.perf_counter() - started,
        "results": [{k: v for k, v in r.items() if k != "stderr_tail"} for r in results],
        "errors": {
            f"{r['step']} {r['format']} {r['rows']}": r["stderr_tail"]
            for r in results
            if "stderr_tail" in r
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ingest.json").write_text(json.dumps(record, indent=2) + "\n")
    write_markdown(record, args.out / "ingest.md")
    log(f"wrote {args.out / 'ingest.md'} and ingest.json")
    if any("error" in r or r["check"] != "ok" for r in results):
        sys.exit(1)


def _shown_command() -> list[str]:
    """The command as typed, with the interpreter path relative to the project when inside it."""
    argv = list(getattr(sys, "orig_argv", [sys.executable, *sys.argv]))
    root = HERE.parent
    for i, part in enumerate(argv[:2]):
        path = Path(part)
        if path.is_absolute() and path.is_relative_to(root):
            argv[i] = str(path.relative_to(root))
    return argv


if __name__ == "__main__":
    main()
