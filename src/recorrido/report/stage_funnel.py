"""The report's stage funnel: the ordered funnel of the stages customers reached, computed with
one lookup per entry event instead of one per entry event and step.

:func:`recorrido.analytics.funnel` (ordered, no exclusions) tries every entry event: from each
one it looks up, step after step, the first event of the next stage strictly later than the
step before (an ASOF join per step over every entry). All the entries of a customer whose first
event of stage 2 after them is the same event share the rest of that chain (each lookup reads
only the customer and the previous step's time), and only the window (from the entry's own
time) tells them apart. So here the chain is looked up once per distinct (customer, first
next-stage time), and each entry's furthest step is read off that chain with its own window:
the same attempts, the same best attempt per customer (furthest, then earliest by the one
order), so the same figures (``docs/tagged-relation.md``, "Third round").

Only on DuckDB, with the report's kept tagged table; anything else, and any case the general
function answers with an error or a check (nothing counted, a stage nobody reached), goes to
:func:`recorrido.analytics.funnel` itself.
"""

from __future__ import annotations

import pandas as pd

from recorrido.analytics.funnel_figures import NONE_LABEL

#: The funnel's settings the report uses; ``analytics.funnel`` has the others at their defaults.
_KIND = "ordered"


def stage_funnel(tagged, stages: list[str], *, window: str, start, end, scratch) -> pd.DataFrame:
    """``analytics.funnel(tagged, stages, window=window, level="stage", start=start, end=end)``,
    the very frame, computed by shared chains where it can be (see the module docstring)."""
    from recorrido import analytics
    from recorrido.analytics.sequence import engine_of

    def general() -> pd.DataFrame:
        return analytics.funnel(tagged, stages, window=window, level="stage", start=start, end=end)

    if (
        scratch is None
        or engine_of(tagged) != "duckdb"
        or len(stages) < 2
        or "stage" not in tagged.columns
    ):
        return general()
    from recorrido.analytics.funnel_attempts import Plan
    from recorrido.analytics.funnel_figures import shape, summarise
    from recorrido.analytics.windows import parse_duration

    plan = Plan(
        steps=list(stages),
        width=parse_duration(window),
        step_widths=[None] * len(stages),
        optional=frozenset(),
        exclusions=[],
        mid_entry=False,
        first_only=False,
        restart=False,
    )
    events = _stage_events(tagged, start, end, scratch)
    backend = events._find_backend()
    best = backend.sql(best_attempts_sql(events.get_name(), plan.steps, plan.width))
    summary = summarise(best, plan)
    reached = {int(k) for k in summary[0]["k"]}
    if not summary[1] or not set(range(1, plan.n + 1)) <= reached:
        return general()  # its checks say why nothing (or a step) was counted
    return shape(summary, plan, _KIND, False)


def _stage_events(tagged, start, end, scratch):
    """The staged events in the date range, in the funnel's terms (``stream`` at stage level):
    customer, stage (``item``), time in microseconds and the rest of the one order, kept."""
    from recorrido.analytics.funnel_attempts import _place
    from recorrido.analytics.sequence import stream

    t = stream(tagged, "stage", start=start, end=end, check=False).table
    return scratch.keep(t.select("customer_id", "item", "us", "event_id", place=_place(t)))


def best_attempts_sql(table: str, steps: list[str], width: int) -> str:
    """Each customer's best attempt of the ordered funnel ``steps`` over ``table`` (columns
    ``customer_id, item, us, place, event_id``), in the columns
    :func:`~recorrido.analytics.funnel_figures.summarise` reads.

    ``n1`` is the first time of step 2 strictly after the entry; ``g1..`` look the rest of the
    chain up once per distinct ``(customer, n1)``; an entry reaches step k+1 when ``n1..nk`` all
    exist and ``nk`` is at most ``width`` after the entry (the chain's times only grow, so the
    steps reached are a prefix)."""
    n = len(steps)
    lit = [_literal(s) for s in steps]

    def times(k: int) -> str:
        return f"SELECT customer_id AS c, us FROM {table} WHERE item = {lit[k]}"

    ctes = [
        f"e AS (SELECT customer_id AS c, us, place, event_id FROM {table} WHERE item = {lit[0]})",
        f"en AS MATERIALIZED (SELECT e.*, s.us AS n1 FROM e ASOF LEFT JOIN ({times(1)}) s"
        " ON e.c = s.c AND e.us < s.us)",
    ]
    later = ", ".join(f"g.n{k}" for k in range(2, n))
    if n > 2:
        ctes.append("g1 AS (SELECT DISTINCT c, n1 FROM en WHERE n1 IS NOT NULL)")
        for k in range(2, n):
            ctes.append(
                f"g{k} AS (SELECT g.*, s.us AS n{k} FROM g{k - 1} g ASOF LEFT JOIN ({times(k)}) s"
                f" ON g.c = s.c AND g.n{k - 1} < s.us)"
            )
        ctes.append(
            f"chained AS (SELECT en.*, {later} FROM en LEFT JOIN g{n - 1} g"
            " ON en.c = g.c AND en.n1 = g.n1)"
        )
    else:
        ctes.append("chained AS (SELECT * FROM en)")
    oks = []
    for k in range(1, n):
        present = " AND ".join(f"n{j} IS NOT NULL" for j in range(1, k + 1))
        oks.append(f"({present} AND n{k} - us <= {int(width)})::BIGINT")
    ctes.append(f"a AS (SELECT *, 1 + {' + '.join(oks)} AS reached FROM chained)")
    fields = ", ".join(["'t0': us", "'reached': reached", *[f"'t{k}': n{k}" for k in range(1, n)]])
    ctes.append(
        f"b AS (SELECT c, arg_min({{{fields}}}, {{'r': -reached, 't0': us, 'p': place,"
        " 'e': event_id}) AS x FROM a GROUP BY c)"
    )
    columns = [
        "c AS customer_id",
        f"{_literal(NONE_LABEL)} AS bd",
        "CAST(1 AS BIGINT) AS entry",
        "x.t0 AS t0",
        "x.reached AS reached",
    ]
    columns += [f"CASE WHEN x.reached > {k} THEN x.t{k} END AS t{k}" for k in range(1, n)]
    columns += [f"x.reached > {k} AS done{k}" for k in range(1, n)]
    return f"WITH {', '.join(ctes)} SELECT {', '.join(columns)} FROM b"


def _literal(text: str) -> str:
    """A SQL string literal (a map's stage id is the map author's text)."""
    return "'" + str(text).replace("'", "''") + "'"
