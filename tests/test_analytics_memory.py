"""Bounded memory on 10 million events: the analytics run in the engine and only small results
reach Python (measured with tracemalloc, which sees every Python allocation)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import FILES

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import json, sys, time, tracemalloc

    from recorrido import Workspace
    from recorrido import analytics as A

    ws = Workspace.init(sys.argv[1], language="en")
    ws.con.con.execute('''
        INSERT INTO raw_events
        SELECT 'e' || i, 'c' || (i % 200000), NULL,
               TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(
                   ((i // 200000) * 3600000000 + (hash(i) % 3000000000)::BIGINT)::BIGINT),
               ['view', 'search', 'cart', 'buy', 'refund'][1 + (hash(i * 7) % 5)::BIGINT],
               'web', 'gen', NULL, '{"device": "d' || (i % 3) || '"}', i
        FROM range(10000000) t(i)
    ''')
    assert ws.events.count().execute() == 10_000_000
    tracemalloc.start()
    started = time.time()
    funnel = A.funnel(ws, ["view", "cart", "buy"], window="1d", exclusions=["refund"],
                      breakdown="device")
    edges = A.transitions(ws)
    summary = A.sessions(ws)
    cohorts = A.retention(ws, "week")
    from recorrido.journey import JourneyMap
    journey = JourneyMap.load(sys.argv[2])
    measured = ws.measure(journey, breakdown="device")
    _, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"peak_mb": peak / 2**20, "seconds": time.time() - started,
                      "customers": int(funnel.customers.iloc[0]), "edges": len(edges),
                      "sessions": int(summary.sessions.iloc[0]), "cohorts": len(cohorts),
                      "measured": [r["customers"] for r in measured.stage_rows("d0")]}))
    """
)


def test_ten_million_events_stay_in_the_engine(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(tmp_path / "ws"),
            str(FILES / "generated_shop_map.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(result)
    assert result["edges"] == 25 and result["customers"] > 0
    assert result["measured"][0] > 0 and len(result["measured"]) == 3
    # 10M events as Python objects would take gigabytes; the results take kilobytes.
    assert result["peak_mb"] < 64, result
