"""The journey map report at 1, 10 and 100 million generated events: the whole report beside
``measure`` and beside hand-written DuckDB SQL for the same charts (issue 20).

    .venv/bin/python benchmarks/bench_report.py                          # 1M events, 3 runs
    .venv/bin/python benchmarks/bench_report.py --size 10M --runs 1 --merge
    .venv/bin/python benchmarks/bench_report.py --runs 5 --src /tmp/before/src   # before/after

Each run is its own process: it opens the workspace of ``bench_cli.py``
(``benchmarks/.data/workspaces/cli_<size>``, made once: the generated journeys moved 4 years
back, ingested), measures ``benchmarks/maps/bench-6-stages.yaml`` on it (**measure s**), then
builds the report's context and renders the HTML (**report s**: ``build.build_context`` with the
workspace as the events source, the charts below the map, the segments and the personas, then
the template; what ``recorrido report`` does after measuring). **× measure** is the whole
report (measure + report) over measure: the issue's target is at most 2×. **charts s** is the
time of each chart (stage funnel, retention, Sankey of the first steps, top paths), timed by
wrapping ``charts_below._chart``; **tag s** the tagged relation. **CPU s**: user + system time
of all the process's threads (``time.process_time``), for measure and for the report: on a
shared machine they move less with the load than wall seconds. **peak MB** is the process's peak
resident memory (``os.wait4``).

**SQL floor s**: hand-written DuckDB SQL, in a process of its own on the same workspace, that
answers the four charts' questions (the tagged events kept in a temporary table, the ordered
stage funnel with every attempt and each customer's best, the touchpoint runs, the Sankey's
first four steps, the top 8 journeys, the weekly retention triangle), no figures, no HTML. Its
funnel counts and top journeys' counts are checked against the report's figures first.

``--src FOLDER`` (repeatable) times another source tree as well, e.g. the tree before a change;
runs of the trees alternate so that a change in the machine's load hits them alike. **The answer
is compared**: every tree's charts (figures, readings and notes, as JSON) must hash the same, or
the script says so and exits with status 1.

Results: ``benchmarks/results/report.json`` (every run; ``--merge`` keeps other sizes' rows) and
``benchmarks/results/report.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

PYTHON = ROOT / ".venv" / "bin" / "python"
MAP = HERE / "maps" / "bench-6-stages.yaml"
CHARTS = ("tag", "funnel", "retention", "sankey", "paths")

#: One run of the report, in a process of its own: prints one JSON line.
_CHILD = r"""
import hashlib, json, sys, time
sys.path.insert(0, @SRC@)
from recorrido import Workspace
from recorrido.journey import JourneyMap
from recorrido.report import build, charts_below
from recorrido.report.render import render

times = {}
inner = charts_below._chart
inner_tag = charts_below.tagged_once

def timed_chart(key, *args, **kwargs):
    began = time.perf_counter()
    try:
        return inner(key, *args, **kwargs)
    finally:
        times[key] = round(time.perf_counter() - began, 3)

def timed_tag(*args, **kwargs):
    began = time.perf_counter()
    try:
        return inner_tag(*args, **kwargs)
    finally:
        times["tag"] = round(time.perf_counter() - began, 3)

charts_below._chart = timed_chart
charts_below.tagged_once = timed_tag
journey = JourneyMap.load(@MAP@)
with Workspace.open(@WORKSPACE@, read_only=True) as ws:
    began, cpu = time.perf_counter(), time.process_time()
    measured = ws.measure(journey)
    measure_s, measure_cpu = time.perf_counter() - began, time.process_time() - cpu
    began, cpu = time.perf_counter(), time.process_time()
    context = build.build_context(measured, source=ws, lang="en")
    html = render("report.html.j2", context)
    report_s, report_cpu = time.perf_counter() - began, time.process_time() - cpu
answer = json.dumps(
    {"charts": context["charts"], "segments": context["segments"],
     "personas": context["personas"]},
    sort_keys=True, default=str,
)
figures = {c["id"]: c["figure"] for c in context["charts"]}
print(json.dumps({
    "measure_s": measure_s, "report_s": report_s, "charts_s": times,
    "measure_cpu": measure_cpu, "report_cpu": report_cpu,
    "html_chars": len(html),
    "answer_sha256": hashlib.sha256(answer.encode()).hexdigest(),
    "funnel_counts": figures["funnel"]["data"][0]["x"] if figures.get("funnel") else None,
    "paths_counts": figures["paths"]["data"][0]["x"][::-1] if figures.get("paths") else None,
}))
"""

#: The hand-written SQL floor: the bench map's rules written out, the four charts' questions
#: asked of one kept table, no figures. Prints one JSON line.
_FLOOR = r"""
import json, time
import duckdb
con = duckdb.connect(@DATABASE@, read_only=True)
if @LIMIT@:
    con.execute("SET memory_limit = '" + @LIMIT@ + "'")
times = {}
cpu = time.process_time()
began = time.perf_counter()
con.execute('''
CREATE TEMP TABLE tagged AS
SELECT customer_id, us, place, event_id, touchpoint,
  CASE WHEN touchpoint IN ('ad', 'newsletter', 'app-launch', 'landing') THEN 'discover'
       WHEN touchpoint IN ('search', 'product', 'compare') THEN 'explore'
       WHEN touchpoint IN ('add-to-cart', 'cart-page') THEN 'cart'
       WHEN touchpoint IN ('checkout', 'payment') THEN 'checkout'
       WHEN touchpoint = 'order' THEN 'purchase'
       WHEN touchpoint IN ('review', 'support') THEN 'after' END AS stage
FROM (
  SELECT COALESCE(i.customer_id, e.customer_id, e.anonymous_id) AS customer_id,
    epoch_us(e.timestamp) AS us, COALESCE(e.source_order, 4611686018427387904) AS place,
    e.event_id,
    CASE WHEN e.event = 'ad_click' AND e.channel = 'social' THEN 'ad'
         WHEN e.event = 'email_open' THEN 'newsletter' WHEN e.event = 'app_open' THEN 'app-launch'
         WHEN e.event = 'page_view' THEN 'landing' WHEN e.event = 'search' THEN 'search'
         WHEN e.event = 'product_view' THEN 'product' WHEN e.event = 'compare' THEN 'compare'
         WHEN e.event = 'add_to_cart' THEN 'add-to-cart'
         WHEN e.event IN ('view_cart', 'remove_from_cart') THEN 'cart-page'
         WHEN e.event = 'begin_checkout' THEN 'checkout'
         WHEN e.event = 'add_payment_info' THEN 'payment' WHEN e.event = 'purchase' THEN 'order'
         WHEN e.event = 'review' THEN 'review' WHEN e.event = 'support_ticket' THEN 'support'
    END AS touchpoint
  FROM raw_events e LEFT JOIN identity_map i ON i.identifier = CASE
    WHEN e.customer_id IS NOT NULL THEN 'u:' || e.customer_id ELSE 'a:' || e.anonymous_id END
) WHERE customer_id IS NOT NULL
''')
times["tag"] = time.perf_counter() - began

stages = ["discover", "explore", "cart", "checkout", "purchase", "after"]
width = 30 * 86400 * 1000000
chain = ["a0 AS (SELECT customer_id, event_id, place, us AS t0, us AS cur, 1 AS reached, "
         "TRUE AS ok FROM tagged WHERE stage = 'discover')"]
for j in range(1, len(stages)):
    done = f"COALESCE(a.ok AND n._u IS NOT NULL AND n._u - a.t0 <= {width}, FALSE)"
    chain.append(
        f"a{j} AS (SELECT a.* EXCLUDE (cur, reached, ok), CASE WHEN {done} THEN n._u END AS t{j},"
        f" CASE WHEN {done} THEN n._u ELSE a.cur END AS cur,"
        f" CASE WHEN {done} THEN {j + 1} ELSE a.reached END AS reached, {done} AS ok"
        f" FROM a{j - 1} a ASOF LEFT JOIN (SELECT customer_id AS _c, us AS _u FROM tagged"
        f" WHERE stage = '{stages[j]}') n ON a.customer_id = n._c AND a.cur < n._u)"
    )
fields = ", ".join(f"'t{k}': t{k}" for k in range(len(stages)))
best = (f"b AS (SELECT arg_min({{{fields}, 'reached': reached}}, "
        "{'r': -reached, 't0': t0, 'p': place, 'e': event_id}) AS x "
        f"FROM a{len(stages) - 1} GROUP BY customer_id)")
counts = ", ".join(f"count(*) FILTER (WHERE x.reached >= {k + 1})" for k in range(len(stages)))
medians = ", ".join(
    f"quantile_cont(x.t{k} - x.t{k - 1}, 0.5) FILTER (WHERE x.reached >= {k + 1}), "
    f"quantile_cont(x.t{k} - x.t0, 0.5) FILTER (WHERE x.reached >= {k + 1})"
    for k in range(1, len(stages))
)
began = time.perf_counter()
query = f"WITH {', '.join(chain)}, {best} SELECT {counts}, {medians} FROM b"
funnel = con.execute(query).fetchone()
times["funnel"] = time.perf_counter() - began

began = time.perf_counter()
con.execute('''
CREATE TEMP TABLE steps AS
WITH e AS (SELECT customer_id, touchpoint AS item, us, place, event_id,
    lag(touchpoint) OVER w AS prev, lead(touchpoint) OVER w AS nxt FROM tagged
  WHERE touchpoint IS NOT NULL WINDOW w AS (PARTITION BY customer_id ORDER BY us, place, event_id))
SELECT * FROM (
  SELECT customer_id, item, prev IS DISTINCT FROM item AS first,
    sum(CASE WHEN prev IS DISTINCT FROM item THEN 1 ELSE 0 END) OVER (PARTITION BY customer_id
      ORDER BY us, place, event_id ROWS UNBOUNDED PRECEDING) AS step
  FROM e WHERE prev IS DISTINCT FROM item OR nxt IS DISTINCT FROM item)
WHERE first
''')
sankey = con.execute('''
SELECT step, item, COALESCE(nxt, CASE WHEN step < 4 THEN '(end)' END) AS target, count(*)
FROM (SELECT step, item, lead(item) OVER (PARTITION BY customer_id ORDER BY step) AS nxt
      FROM steps WHERE step <= 4)
GROUP BY ALL
''').fetchall()
times["sankey"] = time.perf_counter() - began
began = time.perf_counter()
paths = con.execute('''
SELECT path, count(*) AS customers FROM (
  SELECT customer_id, string_agg(item, ' ' ORDER BY step) AS path FROM steps GROUP BY 1)
GROUP BY 1 ORDER BY customers DESC, path LIMIT 8
''').fetchall()
times["paths"] = time.perf_counter() - began
began = time.perf_counter()
retention = con.execute('''
WITH w AS (SELECT DISTINCT customer_id, (us // 86400000000 + 3) // 7 AS p FROM tagged),
f AS (SELECT customer_id, min(p) AS cohort FROM w GROUP BY 1)
SELECT cohort, p - cohort AS period, count(*) FROM w JOIN f USING (customer_id) GROUP BY ALL
''').fetchall()
times["retention"] = time.perf_counter() - began
print(json.dumps({
    "floor_s": sum(times.values()), "charts_s": {k: round(v, 3) for k, v in times.items()},
    "floor_cpu": time.process_time() - cpu,
    "funnel_counts": [funnel[k] for k in range(len(stages))],
    "paths_counts": [row[1] for row in paths],
    "sankey_links": len(sankey), "retention_cells": len(retention),
}))
"""


def _child(code: str, label: str) -> dict:
    """Run ``code`` in a process of its own: its JSON line, wall time and peak resident memory
    (``os.wait4``; the output goes to files, so a chatty child never blocks on a full pipe)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        process = subprocess.Popen([str(PYTHON), "-c", code], stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"run failed ({label}):\n{stderr[-4000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def run_once(src: Path, workspace: Path) -> dict:
    code = (
        _CHILD.replace("@SRC@", repr(str(src)))
        .replace("@MAP@", repr(str(MAP)))
        .replace("@WORKSPACE@", repr(str(workspace)))
    )
    return _child(code, str(src))


def run_floor(workspace: Path) -> dict:
    code = _FLOOR.replace("@DATABASE@", repr(str(workspace / "recorrido.duckdb"))).replace(
        "@LIMIT@", repr(_memory_limit())
    )
    return _child(code, "SQL floor")


def _memory_limit() -> str | None:
    """The limit recorrido gives DuckDB on the bench workspaces (none set: the default share),
    so that the floor runs under the same."""
    sys.path.insert(0, str(ROOT / "src"))
    from recorrido.settings import default_memory_limit

    return default_memory_limit()


def _median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M", help="1M, 10M or 100M generated events")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--src", action="append", default=[], type=Path)
    parser.add_argument("--no-floor", action="store_true", help="skip the hand-written SQL")
    parser.add_argument("--merge", action="store_true", help="keep other sizes' rows")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)

    import bench_cli

    workspace = bench_cli.workspace(args.size, lambda text: print(text, file=sys.stderr))
    trees = [ROOT / "src", *[p.resolve() for p in args.src]]
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    runs: dict[str, list[dict]] = {str(t): [] for t in trees}
    floors: list[dict] = []
    for index in range(args.runs):
        for tree in trees:
            load = os.getloadavg()[0]
            result = run_once(tree, workspace)
            result["load"] = load
            runs[str(tree)].append(result)
            print(f"run {index + 1} {tree}: {json.dumps(result)}", file=sys.stderr)
        if not args.no_floor:
            load = os.getloadavg()[0]
            floor = run_floor(workspace)
            floor["load"] = load
            floors.append(floor)
            print(f"run {index + 1} SQL floor: {json.dumps(floor)}", file=sys.stderr)
    load_after = os.getloadavg()

    hashes = {r["answer_sha256"] for rs in runs.values() for r in rs}
    floor_agrees = None
    if floors:
        mine = runs[str(trees[0])][0]
        floor_agrees = (
            floors[0]["funnel_counts"][: len(mine["funnel_counts"] or [])] == mine["funnel_counts"]
            and floors[0]["paths_counts"] == mine["paths_counts"]
        )
    rows = []
    for tree, results in runs.items():
        rows.append(
            {
                "tree": tree,
                "measure_s": _median(r["measure_s"] for r in results),
                "report_s": _median(r["report_s"] for r in results),
                "measure_cpu": _median(r["measure_cpu"] for r in results),
                "report_cpu": _median(r["report_cpu"] for r in results),
                "charts_s": {k: _median(r["charts_s"].get(k) for r in results) for k in CHARTS},
                "peak_mb": max(r["peak_mb"] for r in results),
                "runs": len(results),
                "load": _median(r["load"] for r in results),
            }
        )
    floor_row = None
    if floors:
        floor_row = {
            "floor_s": _median(f["floor_s"] for f in floors),
            "floor_cpu": _median(f["floor_cpu"] for f in floors),
            "charts_s": {k: _median(f["charts_s"].get(k) for f in floors) for k in CHARTS},
            "peak_mb": max(f["peak_mb"] for f in floors),
            "runs": len(floors),
            "load": _median(f["load"] for f in floors),
            "agrees": floor_agrees,
        }
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
        "floor": floor_row,
        "runs": runs,
        "floors": floors,
    }
    path = args.out / "report.json"
    sizes = {}
    if args.merge and path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        sizes = old.get("sizes", {}) if isinstance(old, dict) else {}
    sizes[args.size] = record
    order = sorted(sizes, key=lambda s: float(s.rstrip("M") or 0))
    path.write_text(json.dumps({"sizes": sizes}, indent=2) + "\n", encoding="utf-8")
    lines = markdown([sizes[s] for s in order])
    (args.out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    ok = record["identical_answers"] and floor_agrees is not False
    return 0 if ok else 1


def markdown(records: list[dict]) -> list[str]:
    lines = [
        "# The whole report beside `measure` and the SQL floor",
        "",
        "Generated by `benchmarks/bench_report.py` (see its docstring). **report s**: the context"
        " and the HTML after measuring; **× measure**: (measure + report) / measure, the issue's"
        " target ≤ 2×, in wall seconds and in CPU seconds (user + system of every thread of the"
        " process, less sensitive to what else the machine runs); the SQL floor's row gives its"
        " time in the report's columns and its ratio to the report's measure. The floor is"
        " hand-written DuckDB SQL for the four charts' questions, in a process of its own."
        " Medians of the runs, peak MB the largest; **load**: the 1-minute load average before"
        " the runs (a shared 2-core machine: compare rows of one size).",
        "",
    ]
    for record in records:
        floor = record.get("floor")
        lines += [
            f"## {record['size']} events",
            "",
            f"`{record['command']}`, {record['started']} UTC, {record['machine']}. Load average"
            f" (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in record['load_before'])};"
            f" after: {', '.join(f'{x:.2f}' for x in record['load_after'])}. Same charts from"
            f" every tree: **{'yes' if record['identical_answers'] else 'NO'}**."
            + (
                ""
                if not floor
                else f" SQL floor's funnel and top journeys' counts equal the report's:"
                f" **{'yes' if floor['agrees'] else 'NO'}**."
            ),
            "",
            "| tree | measure s | report s | × measure | measure CPU s | report CPU s |"
            " × measure (CPU) | tag s | funnel s | retention s | sankey s | paths s | peak MB |"
            " runs | load |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in record["rows"]:
            c = row["charts_s"]
            ratio = (row["measure_s"] + row["report_s"]) / row["measure_s"]
            cpu = (row["measure_cpu"] + row["report_cpu"]) / row["measure_cpu"]
            lines.append(
                f"| `{row['tree']}` | {row['measure_s']:.2f} | {row['report_s']:.2f} |"
                f" {ratio:.2f}× | {row['measure_cpu']:.2f} | {row['report_cpu']:.2f} |"
                f" {cpu:.2f}× | {c['tag']:.2f} | {c['funnel']:.2f} | {c['retention']:.2f} |"
                f" {c['sankey']:.2f} | {c['paths']:.2f} | {row['peak_mb']:.0f} | {row['runs']} |"
                f" {row['load']:.2f} |"
            )
        if floor:
            c = floor["charts_s"]
            mine = record["rows"][0]
            ratio = (mine["measure_s"] + floor["floor_s"]) / mine["measure_s"]
            cpu = (mine["measure_cpu"] + floor["floor_cpu"]) / mine["measure_cpu"]
            lines.append(
                f"| SQL floor | — | {floor['floor_s']:.2f} | {ratio:.2f}× | — |"
                f" {floor['floor_cpu']:.2f} | {cpu:.2f}× | {c['tag']:.2f} |"
                f" {c['funnel']:.2f} | {c['retention']:.2f} | {c['sankey']:.2f} |"
                f" {c['paths']:.2f} | {floor['peak_mb']:.0f} | {floor['runs']} |"
                f" {floor['load']:.2f} |"
            )
        lines.append("")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
