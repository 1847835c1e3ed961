"""Funnels: how many customers get from step 1 through step k, and how long it takes.

Semantics (also in ``docs/funnel-semantics.md``). A customer's events are ordered by
``(timestamp, event_id)``; times are whole microseconds. ``W`` is the conversion window.

- **ordered** (default, PostHog's): a customer reaches step k when some occurrence of step 1, at
  ``t0``, is followed by steps 2..k in order, each at a timestamp *strictly later* than the
  previous step's, the k-th at most ``W`` after ``t0``. Other events may sit in between. Every
  occurrence of step 1 is tried, so a customer who returns months later and converts within the
  window counts. Events that share a timestamp never follow one another (their true order is
  unknown).
- **strict**: as ordered, and the steps are *consecutive* in the customer's stream at the level:
  step k+1 is the very next event after step k (and strictly later in time).
- **any**: row k counts customers who did at least k *different* steps, in any order, all within
  ``W`` from the earliest of them (the window includes its end and events tied with its start).

An **attempt** is one occurrence of step 1 (for ``any``, one occurrence of any step) with the
earliest possible next steps. **Exclusions**: when an exclusion event happens strictly after the
attempt's start, the attempt only counts the steps it reached strictly before that exclusion
(an exclusion tied with a step's timestamp cuts that step off). A strict funnel refuses
exclusions: no other event can sit between its steps.

Each customer counts once, with their **best attempt**: the one that reaches the furthest step,
then the earliest. Times to convert are those of that attempt: ``median_seconds_from_previous``
(from step k-1 to step k) and ``median_seconds_from_first`` (from step 1 to step k), exact
medians over the customers who reached step k. A **breakdown** groups customers by the value of a
column or ``properties`` key on their best attempt's first event (NULL shows as ``(none)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import pandas as pd

from recorrido.analytics.sequence import (
    customer_order,
    median_by,
    property_value,
    stream,
    unknown_property,
)
from recorrido.analytics.windows import parse_duration
from recorrido.errors import RecorridoError

KINDS = ("ordered", "strict", "any")
NONE_LABEL = "(none)"
_NO_TIME = ibis.null("int64")


def funnel(
    source,
    steps: Sequence[str],
    *,
    window: str = "14d",
    kind: str = "ordered",
    exclusions: Sequence[str] = (),
    breakdown: str | None = None,
    level: str = "event",
    start=None,
    end=None,
) -> pd.DataFrame:
    """Customers per funnel step (see the module docstring for the exact semantics).

    ``steps`` are values at ``level`` (event names by default). ``window`` is a duration such as
    ``'7d'``. Returns one row per step (per breakdown value and step with ``breakdown``):
    ``step_index`` (1-based), ``step``, ``customers``, ``conversion`` (of step 1),
    ``conversion_from_previous``, ``median_seconds_from_previous``,
    ``median_seconds_from_first``; with ``breakdown`` a first column ``breakdown``.
    Unknown step names, properties, windows or dates raise :class:`RecorridoError`.
    """
    steps = [str(s) for s in steps]
    exclusions = [str(x) for x in exclusions]
    if kind not in KINDS:
        raise RecorridoError("analytics_bad_funnel_kind", kind=kind, kinds=", ".join(KINDS))
    if len(steps) < 2:
        raise RecorridoError("analytics_funnel_too_short")
    if kind == "any" and len(set(steps)) < len(steps):
        raise RecorridoError("analytics_any_order_repeats")
    if kind == "strict" and exclusions:
        raise RecorridoError("analytics_strict_exclusions")
    clash = sorted(set(steps) & set(exclusions))
    if clash:
        raise RecorridoError("analytics_exclusion_is_step", name=clash[0])
    width = parse_duration(window)

    s = stream(source, level, start=start, end=end)
    s.check_names([*steps, *exclusions])
    t = s.table
    t = t.mutate(bd=_breakdown_value(t, breakdown) if breakdown else ibis.literal(NONE_LABEL))
    if kind == "strict":
        attempts = _strict_attempts(t, steps, width)
    elif kind == "any":
        attempts = _any_order_attempts(t, steps, exclusions, width)
    else:
        attempts = _ordered_attempts(t, steps, exclusions, width)
    frame = _summarise(attempts, len(steps))
    if breakdown and frame["bd"].eq(NONE_LABEL).all():
        unknown_property(s.table, breakdown)
    return _shape(frame, steps, kind, breakdown is not None)


# -- attempts: one row per attempt with its start t0, step times t1.., reached, bd -------------
def _ordered_attempts(t, steps, exclusions, width) -> ibis.Table:
    relevant = t.filter(t.item.isin([*steps, *exclusions]))
    later = customer_order_by_time(relevant, (1, None))
    # The first time of step j strictly after each row's timestamp. Rows sharing a timestamp
    # share the frame, so this is a function of (customer, time) alone.
    nxt = {
        f"n{j}": _first_time(relevant, relevant.item == steps[j]).over(later)
        for j in range(1, len(steps))
    }
    if exclusions:
        nxt["x"] = _first_time(relevant, relevant.item.isin(exclusions)).over(later)
    else:
        nxt["x"] = _NO_TIME
    relevant = relevant.mutate(**nxt)
    anchors = relevant.filter(relevant.item == steps[0]).select(
        "customer_id", "event_id", "bd", "x", t0=relevant.us, t1=relevant.n1
    )
    if len(steps) > 2:
        lookup = relevant.group_by(["customer_id", "us"]).aggregate(
            **{f"n{j}": relevant[f"n{j}"].min() for j in range(2, len(steps))}
        )
        for j in range(2, len(steps)):
            right = lookup.view()
            anchors = anchors.left_join(
                right,
                [anchors.customer_id == right.customer_id, anchors[f"t{j - 1}"] == right.us],
            ).select(*[anchors[c] for c in anchors.columns], **{f"t{j}": right[f"n{j}"]})
    ok = [
        anchors[f"t{j}"].notnull()
        & (anchors[f"t{j}"] - anchors.t0 <= width)
        & (anchors.x.isnull() | (anchors[f"t{j}"] < anchors.x))
        for j in range(1, len(steps))
    ]
    return anchors.mutate(reached=_reached(ok))


def _strict_attempts(t, steps, width) -> ibis.Table:
    w = customer_order(t)
    leads = {}
    for j in range(1, len(steps)):
        leads[f"i{j}"] = t.item.lead(j).over(w)
        leads[f"t{j}"] = t.us.lead(j).over(w)
    t = t.mutate(**leads)
    anchors = t.filter(t.item == steps[0]).mutate(t0=t.us)
    ok = []
    for j in range(1, len(steps)):
        cond = (
            (anchors[f"i{j}"] == steps[j])
            & (anchors[f"t{j}"] > anchors[f"t{j - 1}"])
            & (anchors[f"t{j}"] - anchors.t0 <= width)
        )
        ok.append(cond.fill_null(False))
    return anchors.mutate(reached=_reached(ok))


def _any_order_attempts(t, steps, exclusions, width) -> ibis.Table:
    relevant = t.filter(t.item.isin([*steps, *exclusions]))
    ahead = customer_order_by_time(relevant, (0, width))
    firsts = {
        f"f{j}": _first_time(relevant, relevant.item == step).over(ahead)
        for j, step in enumerate(steps)
    }
    if exclusions:
        later = customer_order_by_time(relevant, (1, None))
        firsts["x"] = _first_time(relevant, relevant.item.isin(exclusions)).over(later)
    else:
        firsts["x"] = _NO_TIME
    anchors = relevant.mutate(**firsts)
    anchors = anchors.filter(anchors.item.isin(steps)).mutate(t0=anchors.us)
    # A step seen only at or after the exclusion does not count for this attempt.
    valid = {
        f"f{j}": ibis.ifelse(
            anchors.x.isnull() | (anchors[f"f{j}"] < anchors.x), anchors[f"f{j}"], _NO_TIME
        )
        for j in range(len(steps))
    }
    anchors = anchors.mutate(**valid)
    f = [anchors[f"f{j}"] for j in range(len(steps))]
    done = [fj.notnull().cast("int64") for fj in f]
    reached = sum(done[1:], done[0])
    # The time the k-th different step was first done: the k-th smallest of the f's.
    times = {}
    for k in range(1, len(steps)):
        candidates = []
        for fj in f:
            at_or_before = sum(
                ((fi <= fj).fill_null(False).cast("int64") for fi in f), ibis.literal(0)
            )
            candidates.append(ibis.ifelse(at_or_before >= k + 1, fj, _NO_TIME))
        times[f"t{k}"] = ibis.least(*candidates)
    return anchors.mutate(reached=reached, **times)


def customer_order_by_time(t: ibis.Table, frame: tuple) -> ibis.expr.builders.LegacyWindowBuilder:
    """A window over the customer's events by time alone, with a RANGE frame in microseconds."""
    return ibis.window(group_by=t.customer_id, order_by=t.us, range=frame)


def _first_time(t: ibis.Table, condition: ibis.Value) -> ibis.Value:
    return ibis.ifelse(condition, t.us, _NO_TIME).min()


def _reached(ok: list[ibis.Value]) -> ibis.Value:
    """1 + the number of steps reached in a row (each condition implies the previous holds)."""
    total = ibis.literal(1, "int64")
    chain = ibis.literal(True)
    for cond in ok:
        chain = chain & cond
        total = total + chain.cast("int64")
    return total


# -- from attempts to figures ------------------------------------------------------------------
def _summarise(attempts: ibis.Table, n: int) -> pd.DataFrame:
    best_order = ibis.window(
        group_by=attempts.customer_id,
        order_by=[ibis.desc(attempts.reached), attempts.t0, attempts.event_id],
    )
    ranked = attempts.mutate(_rank=ibis.row_number().over(best_order))
    best = ranked.filter(ranked._rank == 0)
    per_step = []
    for k in range(1, n + 1):
        reached = best.filter(best.reached >= k)
        if k == 1:
            gaps = {"prev": _NO_TIME, "first": _NO_TIME}
        else:
            t_prev = reached.t0 if k == 2 else reached[f"t{k - 2}"]
            gaps = {
                "prev": reached[f"t{k - 1}"] - t_prev,
                "first": reached[f"t{k - 1}"] - reached.t0,
            }
        per_step.append(
            reached.select("bd", k=ibis.literal(k, "int64"), prev=gaps["prev"], first=gaps["first"])
        )
    rows = ibis.union(*per_step)
    counts = rows.group_by(["bd", "k"]).aggregate(customers=rows.count())
    prev = median_by(rows, ["bd", "k"], "prev", "median_prev")
    first = median_by(rows, ["bd", "k"], "first", "median_first")
    joined = counts.left_join(prev, ["bd", "k"]).select(counts, prev.median_prev)
    joined = joined.left_join(first, ["bd", "k"]).select(joined, first.median_first)
    frame = joined.execute()
    frame["bd"] = frame["bd"].fillna(NONE_LABEL)
    return frame


def _shape(frame: pd.DataFrame, steps: list[str], kind: str, with_breakdown: bool) -> pd.DataFrame:
    n = len(steps)
    labels = [f"{k}/{n}" for k in range(1, n + 1)] if kind == "any" else steps
    values = frame["bd"].drop_duplicates().tolist() if len(frame) else [NONE_LABEL]
    lookup = {(r.bd, int(r.k)): r for r in frame.itertuples()}
    out = []
    for value in values:
        first_count = None
        previous = None
        for k in range(1, n + 1):
            row = lookup.get((value, k))
            customers = int(row.customers) if row is not None else 0
            if k == 1:
                first_count = customers
            record = {
                "breakdown": value,
                "step_index": k,
                "step": labels[k - 1],
                "customers": customers,
                "conversion": customers / first_count if first_count else 0.0,
                "conversion_from_previous": (
                    1.0 if k == 1 else (customers / previous if previous else 0.0)
                ),
                "median_seconds_from_previous": _seconds(row, "median_prev"),
                "median_seconds_from_first": _seconds(row, "median_first"),
            }
            previous = customers
            out.append(record)
    result = pd.DataFrame(out)
    if with_breakdown:
        firsts = result[result.step_index == 1].set_index("breakdown")["customers"]
        order = sorted(firsts.index, key=lambda v: (-firsts[v], str(v)))
        rank = {v: i for i, v in enumerate(order)}
        result = result.sort_values(
            ["breakdown", "step_index"], key=lambda c: c.map(rank) if c.name == "breakdown" else c
        ).reset_index(drop=True)
        return result
    return result.drop(columns="breakdown")


def _seconds(row, name: str) -> float | None:
    if row is None:
        return None
    value = getattr(row, name)
    return None if pd.isna(value) else float(value) / 1e6


def _breakdown_value(t: ibis.Table, key: str) -> ibis.Value:
    return property_value(t, key).fill_null(NONE_LABEL)
