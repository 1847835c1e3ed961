"""Time the insight questions the web pages ask (conformance, moments, segments) in one process,
as the CLI calls them, with a hash of each answer's JSON (to compare two source trees).

    .venv/bin/python benchmarks/insights/time_questions.py WORKSPACE MAP [QUESTION ...]
    PYTHONPATH=/path/to/other/src .venv/bin/python benchmarks/insights/time_questions.py ...

Prints, per question: wall seconds, CPU seconds of the process (DuckDB's threads included) and
the first 12 hex digits of the SHA-256 of its sorted JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time


def main() -> int:
    from recorrido import Workspace
    from recorrido.insights.conformance import conformance
    from recorrido.insights.moments import moments
    from recorrido.insights.segments import segments

    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    asked = {"conformance": conformance, "moments": moments, "segments": segments}
    workspace = Workspace.open(sys.argv[1])
    for name in sys.argv[3:] or list(asked):
        started, cpu = time.perf_counter(), os.times()
        answer = asked[name](workspace, sys.argv[2]).to_dict()
        after = os.times()
        digest = hashlib.sha256(json.dumps(answer, sort_keys=True).encode()).hexdigest()[:12]
        print(
            f"{name} {time.perf_counter() - started:.2f} s"
            f" {after.user + after.system - cpu.user - cpu.system:.2f} CPU s {digest}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
