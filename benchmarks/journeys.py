"""Seeded generator of realistic customer journeys, written as Parquet in the canonical columns.

    .venv/bin/python benchmarks/journeys.py --events 1M   # benchmarks/.data/journeys_1M.parquet
    .venv/bin/python benchmarks/journeys.py --events 100M --seed 7

How the journeys are made (the numbers are in the constants below):

- **Markov-chain stages.** A visit is a walk on a Markov chain over 15 e-commerce events
  (``ad_click``, ``email_open``, ``app_open``, ``page_view``, ``search``, ``product_view``,
  ``compare``, ``add_to_cart``, ``remove_from_cart``, ``view_cart``, ``begin_checkout``,
  ``add_payment_info``, ``purchase``, ``review``, ``support_ticket``) with an absorbing end. The
  walk starts according to the visit's channel (social → ``ad_click``, email → ``email_open``,
  app → ``app_open``, web → ``page_view``/``search``/``product_view``). Seconds between events are
  log-normal (median about 40 s); 2 % of the gaps are 31–120 minutes (a visit that becomes two
  sessions) and 1 % are zero (events tied in time, ordered by ``event_id``).
- **Heavy-tailed customer lengths.** The number of visits of a customer is Pareto (alpha 1.2,
  capped at 300), so most customers come once or twice and a few come hundreds of times.
- **Repeat visits days apart.** Gaps between visits are exponential with a mean of 6 days (at least
  2 hours), so some returns fall inside a 7-day funnel window and some do not.
- **Several channels.** Each visit has a channel: web 45 %, app 25 %, email 20 %, social 10 %.

The bulk is DuckDB SQL: ``range()`` and ``hash()`` of the row numbers and the seed; no Python loop
over customers or events. Only the visit *templates* (2,000 Markov walks per channel, a few
thousand rows) are drawn in numpy with the seed; every visit then picks one by hash. The file is cut
to exactly ``--events`` rows at a customer-visit boundary plus a partial last visit. The same
``--events`` and ``--seed`` give the same rows with the same DuckDB version. Columns are the
canonical ones: ``event_id`` (``c<customer>-<visit>-<position>``: its text order is the
generation order, so it breaks timestamp ties in journey order), ``customer_id``,
``anonymous_id``, ``timestamp`` (TIMESTAMP WITH TIME ZONE, UTC, milliseconds), ``event``,
``channel``, ``source``, ``value`` (a price on ``add_to_cart`` and ``purchase``) and
``properties`` (JSON text with ``device`` and, for ad and e-mail events, ``utm_campaign``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"

EVENTS = [
    "ad_click",
    "email_open",
    "app_open",
    "page_view",
    "search",
    "product_view",
    "compare",
    "add_to_cart",
    "remove_from_cart",
    "view_cart",
    "begin_checkout",
    "add_payment_info",
    "purchase",
    "review",
    "support_ticket",
]
END = "END"
#: Next-event probabilities within a visit (each row sums to 1 with END).
CHAIN = {
    "ad_click": {"page_view": 0.5, "product_view": 0.35, END: 0.15},
    "email_open": {"page_view": 0.3, "product_view": 0.3, "review": 0.05, END: 0.35},
    "app_open": {
        "search": 0.3,
        "product_view": 0.35,
        "page_view": 0.15,
        "support_ticket": 0.03,
        END: 0.17,
    },
    "page_view": {"page_view": 0.2, "search": 0.2, "product_view": 0.35, END: 0.25},
    "search": {"search": 0.1, "product_view": 0.55, "page_view": 0.1, END: 0.25},
    "product_view": {
        "product_view": 0.3,
        "compare": 0.1,
        "add_to_cart": 0.2,
        "search": 0.1,
        "page_view": 0.05,
        END: 0.25,
    },
    "compare": {"product_view": 0.5, "add_to_cart": 0.2, END: 0.3},
    "add_to_cart": {
        "product_view": 0.2,
        "view_cart": 0.35,
        "begin_checkout": 0.15,
        "remove_from_cart": 0.05,
        END: 0.25,
    },
    "remove_from_cart": {"product_view": 0.4, "view_cart": 0.2, END: 0.4},
    "view_cart": {"begin_checkout": 0.45, "remove_from_cart": 0.1, "product_view": 0.15, END: 0.3},
    "begin_checkout": {"add_payment_info": 0.6, "view_cart": 0.1, END: 0.3},
    "add_payment_info": {"purchase": 0.75, END: 0.25},
    "purchase": {"product_view": 0.05, "support_ticket": 0.05, "review": 0.05, END: 0.85},
    "review": {"product_view": 0.2, END: 0.8},
    "support_ticket": {"support_ticket": 0.2, END: 0.8},
}
#: Channel of a visit (share) and the first event of its walk.
CHANNELS = {
    "web": (0.45, {"page_view": 0.55, "search": 0.25, "product_view": 0.2}),
    "app": (0.25, {"app_open": 1.0}),
    "email": (0.20, {"email_open": 1.0}),
    "social": (0.10, {"ad_click": 1.0}),
}
TEMPLATES_PER_CHANNEL = 2000
MAX_VISIT_EVENTS = 80
PARETO_ALPHA = 1.2
MAX_VISITS = 300
MEAN_DAYS_BETWEEN_VISITS = 6.0
START = "2024-01-01 00:00:00+00"
SPAN_DAYS = 180
SIZES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}


def parse_size(text: str) -> int:
    text = str(text).strip().upper()
    if text in SIZES:
        return SIZES[text]
    if text.endswith("M"):
        return int(float(text[:-1]) * 1_000_000)
    if text.endswith("K"):
        return int(float(text[:-1]) * 1_000)
    return int(text)


def label(rows: int) -> str:
    for name, value in SIZES.items():
        if value == rows:
            return name
    return str(rows)


def path_for(rows: int, seed: int = 42) -> Path:
    suffix = "" if seed == 42 else f"_s{seed}"
    return DATA / f"journeys_{label(rows)}{suffix}.parquet"


def templates(seed: int) -> list[tuple[str, int, int, str, int]]:
    """(channel, template, position, event, milliseconds since the visit's start) rows."""
    rng = np.random.default_rng(seed)
    index = {name: i for i, name in enumerate([*EVENTS, END])}
    matrix = np.zeros((len(EVENTS), len(EVENTS) + 1))
    for source, targets in CHAIN.items():
        for target, p in targets.items():
            matrix[index[source], index[target]] = p
    cumulative = matrix.cumsum(axis=1)
    rows = []
    for channel, (_, starts) in CHANNELS.items():
        first_names = list(starts)
        first_p = np.array([starts[n] for n in first_names])
        for template in range(TEMPLATES_PER_CHANNEL):
            state = index[rng.choice(first_names, p=first_p)]
            offset = 0
            for position in range(MAX_VISIT_EVENTS):
                rows.append((channel, template, position, EVENTS[state], offset))
                state = int(np.searchsorted(cumulative[state], rng.random(), side="right"))
                if state >= len(EVENTS):
                    break
                roll = rng.random()
                if roll < 0.01:
                    gap_ms = 0  # tied with the previous event
                elif roll < 0.03:
                    gap_ms = int(rng.uniform(31, 120) * 60_000)  # a pause: a new session
                else:
                    gap_ms = int(rng.lognormal(np.log(40.0), 0.9) * 1000) + 1
                offset += gap_ms
    return rows


def generate(rows: int, seed: int = 42, out: Path | None = None, threads: int | None = None):
    out = out or path_for(rows, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/recorrido-journeys'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    walks = pd.DataFrame(
        templates(seed), columns=["channel", "template", "pos", "event", "offset_ms"]
    )
    con.register("walks", walks)
    con.execute("CREATE TEMP TABLE tpl AS SELECT * FROM walks")
    con.execute(
        "CREATE TEMP TABLE tpl_len AS SELECT channel, template, count(*) AS n FROM tpl GROUP BY ALL"
    )
    mean_visit = con.execute(
        "SELECT sum(n * CASE channel "
        + " ".join(f"WHEN '{c}' THEN {share}" for c, (share, _) in CHANNELS.items())
        + f" END) / {TEMPLATES_PER_CHANNEL} FROM tpl_len"
    ).fetchone()[0]
    u = np.random.default_rng(seed).random(200_000)
    mean_visits = float(np.minimum(np.floor(1 / u ** (1 / PARETO_ALPHA)), MAX_VISITS).mean())
    customers = int(rows / (mean_visit * mean_visits) * 1.08) + 10
    # uniform(k) in [0, 1) from the seed, the row numbers and a salt k.
    channel_case = "CASE " + " ".join(
        f"WHEN r < {edge} THEN '{name}'"
        for name, edge in zip(
            CHANNELS, np.cumsum([share for share, _ in CHANNELS.values()]).round(6), strict=True
        )
    )
    channel_case += " ELSE 'web' END"
    while True:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE visits AS
            WITH c AS (
                SELECT range AS c,
                    least({MAX_VISITS}, floor(1 / pow(
                        (hash(range, {seed}, 1) % 1000000 + 1) / 1000001.0,
                        1 / {PARETO_ALPHA})))::INTEGER AS nv,
                    (hash(range, {seed}, 2) % 1000000) / 1000000.0 * {SPAN_DAYS} AS day0
                FROM range({customers})
            ), v AS (
                SELECT c, unnest(range(nv)) AS v, day0 FROM c
            ), g AS (
                SELECT c, v, day0,
                    (hash(c, v, {seed}, 3) % 1000000) / 1000000.0 AS r,
                    CASE WHEN v = 0 THEN 0.0 ELSE greatest(2 / 24.0,
                        -{MEAN_DAYS_BETWEEN_VISITS} * ln(1 - (hash(c, v, {seed}, 4) % 1000000)
                        / 1000000.0)) END AS gap_days,
                    (hash(c, v, {seed}, 5) % {TEMPLATES_PER_CHANNEL})::INTEGER AS template
                FROM v
            )
            SELECT c, v, {channel_case} AS channel, template,
                day0 + sum(gap_days) OVER (PARTITION BY c ORDER BY v) AS day
            FROM g
            """
        )
        total = con.execute(
            "SELECT sum(n) FROM visits JOIN tpl_len USING (channel, template)"
        ).fetchone()[0]
        if total >= rows:
            break
        customers = int(customers * rows / total * 1.05) + 10
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE kept AS
        WITH sized AS (
            SELECT visits.*, n,
                sum(n) OVER (ORDER BY c, v ROWS UNBOUNDED PRECEDING) - n AS before
            FROM visits JOIN tpl_len USING (channel, template)
        )
        SELECT c, v, channel, template, day, least(n, {rows} - before) AS keep
        FROM sized WHERE before < {rows}
        """
    )
    con.execute(
        f"""
        COPY (
            SELECT
                printf('c%08d-%03d-%02d', k.c, k.v, t.pos) AS event_id,
                printf('c%08d', k.c) AS customer_id,
                printf('a%08d-%d', k.c, hash(k.c, {seed}, 6) % 3) AS anonymous_id,
                TIMESTAMPTZ '{START}'
                    + to_milliseconds((k.day * 86400000)::BIGINT + t.offset_ms) AS timestamp,
                t.event,
                k.channel,
                'journeys' AS source,
                CASE WHEN t.event IN ('add_to_cart', 'purchase')
                    THEN round(5 + (hash(k.c, k.v, t.pos, {seed}, 7) % 29500) / 100.0, 2)
                END AS value,
                CASE WHEN k.channel IN ('email', 'social') THEN
                    '{{"device":"' || (CASE hash(k.c, {seed}, 8) % 3 WHEN 0 THEN 'mobile'
                        WHEN 1 THEN 'desktop' ELSE 'tablet' END)
                    || '","utm_campaign":"' || k.channel || '-' || (hash(k.c, k.v, {seed}, 9) % 6)
                    || '"}}'
                ELSE
                    '{{"device":"' || (CASE hash(k.c, {seed}, 8) % 3 WHEN 0 THEN 'mobile'
                        WHEN 1 THEN 'desktop' ELSE 'tablet' END) || '"}}'
                END AS properties
            FROM kept k JOIN tpl t ON t.channel = k.channel AND t.template = k.template
                AND t.pos < k.keep
        ) TO '{out}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
        """
    )
    count, people = con.execute(
        f"SELECT count(*), count(DISTINCT customer_id) FROM read_parquet('{out}')"
    ).fetchone()
    assert count == rows, (count, rows)
    meta = {
        "rows": rows,
        "customers": people,
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 2),
        "duckdb": duckdb.__version__,
        "templates_per_channel": TEMPLATES_PER_CHANNEL,
        "pareto_alpha": PARETO_ALPHA,
        "mean_days_between_visits": MEAN_DAYS_BETWEEN_VISITS,
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out


def ensure(rows: int, seed: int = 42) -> Path:
    """The file for ``rows`` events, generated when missing."""
    out = path_for(rows, seed)
    if not out.exists() or not out.with_suffix(".json").exists():
        generate(rows, seed, out)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="1M", help="1M, 10M, 100M or a number")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = parse_size(args.events)
    out = generate(rows, args.seed, args.out)
    print(out.read_text() if out.suffix == ".json" else out.with_suffix(".json").read_text())
    print(out)


if __name__ == "__main__":
    main()
