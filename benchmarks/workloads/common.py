"""What every tool's workload module shares: the workloads' parameters, the shape of an answer and
how two answers are compared.

Each tool module (``recorrido_run``, ``duckdb_sql``, ``pandas_run``, ``pm4py_run``,
``retentioneering_run``, ``spark_run``) exposes ``WORKLOADS``: a dict from workload name to a
function ``(parquet_path, params) -> answer``, where an answer is plain JSON (lists and dicts of
numbers and strings) in the shapes below. ``python benchmarks/workloads/run.py TOOL WORKLOAD FILE``
runs one in its own process.

Answers (what is compared between tools):

- ``dfg``: ``{"pairs": [[source, target, count, customers, mean_seconds], ...]}`` sorted by
  source, target. Tools that do not count distinct customers give ``None`` there.
- ``funnel``: ``{"steps": [[step, customers, median_seconds_from_previous], ...]}``.
- ``variants``: ``{"total": customers, "top": [[[step, ...], customers], ...]}`` (top 20 by
  customers, ties by the steps joined with U+001F, as recorrido orders them).
- ``sessions``: ``{"sessions", "customers", "events", "single", "mean_seconds",
  "median_seconds"}``.
- ``measured_map``: ``{"summary": {...}, "stages": [...], "touchpoints": [...], "channels":
  [...]}`` (see :func:`map_answer`).
- ``attribution``: ``{"conversions": total, "markov": {channel: attributed conversions}}``.
"""

from __future__ import annotations

import math
from pathlib import Path

SEP = "\x1f"
#: DuckDB's memory limit for recorrido and the hand-written SQL alike (both spill beyond it).
DUCKDB_MEMORY_LIMIT = "6GB"
BENCHMARKS = Path(__file__).resolve().parents[1]

#: The journeys data (benchmarks/journeys.py) and its map.
JOURNEYS = {
    "funnel_steps": ["page_view", "product_view", "add_to_cart", "purchase"],
    "window": "7d",
    "window_us": 7 * 86400 * 1_000_000,
    "variants_top": 20,
    "variants_first": 10,
    "session_gap": "30m",
    "session_gap_us": 30 * 60 * 1_000_000,
    "map": str(BENCHMARKS / "maps" / "bench-6-stages.yaml"),
    "inactivity_us": 30 * 86400 * 1_000_000,
    "attribution_by": "campaign",
    "conversion": "purchase",
    "lookback_us": 30 * 86400 * 1_000_000,
}

#: The real BPI Challenge 2012 loan applications (a process log: one case = one customer).
BPI2012 = {
    **JOURNEYS,
    "funnel_steps": ["A_SUBMITTED", "A_PARTLYSUBMITTED", "A_PREACCEPTED", "A_ACCEPTED"],
}


def params_for(data: str) -> dict:
    return BPI2012 if "bpi2012" in str(data) else JOURNEYS


def top_variants(counts: dict[tuple, int], top: int) -> list:
    """The ``top`` variants by customers, ties by their steps joined with U+001F."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], SEP.join(kv[0])))
    return [[list(steps), int(n)] for steps, n in ordered[:top]]


# -- comparing answers ------------------------------------------------------------------------
def _close(a, b, rel: float = 1e-6) -> bool:
    if a is None or b is None:
        return True  # a figure one tool does not give is not compared
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, float) and math.isnan(a):
            return isinstance(b, float) and math.isnan(b)
        return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-6)
    return a == b


def differences(reference, other, path: str = "") -> list[str]:
    """Where ``other`` differs from ``reference`` (``None`` on either side is not compared)."""
    out: list[str] = []
    if isinstance(reference, dict) and isinstance(other, dict):
        for key in reference:
            if key not in other:
                continue  # a figure this tool does not give
            out += differences(reference[key], other[key], f"{path}.{key}")
        return out
    if isinstance(reference, list) and isinstance(other, list):
        if len(reference) != len(other):
            return [f"{path}: {len(reference)} rows vs {len(other)}"]
        for i, (a, b) in enumerate(zip(reference, other, strict=True)):
            out += differences(a, b, f"{path}[{i}]")
            if len(out) > 5:
                break
        return out
    if not _close(reference, other):
        out.append(f"{path}: {reference!r} vs {other!r}")
    return out


def num(value):
    """A JSON-ready number (``None`` for missing values)."""
    if value is None:
        return None
    try:
        if value != value:  # NaN, pd.NA raises in bool() below
            return None
    except TypeError:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return float(value)
