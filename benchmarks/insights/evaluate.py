"""Score `recorrido friction` on generated journeys: recall of planted problems, false alarms.

    .venv/bin/python benchmarks/insights/evaluate.py [--sizes 600,3000] [--seeds 1,2] [--out FILE]

For each size and seed, :mod:`shop` writes a planted and a clean data set; the map is made by
``map discover`` (goal ``purchase``: the data set names no other), as a new user would; friction
runs with its defaults. A planted problem is **found** when a finding names it (see ``MATCH``);
on a clean data set every finding is a **false alarm**; on a planted one, findings naming no
planted problem are counted as **other**. The table is printed as Markdown (and written to
``--out``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shop

from recorrido import Workspace
from recorrido.insights.discovery import discover
from recorrido.insights.findings import friction

KINDS = ("incident", "loop", "failure")
INCIDENT_EVENTS = {"error_shown", "support_contact", "purchase"}
LOOP_EVENTS = {"checkout_shipping", "checkout_payment"}


def _overlaps(finding, span_days) -> bool:
    if span_days is None:
        return True
    if not finding.start:
        return False
    first = shop.START.date() + timedelta(days=span_days[0])
    last = shop.START.date() + timedelta(days=span_days[1])
    return date.fromisoformat(finding.start) <= last and first <= date.fromisoformat(finding.end)


def matches(finding, truth) -> str | None:
    """Which planted problem ``finding`` names, if any."""
    where = finding.where
    incident = finding.kind == "change" and where.get("event") in INCIDENT_EVENTS
    if incident and _overlaps(finding, truth["incident"]):
        return "incident"
    pair = set(str(where.get("loop", "")).split("|")) | set(where.get("events") or [])
    looping = finding.kind in ("change", "loop") and pair >= LOOP_EVENTS
    if looping and (finding.kind == "loop" or _overlaps(finding, truth["loop"])):
        return "loop"
    if finding.kind == "failure" and "payment_failed" in (where.get("events") or []):
        return "failure"
    return None


def run(size: int, seed: int, planted: bool, folder: Path) -> dict:
    path = shop.write(folder / "events.parquet", size, planted=planted, seed=seed)
    ws = Workspace.init(folder / "ws", timezone="UTC", language="en")
    try:
        ws.ingest(path)
        began = time.perf_counter()
        journey = discover(ws, goal="purchase")
        report = friction(ws, journey)
        seconds = time.perf_counter() - began
    finally:
        ws.close()
    truth = shop.planted_truth(180)
    named = [matches(f, truth) for f in report.findings]
    return {
        "found": {k: k in named for k in KINDS},
        "other": sum(1 for n in named if n is None),
        "other_top10": sum(1 for n in named[:10] if n is None),
        "findings": len(report.findings),
        "seconds": seconds,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="600,3000")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    lines = [
        "| customers | seed | data | incident | loop | failure | other (top 10) | seconds |",
        "|---:|---:|---|---|---|---|---:|---:|",
    ]
    for size in [int(x) for x in args.sizes.split(",")]:
        for seed in [int(x) for x in args.seeds.split(",")]:
            for planted in (True, False):
                with tempfile.TemporaryDirectory() as tmp:
                    r = run(size, seed, planted, Path(tmp))
                if planted:
                    cells = ["found" if r["found"][k] else "**missed**" for k in KINDS]
                    other = f"{r['other']} ({r['other_top10']})"
                else:
                    cells = ["—"] * 3
                    other = f"**{r['findings']} false alarm(s)**" if r["findings"] else "0"
                data = "planted" if planted else "clean"
                lines.append(
                    f"| {size} | {seed} | {data} | {' | '.join(cells)} | {other} "
                    f"| {r['seconds']:.1f} |"
                )
                print(lines[-1], flush=True)
    command = "    .venv/bin/python benchmarks/insights/evaluate.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    header = "# Insights harness: planted problems found, false alarms\n\n" + command + "\n\n"
    table = header + "\n".join(lines) + "\n"
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
