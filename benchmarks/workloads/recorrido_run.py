"""The workloads in recorrido: its public analytics on the Parquet file, read in place by DuckDB
through Ibis (``ibis.duckdb.connect().read_parquet``: no ingest, no copy)."""

from __future__ import annotations

import ibis

# Library imports, as ``import duckdb`` / ``import pandas`` are for the other tools: Ibis loads its
# DuckDB backend (and, on first execution, the converter that imports pandas) lazily, which would
# otherwise count some 0.4 s of importing as recorrido's work time.
import ibis.backends.duckdb
import ibis.backends.duckdb.converter
from common import DUCKDB_MEMORY_LIMIT, num, top_variants

# Likewise recorrido's own map model (pydantic, ruamel.yaml), which its package loads on first use:
# reading and checking the map file stays in the measured map's work time, importing it does not.
import recorrido.journey.model
import recorrido.journey.validate  # noqa: F401
from recorrido import analytics as A
from recorrido.analytics.attribution import attribute_workspace
from recorrido.measured import measure


def events(path: str, backend=None) -> ibis.Table:
    if backend is None:
        backend = ibis.duckdb.connect()
        backend.raw_sql(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    return backend.read_parquet(path)


def dfg(path, p, table=None):
    frame = A.transitions(events(path) if table is None else table, "event")
    frame = frame.sort_values(["source", "target"])
    return {
        "pairs": [
            [r.source, r.target, int(r.count), int(r.customers), float(r.mean_seconds)]
            for r in frame.itertuples()
        ]
    }


def funnel(path, p, table=None):
    frame = A.funnel(
        events(path) if table is None else table, p["funnel_steps"], window=p["window"]
    )
    return {
        "steps": [
            [r.step, int(r.customers), num(r.median_seconds_from_previous)]
            for r in frame.itertuples()
        ]
    }


def variants(path, p, table=None):
    t = events(path) if table is None else table
    frame = A.variants(
        t, "event", top=p["variants_top"], collapse_repeats=False, max_steps=p["variants_first"]
    )
    total = round(frame["customers"].iloc[0] / frame["share"].iloc[0])
    counts = {tuple(r.steps): int(r.customers) for r in frame.itertuples()}
    return {"total": total, "top": top_variants(counts, p["variants_top"])}


def sessions(path, p, table=None):
    frame = A.sessions(events(path) if table is None else table, gap=p["session_gap"])
    r = frame.iloc[0]
    return {
        "sessions": int(r.sessions),
        "customers": int(r.customers),
        "events": int(r.events),
        "single": round(r.single_event_share * r.sessions),
        "mean_seconds": float(r.mean_duration_seconds),
        "median_seconds": float(r.median_duration_seconds),
    }


def map_answer(m) -> dict:
    stages = []
    for row in m.stage_rows():
        stages.append(
            [
                row["id"],
                row["customers"],
                num(row["conversion_from_previous"]),
                num(row["conversion_from_first"]),
                row["dropped"],
                num(row["median_hours_to_next"]),
                num(row["p90_hours_to_next"]),
                row["top_entry_touchpoint"],
                row["top_exit_touchpoint"],
            ]
        )
    touchpoints = [
        [
            r.touchpoint,
            int(r.events),
            int(r.customers),
            num(r.conversion_with),
            num(r.conversion_without),
        ]
        for r in m.touchpoints.itertuples()
    ]
    channels = sorted([r.touchpoint, r.channel, int(r.events)] for r in m.channels.itertuples())
    s = m.summary
    summary = {
        "events": s["events"],
        "customers": s["customers"],
        "converted": s["converted_customers"],
        "unmapped": s["unmapped_events"],
    }
    return {"summary": summary, "stages": stages, "touchpoints": touchpoints, "channels": channels}


def measured_map(path, p, table=None):
    return map_answer(measure(events(path) if table is None else table, p["map"]))


def attribution(path, p, table=None):
    result = attribute_workspace(
        events(path) if table is None else table,
        by=p["attribution_by"],
        conversion=p["conversion"],
        lookback="30d",
        models=["markov"],
    )
    totals = result.totals
    markov = {r.channel: float(r.markov) for r in result.table.itertuples()}
    return {"conversions": float(totals["conversions"]), "markov": markov}


WORKLOADS = {
    "dfg": dfg,
    "funnel": funnel,
    "variants": variants,
    "sessions": sessions,
    "measured_map": measured_map,
    "attribution": attribution,
}
