"""Attribution benchmark: every model on the paths of 100,000+ customers, seconds per model.

The customers are drawn (seeded) from ChannelAttribution's example path table
(``shared/data/channelattribution_pathdata/Data.csv``): each customer gets one of its paths with
probability proportional to the path's journeys, converts with that path's observed conversion
rate, and carries the path's mean conversion value. The customer-level journeys are then

1. aggregated into a path table and attributed by every model (Markov at orders 1, 2 and 3;
   Shapley with the "conversions" and the "rate" worths), and
2. turned into an events table in an in-memory DuckDB (one event per touch plus a ``purchase``
   event per conversion, one hour apart) from which ``workspace_paths`` builds the paths in the
   engine, to time that step too.

    .venv/bin/python benchmarks/bench_attribution.py                  # 200,000 customers
    .venv/bin/python benchmarks/bench_attribution.py --customers 100000

Results: ``benchmarks/results/attribution.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "channelattribution_pathdata" / "Data.csv"


def customers(count: int, seed: int) -> pd.DataFrame:
    source = pd.read_csv(DATA, sep=";")
    journeys = source["total_conversions"] + source["total_null"]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(source), size=count, p=(journeys / journeys.sum()).to_numpy())
    rate = (source["total_conversions"] / journeys).to_numpy()[pick]
    mean_value = (
        source["total_conversion_value"] / source["total_conversions"].where(lambda s: s > 0)
    ).fillna(0.0)
    converted = rng.random(count) < rate
    return pd.DataFrame(
        {
            "customer": [f"c{i:07d}" for i in range(count)],
            "path": source["path"].to_numpy()[pick],
            "converted": converted,
            "value": np.where(converted, mean_value.to_numpy()[pick], 0.0),
        }
    )


def events_of(people: pd.DataFrame) -> pd.DataFrame:
    touches = people.assign(channel=people["path"].str.split(" > ")).explode("channel")
    touches["step"] = touches.groupby("customer").cumcount()
    start = pd.Timestamp("2024-01-01", tz="UTC")
    touches = pd.DataFrame(
        {
            "event_id": touches["customer"] + "-" + touches["step"].astype(str).str.zfill(3),
            "customer_id": touches["customer"],
            "timestamp": start + pd.to_timedelta(touches["step"], unit="h"),
            "event": "view",
            "channel": touches["channel"],
            "value": np.nan,
        }
    )
    buyers = people[people["converted"]]
    steps = buyers["path"].str.count(" > ") + 1
    purchases = pd.DataFrame(
        {
            "event_id": buyers["customer"] + "-zzz",
            "customer_id": buyers["customer"],
            "timestamp": start + pd.to_timedelta(steps, unit="h"),
            "event": "purchase",
            "channel": None,
            "value": buyers["value"],
        }
    )
    frame = pd.concat([touches, purchases], ignore_index=True)
    frame["properties"] = pd.Series([None] * len(frame), dtype="string")
    frame["anonymous_id"] = pd.Series([None] * len(frame), dtype="string")
    frame["channel"] = frame["channel"].astype("string")
    frame["source"] = "bench"
    return frame


def timed(fn):
    began = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "attribution.md")
    args = parser.parse_args()

    import ibis

    from recorrido.analytics.attribution import PathTable, attribute, workspace_paths

    load_before = os.getloadavg()
    people = customers(args.customers, args.seed)
    rows: list[tuple[str, str, float, str]] = []

    table, seconds = timed(
        lambda: PathTable.build(
            [tuple(p.split(" > ")) for p in people["path"]],
            people["converted"].astype(float),
            people["value"],
            (~people["converted"]).astype(float),
        )
    )
    rows.append(("aggregate customer paths (pandas)", "—", seconds, f"{len(table.paths):,} paths"))
    runs = [
        ("first_touch", {}),
        ("last_touch", {}),
        ("linear", {}),
        ("time_decay", {}),
        ("position_based", {}),
        ("markov", {"order": 1}),
        ("markov", {"order": 2}),
        ("markov", {"order": 3}),
        ("shapley", {}),
        ("shapley", {"shapley_characteristic": "rate"}),
    ]
    for model, options in runs:
        result, seconds = timed(lambda m=model, o=options: attribute(table, models=[m], **o))
        total = result.table[model].sum()
        assert abs(total - table.total_conversions) < 1e-6 * max(1, total), (model, total)
        label = ", ".join(f"{k}={v}" for k, v in options.items()) or "defaults"
        detail = ""
        if model == "markov":
            detail = f"{result.settings['markov']['states']:,} states, exact"
        if model == "shapley":
            detail = f"{result.shapley['characteristic']}, {result.shapley['method']}"
        rows.append((model, label, seconds, detail))
    everything, seconds = timed(lambda: attribute(table))
    rows.append(("all seven models together", "defaults", seconds, ""))
    for resamples in (200, 1000):
        # Intervals by resampling the journeys: every model re-run on each resample.
        boot, seconds = timed(lambda n=resamples: attribute(table, bootstrap=n, seed=args.seed))
        for model in ("first_touch", "markov", "shapley"):
            low, high = boot.table[f"{model}_low"], boot.table[f"{model}_high"]
            assert (low <= high).all() and (high > low).any(), model
        rows.append(
            (
                "all seven models with bootstrap intervals",
                f"bootstrap={resamples}",
                seconds,
                f"95 % intervals, {resamples:,} resamples",
            )
        )

    events = events_of(people)
    con = ibis.duckdb.connect()
    events_table = con.create_table("events", events)
    built, seconds = timed(lambda: workspace_paths(events_table, lookback="90d"))
    assert built.table.total_conversions == people["converted"].sum()
    rows.append(
        (
            "paths built in DuckDB from events",
            f"{len(events):,} events",
            seconds,
            f"{len(built.table.paths):,} paths",
        )
    )
    load_after = os.getloadavg()

    packages = ("duckdb", "ibis-framework", "pandas", "numpy")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in packages)
    lines = [
        "# Attribution benchmark",
        "",
        "Generated by `benchmarks/bench_attribution.py`. Customers are drawn (seeded) from",
        "ChannelAttribution's example path table, so paths, channels and conversion rates are",
        "those of that data; see the script's docstring.",
        "",
        f"- Command: `.venv/bin/python benchmarks/bench_attribution.py"
        f"{'' if args.customers == 200_000 else f' --customers {args.customers}'}`",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} CPUs; {platform.platform()}; Python {sys.version.split()[0]}",
        f"- Versions: {versions}",
        f"- Customers: {args.customers:,} ({int(people['converted'].sum()):,} converted, "
        f"value {people['value'].sum():,.1f}); seed {args.seed}; "
        f"{len(everything.table)} channels",
        f"- Load average before: {', '.join(f'{x:.2f}' for x in load_before)} / after: "
        f"{', '.join(f'{x:.2f}' for x in load_after)} (a shared 2-core machine skews the numbers)",
        "",
        "| Step | Options | Seconds | Detail |",
        "|---|---|---:|---|",
        *[f"| {a} | {b} | {s:.3f} | {d} |" for a, b, s, d in rows],
        "",
        "Every model's attributed conversions were checked to sum to the total conversions, "
        "and the bootstrap intervals to run low to high and to have width. The bootstrap "
        "resamples journeys (rows of the path table, by their counts) and re-runs every model "
        "on each resample (`docs/attribution.md`).",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
