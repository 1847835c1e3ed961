"""What `recorrido friction` reports on real logs where nothing was planted (the false-alarm side).

    .venv/bin/python benchmarks/insights/real_logs.py [--logs bpi2012,helpdesk,trivago,bpi2013]
        [--top 10] [--out FILE.json] [--workspaces DIR]

Each log in ``../shared/data`` is ingested as a new user would (XES as it is; trivago's
columns mapped), ``map discover`` proposes the map with its own goal (a conversion, else a
completion: ``Resolve ticket`` on the help desk, ``Completed`` on the Volvo incidents; see
``recorrido.insights.goal_choice``), and friction runs with its defaults. With
``--workspaces DIR`` each log is ingested once into ``DIR/<log>`` and read from there on later
runs (ingest takes longer than friction on these logs; the timings cover discover + friction).
Printed: the goal chosen, the map's stages, and the top findings with
their kind, where, dates and segment; ``--out`` keeps them as JSON for the hand check in
``docs/insights-real-logs.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from recorrido import ColumnMapping, Workspace
from recorrido.insights.discovery import discover
from recorrido.insights.findings import friction

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
LOGS = {
    "bpi2012": ("bpi2012_loan_application/bpic2012.xes.gz", None, None),
    "helpdesk": ("helpdesk_ticketing/helpdesk.xes.gz", None, None),
    "trivago": (
        "trivago_recsys2019_100k/trivago_val_100k.parquet",
        ColumnMapping(
            columns={"customer_id": "user_id", "event": "action_type", "timestamp": "timestamp"},
            timestamp_unit="s",
        ),
        None,
    ),
    "bpi2013": ("bpi2013_volvo_incidents/bpic2013_incidents.xes.gz", None, None),
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _workspace(name: str, tmp: str, keep: str | None):
    """The log's workspace and how many events it holds: ingested now, or kept from before."""
    path, mapping, _ = LOGS[name]
    if keep and (Path(keep) / name).exists():
        ws = Workspace.open(Path(keep) / name)
        return ws, int(ws.events.count().execute())
    ws = Workspace.init(Path(keep or tmp) / name, timezone="UTC", language="en")
    return ws, ws.ingest(DATA / path, mapping=mapping).ingested


def run(name: str, top: int, keep: str | None = None) -> dict:
    goal = LOGS[name][2]
    with tempfile.TemporaryDirectory() as tmp:
        ws, ingested = _workspace(name, tmp, keep)
        try:
            cpu, began = _cpu(), time.perf_counter()
            journey = discover(ws, goal=goal, lang="en")
            found = friction(ws, journey)
            seconds, cpu = time.perf_counter() - began, _cpu() - cpu
        finally:
            ws.close()
    return {
        "log": name,
        "events": ingested,
        "customers": found.customers,
        "converted": found.converted,
        "goal": journey.goal.touchpoint,
        "stages": {s.id: [tp.id for tp in s.touchpoints] for s in journey.stages},
        "tested": found.tested,
        "findings": len(found.findings),
        "top": [
            {
                "rank": i + 1,
                "kind": f.kind,
                "where": f.where,
                "customers": f.customers,
                "effect": round(f.effect, 3),
                "start": f.start,
                "end": f.end,
                "segment": f.segment,
                "text": f.sentence("en"),
                "parts": [g.sentence("en") for g in getattr(f, "parts", [])],
            }
            for i, f in enumerate(found.findings[:top])
        ],
        "cpu": round(cpu, 1),
        "seconds": round(seconds, 1),
        "load": os.getloadavg()[0],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", default=",".join(LOGS))
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--out")
    parser.add_argument("--workspaces", help="keep the ingested logs here (DIR/<log>)")
    args = parser.parse_args(argv)
    results = []
    for name in args.logs.split(","):
        r = run(name, args.top, args.workspaces)
        results.append(r)
        print(
            f"## {name}: {r['events']} events, {r['customers']} customers, goal {r['goal']} "
            f"({r['converted']} reached it), {r['findings']} findings of {r['tested']} tested, "
            f"CPU {r['cpu']} s, wall {r['seconds']} s, load {r['load']:.1f}",
            flush=True,
        )
        print(f"stages: {r['stages']}")
        for f in r["top"]:
            print(f"{f['rank']}. [{f['kind']}] {f['text']}", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
