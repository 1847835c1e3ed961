"""The journey map report at 1 million generated events: how long the charts below the map take.

    .venv/bin/python benchmarks/bench_report.py                          # 1M events, 3 runs
    .venv/bin/python benchmarks/bench_report.py --runs 5 --src /tmp/before/src   # before/after

Each run is its own process: it opens the workspace of ``bench_cli.py``
(``benchmarks/.data/workspaces/cli_<size>``, made once: the generated journeys moved 4 years
back, ingested), measures ``benchmarks/maps/bench-6-stages.yaml`` on it (**measure s**), then
builds the report's context (**report s**: ``recorrido.report.build.build_context`` with the
workspace as the events source; the charts below the map, the segments and the personas; not the
HTML template, which takes the same time before and after). **charts s** is the time of each
chart (stage funnel, retention, Sankey of the first steps, top paths), timed by wrapping
``charts_below._chart``. **peak MB** is the process's peak resident memory (``os.wait4``).

``--src FOLDER`` (repeatable) times another source tree as well, e.g. the tree before a change
(``git archive HEAD src | tar -x -C /tmp/before``); runs of the trees alternate so that a change
in the machine's load hits them alike. **The answer is compared**: every tree's charts (figures,
readings and notes, as JSON) must hash the same, or the script says so and exits with status 1.

Results: ``benchmarks/results/report.json`` (every run) and ``benchmarks/results/report.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

PYTHON = ROOT / ".venv" / "bin" / "python"
MAP = HERE / "maps" / "bench-6-stages.yaml"

#: One run, in a process of its own: prints one JSON line.
_CHILD = r"""
import hashlib, json, sys, time
sys.path.insert(0, {src!r})
from recorrido import Workspace
from recorrido.journey import JourneyMap
from recorrido.report import build, charts_below

times = {{}}
inner = charts_below._chart

def timed_chart(key, *args, **kwargs):
    began = time.perf_counter()
    try:
        return inner(key, *args, **kwargs)
    finally:
        times[key] = round(time.perf_counter() - began, 3)

charts_below._chart = timed_chart
journey = JourneyMap.load({map!r})
with Workspace.open({workspace!r}, read_only=True) as ws:
    began = time.perf_counter()
    measured = ws.measure(journey)
    measure_s = time.perf_counter() - began
    began = time.perf_counter()
    context = build.build_context(measured, source=ws, lang="en")
    report_s = time.perf_counter() - began
answer = json.dumps(
    {{"charts": context["charts"], "segments": context["segments"],
      "personas": context["personas"]}},
    sort_keys=True, default=str,
)
print(json.dumps({{
    "measure_s": measure_s, "report_s": report_s, "charts_s": times,
    "answer_sha256": hashlib.sha256(answer.encode()).hexdigest(),
}}))
"""


def run_once(src: Path, workspace: Path) -> dict:
    code = _CHILD.format(src=str(src), map=str(MAP), workspace=str(workspace))
    began = time.perf_counter()
    process = subprocess.Popen(
        [str(PYTHON), "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    out, err = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"run failed with {src}:\n{err[-4000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["process_s"] = wall
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--src", action="append", default=[], type=Path)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)

    import bench_cli

    workspace = bench_cli.workspace(args.size, lambda text: print(text, file=sys.stderr))
    trees = [ROOT / "src", *[p.resolve() for p in args.src]]
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    runs: dict[str, list[dict]] = {str(t): [] for t in trees}
    for index in range(args.runs):
        for tree in trees:
            result = run_once(tree, workspace)
            runs[str(tree)].append(result)
            print(f"run {index + 1} {tree}: {json.dumps(result)}", file=sys.stderr)
    load_after = os.getloadavg()

    hashes = {r["answer_sha256"] for rs in runs.values() for r in rs}
    rows = []
    for tree, results in runs.items():
        charts = {
            key: statistics.median(r["charts_s"].get(key, float("nan")) for r in results)
            for key in ("funnel", "retention", "sankey", "paths")
        }
        rows.append(
            {
                "tree": tree,
                "measure_s": statistics.median(r["measure_s"] for r in results),
                "report_s": statistics.median(r["report_s"] for r in results),
                "charts_s": charts,
                "peak_mb": max(r["peak_mb"] for r in results),
                "runs": len(results),
            }
        )
    command = "python " + " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])])
    args.out.mkdir(parents=True, exist_ok=True)
    record = {
        "command": command,
        "started": started.isoformat(timespec="seconds"),
        "machine": (
            f"{os.cpu_count()} CPUs; {platform.platform()}; Python {platform.python_version()}"
        ),
        "load_before": load_before,
        "load_after": load_after,
        "size": args.size,
        "identical_answers": len(hashes) == 1,
        "rows": rows,
        "runs": runs,
    }
    (args.out / "report.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# The report's charts below the map",
        "",
        f"Generated by `benchmarks/bench_report.py`: `{command}`, {started:%Y-%m-%d %H:%M} UTC, "
        f"{args.size} generated events, {record['machine']}. Load average (1, 5, 15 min) before: "
        f"{', '.join(f'{x:.2f}' for x in load_before)}; after: "
        f"{', '.join(f'{x:.2f}' for x in load_after)} (a shared machine: compare rows of one "
        "run, not runs). Medians of the runs; peak MB the largest.",
        "",
        f"Same charts from every tree: **{'yes' if record['identical_answers'] else 'NO'}**.",
        "",
        "| tree | measure s | report s | funnel s | retention s | sankey s | paths s | peak MB |"
        " runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        c = row["charts_s"]
        lines.append(
            f"| `{row['tree']}` | {row['measure_s']:.2f} | {row['report_s']:.2f} | "
            f"{c['funnel']:.2f} | {c['retention']:.2f} | {c['sankey']:.2f} | {c['paths']:.2f} | "
            f"{row['peak_mb']:.0f} | {row['runs']} |"
        )
    (args.out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if record["identical_answers"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
