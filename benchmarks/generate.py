"""Generate a synthetic, seeded e-commerce event file as Parquet and CSV for the ingest benchmark.

The data is made up: every value is derived in DuckDB SQL from the row number and the seed with
``hash()``, so a given ``--rows`` / ``--seed`` (and DuckDB version) always gives the same files,
and generating 10 million rows takes seconds rather than minutes.

Columns: ``event_id`` (unique text), ``user_id`` (about ``--customers`` distinct customers),
``timestamp`` (about 90 days of 2024, in file order; a real ``TIMESTAMP WITH TIME ZONE`` in
Parquet, ISO 8601 text with a UTC offset such as ``+00:00`` or ``+01:00`` in CSV), ``event``
(12 e-commerce event names), ``channel`` (web / app / email / store), ``value`` (a price on
``add_to_cart``, ``begin_checkout`` and ``purchase``, NULL otherwise) and two property columns,
``product_id`` and ``device``.

    .venv/bin/python benchmarks/generate.py --rows 10000000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

DATA_DIR = Path(__file__).resolve().parent / ".data"
DEFAULT_ROWS = 10_000_000
DEFAULT_SEED = 42
DEFAULT_CUSTOMERS = 500_000
START = "2024-03-01 00:00:00+00"
SPAN_SECONDS = 90 * 24 * 3600

# (event, cumulative share in per mille); the shares add up to 1000.
EVENTS = [
    ("page_view", 300),
    ("product_view", 520),
    ("search", 600),
    ("add_to_cart", 680),
    ("remove_from_cart", 700),
    ("view_cart", 750),
    ("begin_checkout", 790),
    ("add_shipping_info", 820),
    ("add_payment_info", 845),
    ("purchase", 865),
    ("login", 970),
    ("sign_up", 1000),
]
CHANNELS = [("web", 550), ("app", 850), ("email", 950), ("store", 1000)]
# The same instant is written with one of these offsets in the CSV file.
OFFSETS = [("+00:00", 0, 700), ("+01:00", 60, 900), ("-05:00", -300, 1000)]
PRICED = ("add_to_cart", "begin_checkout", "purchase")
WITH_PRODUCT = (*PRICED, "product_view", "remove_from_cart")


def file_paths(rows: int, data_dir: Path = DATA_DIR) -> dict[str, Path]:
    """Where the files for ``rows`` rows live: ``{"parquet": ..., "csv": ..., "manifest": ...}``."""
    stem = data_dir / f"events_{rows}"
    return {
        "parquet": stem.with_suffix(".parquet"),
        "csv": stem.with_suffix(".csv"),
        "manifest": stem.with_suffix(".json"),
    }


def _pick(draw: str, choices: list[tuple[str, int]]) -> str:
    """A CASE expression choosing a label by a draw in [0, 1000) and cumulative per-mille cuts."""
    arms = " ".join(f"WHEN {draw} < {cut} THEN '{label}'" for label, cut in choices)
    return f"CASE {arms} END"


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def events_sql(rows: int, seed: int, customers: int) -> str:
    """The SELECT that produces the events (timestamp as TIMESTAMPTZ, ``tz_offset`` aside)."""
    step = SPAN_SECONDS * 1000 / rows  # milliseconds between consecutive events, on average

    def draw(salt: str, modulo: int) -> str:
        return f"(hash(i, {seed}, '{salt}') % {modulo})::BIGINT"

    offsets = " ".join(f"WHEN {draw('offset', 1000)} < {cut} THEN {m}" for _, m, cut in OFFSETS)
    return f"""
        WITH base AS (
            SELECT
                i,
                {_pick(draw("event", 1000), EVENTS)} AS event,
                {_pick(draw("channel", 1000), CHANNELS)} AS channel,
                TIMESTAMPTZ '{START}'
                    + to_milliseconds((i * {step})::BIGINT + {draw("jitter", 1000)}) AS timestamp,
                CASE {offsets} END AS tz_minutes
            FROM range({rows}) AS r(i)
        )
        SELECT
            printf('evt-%d-%010d', {seed}, i) AS event_id,
            printf('user-%07d', {draw("user", customers)}) AS user_id,
            timestamp,
            event,
            channel,
            CASE WHEN event IN ({_quoted(PRICED)})
                THEN round(4.99 + {draw("value", 50000)} / 100.0, 2)
            END AS value,
            CASE WHEN event IN ({_quoted(WITH_PRODUCT)})
                THEN printf('sku-%05d', {draw("product", 20000)})
            END AS product_id,
            CASE
                WHEN channel = 'store' THEN NULL
                WHEN channel = 'app' THEN
                    CASE WHEN {draw("device", 10)} < 7 THEN 'ios' ELSE 'android' END
                ELSE CASE WHEN {draw("device", 10)} < 6 THEN 'desktop'
                    WHEN {draw("device", 10)} < 9 THEN 'mobile' ELSE 'tablet' END
            END AS device,
            tz_minutes
        FROM base
    """


def generate(
    rows: int = DEFAULT_ROWS,
    seed: int = DEFAULT_SEED,
    customers: int = DEFAULT_CUSTOMERS,
    data_dir: Path = DATA_DIR,
) -> dict[str, Path]:
    """Write the Parquet and CSV files for ``rows`` events; return their paths."""
    paths = file_paths(rows, data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # Keep file order = row order (the timestamps are increasing in file order, like an export).
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"CREATE TEMP VIEW generated AS {events_sql(rows, seed, customers)}")
    columns = "event_id, user_id, {ts}, event, channel, value, product_id, device"
    con.execute(
        f"COPY (SELECT {columns.format(ts='timestamp')} FROM generated) "
        f"TO '{paths['parquet']}' (FORMAT parquet, COMPRESSION zstd)"
    )
    # ISO 8601 text with milliseconds and the offset the instant is written in.
    local = "timestamp + to_minutes(tz_minutes)"
    sign = "CASE WHEN tz_minutes < 0 THEN '-' ELSE '+' END"
    hours = "lpad((abs(tz_minutes) // 60)::VARCHAR, 2, '0')"
    iso = f"strftime({local}, '%Y-%m-%dT%H:%M:%S.%g') || {sign} || {hours} || ':00' AS timestamp"
    con.execute(
        f"COPY (SELECT {columns.format(ts=iso)} FROM generated) "
        f"TO '{paths['csv']}' (FORMAT csv, HEADER true)"
    )
    con.close()
    manifest = {"rows": rows, "seed": seed, "customers": customers, "duckdb": duckdb.__version__}
    paths["manifest"].write_text(json.dumps(manifest, indent=2) + "\n")
    return paths


def parse_count(text: str) -> int:
    """``10000000``, ``10M``, ``500k`` or ``1_000_000`` as an integer."""
    text = text.strip().replace("_", "").lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    return int(float(number) * factor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=parse_count, default=DEFAULT_ROWS, help="e.g. 1M, 10M")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--customers", type=parse_count, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder for the files")
    args = parser.parse_args()
    started = time.perf_counter()
    paths = generate(args.rows, args.seed, args.customers, args.out)
    took = time.perf_counter() - started
    for fmt in ("parquet", "csv"):
        size = paths[fmt].stat().st_size / 2**20
        print(f"{paths[fmt]}  {size:,.1f} MiB")
    print(f"{args.rows:,} rows, seed {args.seed}, in {took:.1f} s")


if __name__ == "__main__":
    main()
