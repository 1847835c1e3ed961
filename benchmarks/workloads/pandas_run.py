"""The workloads in plain pandas, written the idiomatic way: read the Parquet file, sort each
customer's events by (timestamp, event_id), then groupby/shift/merge_asof. The measured map and
the Markov attribution are not written in pandas (see benchmarks/README.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from common import top_variants


def load(path, columns=("customer_id", "event_id", "timestamp", "event")) -> pd.DataFrame:
    df = pd.read_parquet(path, columns=list(columns))
    df = df[df.customer_id.notna() & df.event.notna()]
    df = df.sort_values(["customer_id", "timestamp", "event_id"], ignore_index=True)
    df["us"] = df["timestamp"].astype("datetime64[us, UTC]").astype("int64")
    return df


def dfg(path, p):
    df = load(path)
    g = df.groupby("customer_id", sort=False)
    df["target"] = g["event"].shift(-1)
    df["gap"] = g["us"].shift(-1) - df["us"]
    pairs = df[df.target.notna()]
    out = (
        pairs.groupby(["event", "target"])
        .agg(count=("gap", "size"), customers=("customer_id", "nunique"), total=("gap", "sum"))
        .reset_index()
        .sort_values(["event", "target"])
    )
    return {
        "pairs": [
            [r.event, r.target, int(r.count), int(r.customers), float(r.total) / r.count / 1e6]
            for r in out.itertuples()
        ]
    }


def funnel(path, p):
    steps, w = p["funnel_steps"], p["window_us"]
    df = load(path)
    df = df[df.event.isin(steps)]
    a = df[df.event == steps[0]][["customer_id", "event_id", "us"]].rename(columns={"us": "t0"})
    for j in range(1, len(steps)):
        right = df[df.event == steps[j]][["customer_id", "us"]].sort_values("us")
        right = right.rename(columns={"us": f"t{j}"})
        left = a[a[f"t{j - 1}"].notna()].astype({f"t{j - 1}": "int64"})
        found = pd.merge_asof(
            left.sort_values(f"t{j - 1}"),
            right.assign(key=right[f"t{j}"]),
            left_on=f"t{j - 1}",
            right_on="key",
            by="customer_id",
            direction="forward",
            allow_exact_matches=False,  # the next step is strictly later
        ).drop(columns="key")
        a = a.merge(found[["event_id", f"t{j}"]], on="event_id", how="left")
    ok = np.ones(len(a), dtype=bool)
    reached = np.ones(len(a), dtype="int64")
    for j in range(1, len(steps)):
        ok &= (a[f"t{j}"].notna() & (a[f"t{j}"] - a.t0 <= w)).to_numpy()
        reached += ok
    a["reached"] = reached
    best = a.sort_values(
        ["customer_id", "reached", "t0", "event_id"], ascending=[True, False, True, True]
    ).drop_duplicates("customer_id")
    out = []
    for k in range(1, len(steps) + 1):
        b = best[best.reached >= k]
        med = None if k == 1 else float((b[f"t{k - 1}"] - b[f"t{k - 2}"]).median()) / 1e6
        out.append([steps[k - 1], len(b), med])
    return {"steps": out}


def variants(path, p):
    df = load(path, ("customer_id", "event_id", "timestamp", "event"))
    first = df.groupby("customer_id", sort=False).head(p["variants_first"])
    paths = first.groupby("customer_id", sort=False)["event"].agg(tuple)
    counts = paths.value_counts()
    return {"total": len(paths), "top": top_variants(counts.to_dict(), p["variants_top"])}


def sessions(path, p):
    df = load(path)
    gap = df.groupby("customer_id", sort=False)["us"].diff()
    df["session"] = (gap.isna() | (gap > p["session_gap_us"])).cumsum()
    s = df.groupby("session", sort=False).agg(
        customer_id=("customer_id", "first"),
        start=("us", "min"),
        end=("us", "max"),
        events=("us", "size"),
    )
    d = s.end - s.start
    return {
        "sessions": len(s),
        "customers": int(s.customer_id.nunique()),
        "events": int(s.events.sum()),
        "single": int((s.events == 1).sum()),
        "mean_seconds": float(d.sum()) / len(s) / 1e6,
        "median_seconds": float(d.median()) / 1e6,
    }


WORKLOADS = {"dfg": dfg, "funnel": funnel, "variants": variants, "sessions": sessions}
