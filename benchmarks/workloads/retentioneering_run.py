"""The workloads retentioneering (5.x) has, through its headless API: the transition graph's
counts (``transition_graph_data``: ``count`` and ``unique_paths``), the funnel (``funnel_data``)
and sessions (``split_sessions(timeout="30m")``). Usage tracking is switched off
(``RETENTIONEERING_NO_TRACK``). Events are sorted by (customer, timestamp, event_id) first.

Compared figures: directly-follows pair counts and distinct customers; sessions and their events.
Its funnel has no conversion window and its own step rules, so only the first step's customers
are compared (the rest is timed, not compared)."""

from __future__ import annotations

import os

os.environ.setdefault("RETENTIONEERING_NO_TRACK", "1")

import pandas as pd
from retentioneering.eventstream import Eventstream

SYNTHETIC = ("path_start", "path_end")


def load(path) -> Eventstream:
    df = pd.read_parquet(path, columns=["customer_id", "event_id", "timestamp", "event"])
    df = df.sort_values(["customer_id", "timestamp", "event_id"], ignore_index=True)
    df["timestamp"] = df["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None)
    schema = {"path_cols": ["customer_id"], "event_col": "event", "timestamp_col": "timestamp"}
    return Eventstream(df[["customer_id", "event", "timestamp"]], schema)


def _long(matrix: pd.DataFrame, name: str) -> pd.Series:
    s = matrix.stack()
    s.index.names = ["source", "target"]
    return s.rename(name)


def dfg(path, p):
    stream = load(path)
    counts = _long(stream.transition_graph_data(edge_weight="count"), "count")
    paths = _long(stream.transition_graph_data(edge_weight="unique_paths"), "customers")
    both = pd.concat([counts, paths], axis=1).reset_index()
    # Its synthetic path_start / path_end events are not events of the data.
    synthetic = both.source.isin(SYNTHETIC) | both.target.isin(SYNTHETIC)
    both = both[(both["count"] > 0) & ~synthetic].sort_values(["source", "target"])
    return {
        "pairs": [
            [r.source, r.target, int(r.count), int(r.customers), None] for r in both.itertuples()
        ]
    }


def funnel(path, p):
    stream = load(path)
    found = stream.funnel_data(steps=p["funnel_steps"])["steps"]
    out = []
    for k, row in enumerate(found):
        out.append([row["step"], int(row["unique_paths"]) if k == 0 else None, None])
    return {"steps": out, "retentioneering_steps": [int(r["unique_paths"]) for r in found]}


def sessions(path, p):
    stream = load(path).split_sessions(timeout=p["session_gap"])
    df = stream.to_dataframe()
    sizes = df.groupby("session_id").size()
    single = int((sizes == 1).sum())
    return {"sessions": len(sizes), "events": int(sizes.sum()), "single": single}


WORKLOADS = {"dfg": dfg, "funnel": funnel, "sessions": sessions}
