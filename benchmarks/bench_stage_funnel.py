"""The report's stage funnel alone, at 1, 10 or 100 million generated events: the general
``analytics.funnel`` (one chain of lookups per entry event) against the report's
``report.stage_funnel`` (one chain per customer and first next-stage time), issue 20.

    flock /work/notes/bench.lock .venv/bin/python benchmarks/bench_stage_funnel.py --size 10M

One process on the ``bench_cli.py`` workspace of that size: the report's kept tagged table is
made once, then the two functions run alternately (``--runs`` times each), each timed in wall
and CPU seconds (``time.process_time``: every thread of the process), with the 1-minute load
average; their frames must be equal, exactly, or the script exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

MAP = HERE / "maps" / "bench-6-stages.yaml"
STAGES = ["discover", "explore", "cart", "checkout", "purchase", "after"]


def _timed(label: str, work):
    began, cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    load = f"{os.getloadavg()[0]:.2f}"
    print(f"{label}: wall {wall:.3f} s, CPU {cpu:.3f} s, load {load}", flush=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)

    import pandas as pd

    import bench_cli
    from recorrido import Workspace, analytics
    from recorrido.journey import JourneyMap
    from recorrido.measured.scratch import Scratch
    from recorrido.report import charts_below
    from recorrido.report.stage_funnel import stage_funnel

    folder = bench_cli.workspace(args.size, lambda text: print(text, file=sys.stderr))
    journey = JourneyMap.load(MAP)
    same = True
    with Workspace.open(folder, read_only=True) as ws, Scratch() as scratch:
        tagged = _timed("tagged table", lambda: charts_below.tagged_once(ws, journey, scratch))
        for _ in range(args.runs):
            general = _timed(
                "analytics.funnel",
                lambda: analytics.funnel(tagged, STAGES, window="30d", level="stage"),
            )
            shared = _timed(
                "report stage_funnel",
                lambda: stage_funnel(
                    tagged, STAGES, window="30d", start=None, end=None, scratch=scratch
                ),
            )
            try:
                pd.testing.assert_frame_equal(shared, general, check_exact=True)
            except AssertionError as exc:
                print(f"frames differ: {exc}", file=sys.stderr)
                same = False
    print("equal frames" if same else "FRAMES DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
