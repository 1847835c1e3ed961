"""What `recorrido friction` reports on real logs where nothing was planted (the false-alarm side).

    .venv/bin/python benchmarks/insights/real_logs.py [--logs bpi2012,helpdesk,trivago,bpi2013]
        [--top 10] [--out FILE.json]

Each log in ``../shared/data`` is ingested as a new user would (XES as it is; trivago's
columns mapped), ``map discover`` proposes the map (its own goal unless one is named below:
the helpdesk log has no conversion word, its goal is the ticket being resolved; in the Volvo
incidents log, left alone, discover takes ``Unmatched`` (5 cases), so the goal is
``Completed``), and friction
runs with its defaults. Printed: the goal chosen, the map's stages, and the top findings with
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
    "helpdesk": ("helpdesk_ticketing/helpdesk.xes.gz", None, "Resolve ticket"),
    "trivago": (
        "trivago_recsys2019_100k/trivago_val_100k.parquet",
        ColumnMapping(
            columns={"customer_id": "user_id", "event": "action_type", "timestamp": "timestamp"},
            timestamp_unit="s",
        ),
        None,
    ),
    "bpi2013": ("bpi2013_volvo_incidents/bpic2013_incidents.xes.gz", None, "Completed"),
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(name: str, top: int) -> dict:
    path, mapping, goal = LOGS[name]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws", timezone="UTC", language="en")
        try:
            report = ws.ingest(DATA / path, mapping=mapping)
            cpu, began = _cpu(), time.perf_counter()
            journey = discover(ws, goal=goal, lang="en")
            found = friction(ws, journey)
            seconds, cpu = time.perf_counter() - began, _cpu() - cpu
        finally:
            ws.close()
    return {
        "log": name,
        "events": report.ingested,
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
    args = parser.parse_args(argv)
    results = []
    for name in args.logs.split(","):
        r = run(name, args.top)
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
