"""Funnel figures from the attempts (:mod:`recorrido.analytics.funnel_attempts`): per breakdown
value and step, the customers, who entered there, conversion from the start and from the previous
required step with 95 % Wilson intervals, exact median times, and each value against the rest."""

from __future__ import annotations

import ibis
import pandas as pd

from recorrido.analytics.funnel_attempts import NO_TIME, Plan
from recorrido.analytics.intervals import diff_interval, wilson_or_none
from recorrido.analytics.sequence import engine_of, median_by

#: The breakdown value of attempts whose first event has none.
NONE_LABEL = "(none)"


def covers(rows: ibis.Table, plan: Plan, k: int) -> ibis.Value:
    """Whether an attempt counts at step k (0-based)."""
    if k in plan.optional:
        return (rows.entry <= k + 1) & rows[f"done{k}"]
    return (rows.entry <= k + 1) & (rows.reached >= k + 1)


def previous_required(plan: Plan, k: int) -> int | None:
    for j in range(k - 1, -1, -1):
        if j not in plan.optional:
            return j
    return None


def summarise(rows: ibis.Table, plan: Plan) -> tuple[pd.DataFrame, dict]:
    """Per (breakdown value, step): counts and exact medians; and the attempts per value."""
    if engine_of(rows) == "duckdb":
        return _summarise_in_one_pass(rows, plan)
    # The attempts are read once per step and once for the totals: computed once.
    with rows.cache() as counted:
        return _summarise_per_step(counted, plan)


def _summarise_per_step(rows: ibis.Table, plan: Plan) -> tuple[pd.DataFrame, dict]:
    """:func:`summarise` on engines without filtered exact medians: a union of the steps."""
    per_step = []
    for k in range(plan.n):
        covered = rows.filter(covers(rows, plan, k))
        at = time_at(covered, k)
        p = previous_required(plan, k)
        if p is None:
            prev, cont = NO_TIME, ibis.literal(0, "int64")
        else:
            came = covered.entry <= p + 1
            prev = ibis.ifelse(came, at - time_at(covered, p), NO_TIME)
            cont = came.cast("int64")
        first = ibis.ifelse(covered.entry == k + 1, NO_TIME, at - covered.t0)
        per_step.append(
            covered.select(
                "bd",
                k=ibis.literal(k + 1, "int64"),
                entered=(covered.entry == k + 1).cast("int64"),
                cont=cont,
                prev=prev,
                first=first,
            )
        )
    table = ibis.union(*per_step)
    counts = table.group_by(["bd", "k"]).aggregate(
        customers=table.count(), entered=table.entered.sum(), continued=table.cont.sum()
    )
    prev = median_by(table, ["bd", "k"], "prev", "median_prev")
    first = median_by(table, ["bd", "k"], "first", "median_first")
    joined = counts.left_join(prev, ["bd", "k"]).select(counts, prev.median_prev)
    joined = joined.left_join(first, ["bd", "k"]).select(joined, first.median_first)
    frame = joined.execute()
    frame["bd"] = frame["bd"].fillna(NONE_LABEL)
    totals = rows.group_by("bd").aggregate(n=rows.count()).execute()
    total = {
        (NONE_LABEL if pd.isna(b) else b): int(n)
        for b, n in zip(totals["bd"], totals["n"], strict=True)
    }
    return frame, total


def _summarise_in_one_pass(rows: ibis.Table, plan: Plan) -> tuple[pd.DataFrame, dict]:
    """The same figures as one aggregate with filtered medians: DuckDB's ``quantile_cont`` gives
    the exact median (see :func:`~recorrido.analytics.sequence.median_by`), so no union of the
    steps and no joins are needed — a smaller query that compiles and runs faster."""
    aggs = {"n": rows.count()}
    for k in range(plan.n):
        covered = covers(rows, plan, k)
        at = time_at(rows, k)
        aggs[f"c{k}"] = covered.cast("int64").sum()
        aggs[f"e{k}"] = (covered & (rows.entry == k + 1)).cast("int64").sum()
        p = previous_required(plan, k)
        if p is not None:
            came = covered & (rows.entry <= p + 1)
            aggs[f"o{k}"] = came.cast("int64").sum()
            gap = at - time_at(rows, p)
            aggs[f"p{k}"] = gap.quantile(0.5, where=came).cast("float64")
            moved = covered & (rows.entry != k + 1)
            aggs[f"f{k}"] = (at - rows.t0).quantile(0.5, where=moved).cast("float64")
    wide = rows.group_by("bd").aggregate(**aggs).execute()
    records, totals = [], {}
    for row in wide.to_dict("records"):
        value = NONE_LABEL if pd.isna(row["bd"]) else row["bd"]
        totals[value] = int(row["n"])
        for k in range(plan.n):
            if not row[f"c{k}"]:
                continue
            records.append(
                {
                    "bd": value,
                    "k": k + 1,
                    "customers": int(row[f"c{k}"]),
                    "entered": int(row[f"e{k}"]),
                    "continued": int(row.get(f"o{k}", 0) or 0),
                    "median_prev": row.get(f"p{k}"),
                    "median_first": row.get(f"f{k}"),
                }
            )
    columns = ["bd", "k", "customers", "entered", "continued", "median_prev", "median_first"]
    return pd.DataFrame(records, columns=columns), totals


def time_at(rows: ibis.Table, k: int) -> ibis.Value:
    """When the attempt did step k (0-based): its entry time if it entered there."""
    if k == 0:
        return rows.t0
    return ibis.ifelse(rows.entry == k + 1, rows.t0, rows[f"t{k}"])


def shape(summary, plan: Plan, kind: str, with_breakdown: bool) -> pd.DataFrame:
    frame, totals = summary
    n = plan.n
    labels = [f"{k}/{n}" for k in range(1, n + 1)] if kind == "any" else plan.steps
    values = sorted(totals, key=lambda v: (-totals[v], str(v))) or [NONE_LABEL]
    lookup = {(r.bd, int(r.k)): r for r in frame.itertuples()}

    def count(value, k, name="customers") -> int:
        row = lookup.get((value, k))
        return int(getattr(row, name)) if row is not None and not pd.isna(getattr(row, name)) else 0

    out = []
    for value in values:
        total = totals.get(value, 0)
        for k in range(1, n + 1):
            row = lookup.get((value, k))
            customers = count(value, k)
            p = previous_required(plan, k - 1)
            at_previous = count(value, p + 1) if p is not None else None
            continued = count(value, k, "continued") if p is not None else customers
            record = {
                "breakdown": value,
                "step_index": k,
                "step": labels[k - 1],
                "optional": (k - 1) in plan.optional,
                "customers": customers,
                "entered": count(value, k, "entered"),
                "conversion": customers / total if total else 0.0,
                "conversion_ci": wilson_or_none(customers, total),
                "conversion_from_previous": (
                    1.0 if p is None else (continued / at_previous if at_previous else 0.0)
                ),
                "conversion_from_previous_ci": (
                    None if p is None else wilson_or_none(continued, at_previous)
                ),
                "median_seconds_from_previous": _seconds(row, "median_prev"),
                "median_seconds_from_first": _seconds(row, "median_first"),
            }
            if with_breakdown:
                rest_k = sum(count(v, k) for v in values if v != value)
                rest_n = sum(totals[v] for v in values if v != value)
                ci = None
                if total and rest_n and k > 1:
                    ci = list(diff_interval(customers, total, rest_k, rest_n))
                record["difference_vs_rest_ci"] = ci
                record["significant"] = bool(ci is not None and (ci[0] > 0 or ci[1] < 0))
            out.append(record)
    result = pd.DataFrame(out)
    if with_breakdown:
        return result
    return result.drop(columns="breakdown")


def _seconds(row, name: str) -> float | None:
    if row is None:
        return None
    value = getattr(row, name)
    return None if pd.isna(value) else float(value) / 1e6
