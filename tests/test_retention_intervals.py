"""Retention rates carry their 95 % Wilson interval (``rate_ci``), in Python and in the CLI's
JSON; the bounds are checked against the formula written out here."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from statistics import NormalDist

import pytest

from recorrido import Workspace
from recorrido import analytics as A
from recorrido.analytics.intervals import wilson
from recorrido.demo import bundled

RECORRIDO = Path(sys.executable).with_name("recorrido")
Z = NormalDist().inv_cdf(0.975)


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    root = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p))
    return (2 * n * p + Z * Z - root) / (2 * (n + Z * Z)), (2 * n * p + Z * Z + root) / (
        2 * (n + Z * Z)
    )


@pytest.fixture(scope="module")
def otto(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("retention") / "ws"
    with (
        Workspace.init(folder, timezone="UTC", language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    return folder


def test_every_rate_has_its_wilson_interval(otto):
    with Workspace.open(otto, read_only=True) as ws:
        frames = [A.retention(ws, "week"), A.retention(ws, "month", return_event="orders")]
    for frame in frames:
        assert "rate_ci" in frame.columns
        assert frame["rate_ci"].notna().all()
        for row in frame.itertuples():
            low, high = row.rate_ci
            assert (low, high) == wilson(row.customers, row.cohort_size)
            by_hand = wilson_by_hand(row.customers, row.cohort_size)
            assert [low, high] == pytest.approx(list(by_hand), abs=1e-12)
            assert low <= row.rate <= high
    week = frames[0]
    # Period 0 is everyone: the upper bound is exactly 1, the lower one below it.
    own = week[week.period == 0]
    assert (own["rate"] == 1).all()
    assert all(ci[1] == 1.0 and ci[0] < 1.0 for ci in own["rate_ci"])
    # A cohort nobody came back from (orders as the return event): its lower bound is exactly 0.
    nobody = frames[1][frames[1].customers == 0]
    assert all(ci[0] == 0.0 for ci in nobody["rate_ci"])
    # The triangle still holds the rates alone.
    matrix = A.retention_matrix(week)
    assert list(matrix.columns[:2]) == ["cohort_size", 0]


def test_cli_json_has_the_intervals(otto):
    done = subprocess.run(
        [str(RECORRIDO), "retention", "-w", str(otto), "--period", "week", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["interval"] == {"method": "wilson", "level": 0.95}
    assert payload["cohorts"]
    for cohort in payload["cohorts"]:
        low, high = cohort["rate_ci"]
        assert [low, high] == pytest.approx(
            list(wilson_by_hand(cohort["customers"], cohort["cohort_size"]))
        )
