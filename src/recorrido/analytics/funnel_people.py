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
from recorrido.analytics.steps import END, steps_of
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
    source, steps: Sequence[str], *, after_step: int, depth: int = 3, top: int = 20, **options
) -> pd.DataFrame:
    """What the customers who dropped after step ``after_step`` did next: the first ``depth``
    steps (repeats collapsed) strictly after their step ``after_step``, counted as paths.

    A path ends with ``(end)`` when the customer's journey (within the dates) stops sooner; a
    customer who did nothing afterwards has the path ``(end)``. Columns: ``path`` (steps
    joined by `` → ``), ``steps``, ``customers``, ``share`` (of the drop-offs) and ``share_ci``
    (95 % Wilson). The top ``top`` by customers, ties by path.
    """
    _, people = people_at(source, steps, after_step, True, options)
    s = stream(
        source, options.get("level", "event"), start=options.get("start"), end=options.get("end")
    )
    cut = people.select("customer_id", cut_us=people.step_us)
    after = s.table.join(cut, "customer_id")
    after = after.filter(after.us > after.cut_us).drop("cut_us")
    table = steps_of(type(s)(after, s.level), collapse_repeats=True).table
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
    total = int(people.count().execute())
    nothing = people.anti_join(per, "customer_id").count()
    counted = per.group_by("path").aggregate(customers=per.count()).execute()
    none_after = int(nothing.execute())
    if none_after:
        counted = pd.concat(
            [counted, pd.DataFrame({"path": [END], "customers": [none_after]})], ignore_index=True
        )
    counted = counted.sort_values(["customers", "path"], ascending=[False, True]).head(top)
    counted["steps"] = counted["path"].str.split(_SEP)
    counted["path"] = counted["steps"].map(" → ".join)
    counted["share"] = counted["customers"] / total if total else 0.0
    counted["share_ci"] = [wilson_or_none(k, total) for k in counted["customers"]]
    return (
        counted[["path", "steps", "customers", "share", "share_ci"]]
        .astype({"customers": "int64"})
        .reset_index(drop=True)
    )


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
