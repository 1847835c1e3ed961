"""The workloads pm4py has, through its simplified API: the directly-follows graph with
frequencies and mean times (``discover_dfg``, ``discover_performance_dfg``) and the variants
(``get_variants``, on each customer's first 10 events). The events are sorted by (customer,
timestamp, event_id) first so that pm4py's order of tied events is recorrido's."""

from __future__ import annotations

import pandas as pd
import pm4py
from common import top_variants


def load(path) -> pd.DataFrame:
    df = pd.read_parquet(path, columns=["customer_id", "event_id", "timestamp", "event"])
    df = df.sort_values(["customer_id", "timestamp", "event_id"], ignore_index=True)
    return pm4py.format_dataframe(
        df, case_id="customer_id", activity_key="event", timestamp_key="timestamp"
    )


def dfg(path, p):
    log = load(path)
    counts, _, _ = pm4py.discover_dfg(log)
    perf, _, _ = pm4py.discover_performance_dfg(log)
    pairs = []
    for (a, b), n in sorted(counts.items()):
        mean = perf.get((a, b), {}).get("mean")
        pairs.append([a, b, int(n), None, None if mean is None else float(mean)])
    return {"pairs": pairs}


def variants(path, p):
    log = load(path)
    first = log.groupby("case:concept:name", sort=False).head(p["variants_first"])
    found = pm4py.get_variants(first)
    counts = {tuple(k): (v if isinstance(v, int) else len(v)) for k, v in found.items()}
    total = int(first["case:concept:name"].nunique())
    return {"total": total, "top": top_variants(counts, p["variants_top"])}


WORKLOADS = {"dfg": dfg, "variants": variants}
