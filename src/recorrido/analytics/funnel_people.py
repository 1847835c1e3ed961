"""Funnel drill-down: the customers at a step or who dropped after it, and what they did next.

Both read the funnel's own best attempts (:mod:`recorrido.analytics.funnels`), so a list has
exactly the customers the funnel counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import pandas as pd

from recorrido.analytics.funnel_figures import covers, time_at
from recorrido.analytics.funnels import _attempts, best_attempts
from recorrido.analytics.intervals import wilson_or_none
from recorrido.analytics.sequence import stream
from recorrido.analytics.steps import END, Steps, steps_of
from recorrido.errors import RecorridoError

#: Joins a path's steps inside the engine; a control character no event name uses.
_SEP = "\x1f"


def funnel_customers(source, steps: Sequence[str], *, step: int, dropped: bool = False, **options):
    """The customers at funnel step ``step`` (1-based) — or, with ``dropped``, those whose best
    attempt reached it and went no further (the drop-offs after it) — for a campaign list.

    ``options`` are :func:`funnel`'s (not ``count``: a list is of people). Columns:
    ``customer_id``, ``entry_step``, ``reached_step``, ``entered_at`` and ``step_at``
    (UTC timestamps), sorted by ``customer_id``.
    """
    _, people = people_at(source, steps, step, dropped, options)
    frame = people.order_by("customer_id").execute()
    frame["entered_at"] = pd.to_datetime(frame["entered_us"], unit="us", utc=True)
    frame["step_at"] = pd.to_datetime(frame["step_us"], unit="us", utc=True)
    frame = frame.rename(columns={"entry": "entry_step", "reached": "reached_step"})
    columns = ["customer_id", "entry_step", "reached_step", "entered_at", "step_at"]
    return frame[columns].reset_index(drop=True)


def dropoff_paths(
    source,
    steps: Sequence[str],
    *,
    after_step: int,
    depth: int = 3,
    top: int = 20,
    dropped: pd.DataFrame | None = None,
    steps_table: Steps | None = None,
    **options,
) -> pd.DataFrame:
    """What the customers who dropped after step ``after_step`` did next: the first ``depth``
    steps (repeats collapsed) strictly after their step ``after_step``, counted as paths.

    A path ends with ``(end)`` when the customer's journey (within the dates) stops sooner; a
    customer who did nothing afterwards has the path ``(end)``. Columns: ``path`` (steps
    joined by `` → ``), ``steps``, ``customers``, ``share`` (of the drop-offs) and ``share_ci``
    (95 % Wilson). The top ``top`` by customers, ties by path.

    Two things a caller may already hold, each sparing work and changing nothing in the answer:
    ``dropped``, the drop-offs as :func:`funnel_customers` listed them for the same question
    (``dropped=True``), so the funnel's attempts are not worked out again; and ``steps_table``,
    ``source``'s step table at the same level with repeats collapsed and no dates
    (:func:`recorrido.analytics.paths.shared_steps`), so the events are not ordered again. A
    step table made otherwise, or dates in ``options``, and it is not used.
    """
    level = options.get("level", "event")
    if dropped is None:
        _, people = people_at(source, steps, after_step, True, options)
        # Worked out once and held: the counts below read it three times.
        cut_rows = people.select("customer_id", cut_us=people.step_us).to_pyarrow()
        cut_frame = cut_rows.to_pandas()
    else:
        cut_frame = pd.DataFrame(
            {
                "customer_id": dropped["customer_id"].astype(str),
                "cut_us": _micros(dropped["step_at"]),
            }
        )
    total = len(cut_frame)
    if not total:
        return pd.DataFrame(
            {"path": [], "steps": [], "customers": [], "share": [], "share_ci": []}
        ).astype({"customers": "int64"})
    cut = ibis.memtable(cut_frame, schema={"customer_id": "string", "cut_us": "int64"})
    usable = (
        steps_table is not None
        and steps_table.collapse_repeats
        and steps_table.level == level
        and options.get("start") is None
        and options.get("end") is None
    )
    table = _steps_after_kept(steps_table, cut) if usable else _steps_after(source, cut, options)
    table = table.filter(table.step <= depth)
    ended = (table.next_item == END) & (table.step < depth)
    table = table.mutate(pair=ibis.struct({"seq": table.step, "item": table.item, "end": ended}))
    per = table.group_by("customer_id").aggregate(pairs=table.pair.collect())
    per = per.select(
        "customer_id",
        path=per.pairs.sort()
        .map(lambda p: ibis.ifelse(p.end, p.item + _SEP + END, p.item))
        .join(_SEP),
    )
    counted = per.group_by("path").aggregate(customers=per.count()).execute()
    none_after = total - int(counted["customers"].sum())
    if none_after:
        counted = pd.concat(
            [counted, pd.DataFrame({"path": [END], "customers": [none_after]})], ignore_index=True
        )
    counted = counted.sort_values(["customers", "path"], ascending=[False, True]).head(top)
    counted["steps"] = counted["path"].str.split(_SEP)
    counted["path"] = counted["steps"].map(" → ".join)
    counted["share"] = counted["customers"] / total
    counted["share_ci"] = [wilson_or_none(k, total) for k in counted["customers"]]
    return (
        counted[["path", "steps", "customers", "share", "share_ci"]]
        .astype({"customers": "int64"})
        .reset_index(drop=True)
    )


def _steps_after(source, cut: ibis.Table, options: dict) -> ibis.Table:
    """The drop-offs' steps after their cut, from their events: the stream cut, then collapsed."""
    s = stream(
        source, options.get("level", "event"), start=options.get("start"), end=options.get("end")
    )
    after = s.table.join(cut, "customer_id")
    after = after.filter(after.us > after.cut_us).drop("cut_us")
    return steps_of(type(s)(after, s.level), collapse_repeats=True).table


def _steps_after_kept(steps_table: Steps, cut: ibis.Table) -> ibis.Table:
    """The same steps read from a kept step table (repeats collapsed): the events after a cut
    are a tail of the customer's stream, so its collapsed steps are the kept runs whose last
    event comes after the cut (the first of them perhaps begun before it: its tail is the same
    item), numbered again from 1."""
    runs = steps_table.table
    after = runs.join(cut, "customer_id")
    after = after.filter(after.until_us > after.cut_us)
    first = after.step.min().over(ibis.window(group_by=after.customer_id))
    return after.mutate(step=after.step - first + 1).select(
        "customer_id", "step", "item", "next_item"
    )


def _micros(moments: pd.Series) -> pd.Series:
    """UTC timestamps as microseconds since the epoch (the funnel's own unit)."""
    return pd.to_datetime(moments, utc=True).astype("datetime64[us, UTC]").astype("int64")


def people_at(source, steps, step: int, dropped: bool, options: dict):
    if options.get("count", "customers") != "customers":
        raise RecorridoError("analytics_funnel_people_attempts")
    _, plan, attempts = _attempts(source, steps, **options)
    if not 1 <= step <= plan.n:
        raise RecorridoError("analytics_funnel_bad_step", step=step, n=plan.n)
    if dropped and (step == plan.n or (step - 1) in plan.optional):
        raise RecorridoError("analytics_funnel_no_dropoff", step=step)
    best = best_attempts(attempts)
    k = step - 1
    at = covers(best, plan, k)
    if dropped:
        at = at & (best.reached == step)
    chosen = best.filter(at)
    step_us = time_at(chosen, k)
    return plan, chosen.select(
        "customer_id", "entry", "reached", entered_us=chosen.t0, step_us=step_us
    )
