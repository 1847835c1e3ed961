"""The workloads as hand-written DuckDB SQL on the Parquet file: the engine's own speed, the floor
recorrido is measured against.

Each query is what someone fluent in DuckDB would write for that one question on this data (the
journey map's rules written out as a CASE, the funnel as ASOF joins, the Markov chain's transition
counts straight from a window), giving the same answer as recorrido by the semantics of
``docs/funnel-semantics.md`` and ``docs/attribution.md``. Only the Markov removal effects are
solved in numpy (a 14-state linear system).
"""

from __future__ import annotations

import duckdb
import numpy as np
from common import DUCKDB_MEMORY_LIMIT, SEP, num

US = "epoch_us(timestamp)"


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    return con


def src(path: str) -> str:
    return f"read_parquet('{path}')"


def dfg(path, p):
    rows = (
        connect()
        .sql(
            f"""
        WITH o AS (
            SELECT customer_id, event AS source, {US} AS us,
                lead(event) OVER w AS target, lead({US}) OVER w AS target_us
            FROM {src(path)}
            WHERE customer_id IS NOT NULL AND event IS NOT NULL
            WINDOW w AS (PARTITION BY customer_id ORDER BY timestamp, event_id)
        )
        SELECT source, target, count(*), count(DISTINCT customer_id),
            sum(target_us - us) / count(*) / 1e6
        FROM o WHERE target IS NOT NULL
        GROUP BY ALL ORDER BY source, target
        """
        )
        .fetchall()
    )
    return {"pairs": [[a, b, int(n), int(c), float(m)] for a, b, n, c, m in rows]}


def funnel(path, p):
    steps = p["funnel_steps"]
    w = p["window_us"]
    con = connect()
    con.execute(
        f"""
        CREATE TEMP TABLE f AS
        SELECT customer_id, event_id, event, {US} AS us FROM {src(path)}
        WHERE customer_id IS NOT NULL AND event IN ({", ".join(f"'{s}'" for s in steps)})
        """
    )
    # Each attempt: a step-1 event; the next step is the first one strictly later (ASOF >).
    joins = []
    for j in range(1, len(steps)):
        joins.append(
            f"ASOF LEFT JOIN (SELECT customer_id, us FROM f WHERE event = '{steps[j]}') s{j} "
            f"ON s{j}.customer_id = a.customer_id AND s{j}.us > "
            + ("a.us" if j == 1 else f"s{j - 1}.us")
        )
    ok = [f"(s{j}.us IS NOT NULL AND s{j}.us - a.us <= {w})" for j in range(1, len(steps))]
    # Steps reached in a row (an ASOF join on a NULL time still matches, so chain explicitly).
    reached = " + ".join(f"({' AND '.join(ok[:j])})::INT" for j in range(1, len(steps)))
    con.execute(
        f"""
        CREATE TEMP TABLE best AS
        SELECT a.customer_id, arg_min(struct_pack(t0 := a.us, {", ".join(f"t{j} := s{j}.us" for j in range(1, len(steps)))}),
            (-(1 + {reached}), a.us, a.event_id)) AS b,
            max(1 + {reached}) AS reached
        FROM (SELECT * FROM f WHERE event = '{steps[0]}') a
        {" ".join(joins)}
        GROUP BY a.customer_id
        """  # noqa: E501
    )
    out = []
    for k in range(1, len(steps) + 1):
        if k == 1:
            n = con.execute("SELECT count(*) FROM best").fetchone()[0]
            out.append([steps[0], int(n), None])
            continue
        n, med = con.execute(
            f"SELECT count(*), median(b.t{k - 1} - b.t{k - 2}) FROM best WHERE reached >= {k}"
            if k > 2
            else f"SELECT count(*), median(b.t1 - b.t0) FROM best WHERE reached >= {k}"
        ).fetchone()
        out.append([steps[k - 1], int(n), None if med is None else float(med) / 1e6])
    return {"steps": out}


def variants(path, p):
    con = connect()
    top = p["variants_top"]
    rows = con.execute(
        f"""
        WITH o AS (
            SELECT customer_id, event, timestamp, event_id FROM {src(path)}
            WHERE customer_id IS NOT NULL AND event IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY timestamp, event_id)
                <= {p["variants_first"]}
        ), v AS (
            SELECT string_agg(event, '{SEP}' ORDER BY timestamp, event_id) AS path
            FROM o GROUP BY customer_id
        )
        SELECT path, count(*) AS n, sum(count(*)) OVER () AS total
        FROM v GROUP BY path ORDER BY n DESC, path LIMIT {top}
        """
    ).fetchall()
    total = int(rows[0][2]) if rows else 0
    return {"total": total, "top": [[path.split(SEP), int(n)] for path, n, _ in rows]}


def sessions(path, p):
    gap = p["session_gap_us"]
    row = (
        connect()
        .sql(
            f"""
        WITH o AS (
            SELECT customer_id, event_id, {US} AS us,
                CASE WHEN lag({US}) OVER w IS NULL OR {US} - lag({US}) OVER w > {gap}
                    THEN 1 ELSE 0 END AS new
            FROM {src(path)}
            WHERE customer_id IS NOT NULL AND event IS NOT NULL
            WINDOW w AS (PARTITION BY customer_id ORDER BY timestamp, event_id)
        ), n AS (
            SELECT customer_id, us, sum(new) OVER (PARTITION BY customer_id
                ORDER BY us, event_id ROWS UNBOUNDED PRECEDING) AS session
            FROM o
        ), s AS (
            SELECT customer_id, session, max(us) - min(us) AS d, count(*) AS events
            FROM n GROUP BY customer_id, session
        )
        SELECT count(*), count(DISTINCT customer_id), sum(events), count(*) FILTER (events = 1),
            sum(d) / count(*) / 1e6, median(d) / 1e6
        FROM s
        """
        )
        .fetchone()
    )
    return dict(
        zip(
            ["sessions", "customers", "events", "single", "mean_seconds", "median_seconds"],
            [int(row[0]), int(row[1]), int(row[2]), int(row[3]), float(row[4]), float(row[5])],
            strict=True,
        )
    )


#: The benchmark map's rules (benchmarks/maps/bench-6-stages.yaml) written out by hand.
TOUCHPOINT_CASE = """CASE
    WHEN event = 'ad_click' AND channel = 'social' THEN 'ad'
    WHEN event = 'email_open' THEN 'newsletter'
    WHEN event = 'app_open' THEN 'app-launch'
    WHEN event = 'page_view' THEN 'landing'
    WHEN event = 'search' THEN 'search'
    WHEN event = 'product_view' THEN 'product'
    WHEN event = 'compare' THEN 'compare'
    WHEN event = 'add_to_cart' THEN 'add-to-cart'
    WHEN event IN ('view_cart', 'remove_from_cart') THEN 'cart-page'
    WHEN event = 'begin_checkout' THEN 'checkout'
    WHEN event = 'add_payment_info' THEN 'payment'
    WHEN event = 'purchase' THEN 'order'
    WHEN event = 'review' THEN 'review'
    WHEN event = 'support_ticket' THEN 'support'
END"""
STAGE_OF = {
    "ad": 0,
    "newsletter": 0,
    "app-launch": 0,
    "landing": 0,
    "search": 1,
    "product": 1,
    "compare": 1,
    "add-to-cart": 2,
    "cart-page": 2,
    "checkout": 3,
    "payment": 3,
    "order": 4,
    "review": 5,
    "support": 5,
}
STAGES = ["discover", "explore", "cart", "checkout", "purchase", "after"]


def measured_map(path, p):
    con = connect()
    stage_case = "CASE touchpoint " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in STAGE_OF.items())
    con.execute(
        f"""
        CREATE TEMP TABLE t AS
        SELECT customer_id, event_id, us, channel, touchpoint,
            {stage_case} END AS stage_index, is_goal
        FROM (
            SELECT customer_id, event_id, {US} AS us, channel,
                {TOUCHPOINT_CASE} AS touchpoint, coalesce(event = 'purchase', false) AS is_goal
            FROM {src(path)} WHERE customer_id IS NOT NULL
        )
        """
    )
    events, unmapped, last_us = con.execute(
        "SELECT count(*), count(*) FILTER (touchpoint IS NULL), max(us) FROM t"
    ).fetchone()
    con.execute(
        "CREATE TEMP TABLE people AS SELECT customer_id, max(us) AS last_us, "
        "bool_or(is_goal) AS converted FROM t GROUP BY customer_id"
    )
    customers, converted = con.execute(
        "SELECT count(*), count(*) FILTER (converted) FROM people"
    ).fetchone()
    con.execute(
        """
        CREATE TEMP TABLE visits AS
        SELECT customer_id, stage_index, min(us) AS first_us,
            arg_min(touchpoint, (us, event_id)) AS entry,
            arg_max(touchpoint, (us, event_id)) AS exit
        FROM t WHERE stage_index IS NOT NULL GROUP BY ALL
        """
    )
    inactive_before = last_us - p["inactivity_us"]
    figures = {
        int(r[0]): r[1:]
        for r in con.execute(
            f"""
        WITH reach AS (SELECT stage_index, count(*) AS customers FROM visits GROUP BY ALL),
        pairs AS (
            SELECT v.stage_index, n.first_us - v.first_us AS wait FROM visits v
            JOIN visits n ON n.customer_id = v.customer_id AND n.stage_index = v.stage_index + 1
        ),
        onward AS (
            SELECT stage_index, count(*) AS to_next,
                median(wait) FILTER (wait >= 0) AS med,
                quantile_disc(wait, 0.9) FILTER (wait >= 0) AS p90
            FROM pairs GROUP BY ALL
        ),
        from_first AS (
            SELECT v.stage_index, count(*) AS n FROM visits v
            SEMI JOIN (SELECT customer_id FROM visits WHERE stage_index = 0) f
                ON f.customer_id = v.customer_id
            GROUP BY ALL
        ),
        dropped AS (
            SELECT f.stage_index, count(*) AS n
            FROM (SELECT customer_id, max(stage_index) AS stage_index FROM visits GROUP BY ALL) f
            JOIN people USING (customer_id)
            WHERE NOT converted AND last_us < {inactive_before}
            GROUP BY ALL
        ),
        entries AS (
            SELECT stage_index, arg_min(entry, (-n, entry)) AS top FROM (
                SELECT stage_index, entry, count(*) AS n FROM visits GROUP BY ALL) GROUP BY ALL
        ),
        exits AS (
            SELECT stage_index, arg_min(exit, (-n, exit)) AS top FROM (
                SELECT stage_index, exit, count(*) AS n FROM visits GROUP BY ALL) GROUP BY ALL
        )
        SELECT stage_index, customers, to_next, med, p90, from_first.n, dropped.n,
            entries.top, exits.top
        FROM reach LEFT JOIN onward USING (stage_index) LEFT JOIN from_first USING (stage_index)
            LEFT JOIN dropped USING (stage_index) LEFT JOIN entries USING (stage_index)
            LEFT JOIN exits USING (stage_index)
        """
        ).fetchall()
    }
    stages = []
    first_customers = figures.get(0, (0,))[0]
    previous = None
    for index, stage in enumerate(STAGES):
        row = figures.get(index)
        if row is None:
            stages.append([stage, 0, None, None, 0, None, None, None, None])
            previous = None
            continue
        reach, to_next, med, p90, from_first, dropped, entry, exit_ = row
        prev_reach, prev_to_next = previous or (None, None)
        stages.append(
            [
                stage,
                int(reach),
                (prev_to_next or 0) / prev_reach if prev_reach else None,
                (from_first or 0) / first_customers if first_customers else None,
                int(dropped or 0),
                None if med is None else float(med) / 3.6e9,
                None if p90 is None else float(p90) / 3.6e9,
                entry,
                exit_,
            ]
        )
        previous = (reach, to_next)
    per = {
        r[0]: r[1:]
        for r in con.execute(
            """
            WITH had AS (SELECT DISTINCT customer_id, touchpoint FROM t
                         WHERE touchpoint IS NOT NULL)
            SELECT e.touchpoint, e.events, e.customers, coalesce(c.converted, 0) FROM (
                SELECT touchpoint, count(*) AS events, count(DISTINCT customer_id) AS customers
                FROM t WHERE touchpoint IS NOT NULL GROUP BY ALL) e
            LEFT JOIN (SELECT touchpoint, count(*) AS converted FROM had
                       SEMI JOIN (SELECT customer_id FROM people WHERE converted) w
                       USING (customer_id) GROUP BY ALL) c USING (touchpoint)
            """
        ).fetchall()
    }
    touchpoints = []
    for tp in STAGE_OF:
        n_events, n_customers, won = per.get(tp, (0, 0, 0))
        rest = customers - n_customers
        touchpoints.append(
            [
                tp,
                int(n_events),
                int(n_customers),
                won / n_customers if n_customers else None,
                (converted - won) / rest if rest else None,
            ]
        )
    channels = sorted(
        [a, b, int(n)]
        for a, b, n in con.execute(
            "SELECT touchpoint, channel, count(*) FROM t WHERE touchpoint IS NOT NULL GROUP BY ALL"
        ).fetchall()
    )
    summary = {
        "events": int(events),
        "customers": int(customers),
        "converted": int(converted),
        "unmapped": int(unmapped),
    }
    return {"summary": summary, "stages": stages, "touchpoints": touchpoints, "channels": channels}


def attribution(path, p):
    """Markov removal effects (order 1) of campaign touches: the transition counts come straight
    from SQL (start → first touch, touch → next touch, last touch → conversion or null, one count
    per journey), then a small linear solve."""
    lookback = p["lookback_us"]
    con = connect()
    con.execute(
        f"""
        CREATE TEMP TABLE kept AS
        WITH t AS (
            SELECT customer_id, event_id, {US} AS us,
                coalesce(nullif(json_extract_string(properties, '$.utm_campaign'), ''),
                         nullif(json_extract_string(properties, '$.campaign'), '')) AS item,
                coalesce(event = '{p["conversion"]}', false) AS is_conv,
                coalesce(value, 0.0) AS value
            FROM {src(path)} WHERE customer_id IS NOT NULL
        ), j AS (
            SELECT *, sum(is_conv::INT) OVER (PARTITION BY customer_id ORDER BY us, event_id
                ROWS UNBOUNDED PRECEDING) - is_conv::INT AS jn
            FROM t WHERE is_conv OR coalesce(item, '') <> ''
        ), convs AS (
            SELECT customer_id, jn, us AS conv_us FROM j WHERE is_conv
        ), joined AS (
            SELECT j.customer_id, j.jn, j.us, j.event_id, j.item, c.conv_us,
                coalesce(c.conv_us, max(j.us) OVER (PARTITION BY j.customer_id, j.jn)) AS anchor
            FROM j LEFT JOIN convs c USING (customer_id, jn) WHERE NOT j.is_conv
        )
        SELECT customer_id, jn, us, event_id, item, conv_us IS NOT NULL AS converted
        FROM joined WHERE anchor - us <= {lookback}
        """
    )
    edges = con.execute(
        """
        WITH o AS (
            SELECT item, converted,
                lag(item) OVER w AS prev, lead(item) OVER w AS nxt
            FROM kept WINDOW w AS (PARTITION BY customer_id, jn ORDER BY us, event_id)
        )
        SELECT coalesce(prev, '(start)'), item, count(*) FROM o GROUP BY ALL
        UNION ALL
        SELECT item, CASE WHEN converted THEN '(conversion)' ELSE '(null)' END, count(*)
        FROM o WHERE nxt IS NULL GROUP BY ALL
        """
    ).fetchall()
    total = sum(n for _, b, n in edges if b == "(conversion)")
    return {"conversions": float(total), "markov": removal(edges)}


def removal(edges) -> dict[str, float]:
    """Markov removal effects → attributed conversions, from (from, to, count) transitions."""
    channels = sorted({a for a, _, _ in edges if not a.startswith("(")})
    index = {c: i for i, c in enumerate(channels)}
    n = len(channels)
    q = np.zeros((n, n))
    conv = np.zeros(n)
    out = np.zeros(n)
    start = np.zeros(n)
    total_conv = 0.0
    for a, b, count in edges:
        if a == "(start)":
            start[index[b]] += count
        elif b == "(conversion)":
            conv[index[a]] += count
            total_conv += count
        elif b == "(null)":
            out[index[a]] += count
        else:
            q[index[a], index[b]] += count
    rows = q.sum(axis=1) + conv + out
    q = q / rows[:, None]
    r = conv / rows
    start = start / start.sum()

    def p_conv(keep: np.ndarray) -> float:
        qq = q[np.ix_(keep, keep)]
        x = np.linalg.solve(np.eye(keep.sum()) - qq, r[keep])
        return float(start[keep] @ x)

    everyone = np.ones(n, dtype=bool)
    base = p_conv(everyone)
    effects = np.array(
        [1 - p_conv(np.where(np.arange(n) == i, False, everyone)) / base for i in range(n)]
    )
    shares = effects / effects.sum()
    return {c: num(total_conv * shares[i]) for c, i in index.items()}


WORKLOADS = {
    "dfg": dfg,
    "funnel": funnel,
    "variants": variants,
    "sessions": sessions,
    "measured_map": measured_map,
    "attribution": attribution,
}
