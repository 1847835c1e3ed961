"""Funnels: how many customers get from step 1 through step k, and how long it takes.

Semantics (also in ``docs/funnel-semantics.md``). A customer's events are ordered by
``(timestamp, source order, event_id)`` (``docs/event-order.md``); times are whole
microseconds. ``W`` is the conversion window.

- **ordered** (default, PostHog's): a customer reaches step k when some occurrence of step 1, at
  ``t0``, is followed by steps 2..k in order, each at a timestamp *strictly later* than the
  previous step's, the k-th at most ``W`` after ``t0``. Other events may sit in between. Every
  occurrence of step 1 is tried, so a customer who returns months later and converts within the
  window counts. Events that share a timestamp never follow one another (their true order is
  unknown).
- **strict**: the steps are *consecutive steps* of the customer's step table
  (:mod:`recorrido.analytics.steps`): step k+1 is the very next step after step k in the one
  order (events tied in time follow each other in source order), the k-th at most ``W`` after
  ``t0``. With ``collapse_repeats`` a run of the same value is one step, as in the Sankey, and a
  strict funnel counted from each customer's first step 1 (``first_only``) equals the customers
  who follow its bands in the Sankey anchored at step 1 (``docs/views-reconcile.md``).
- **any**: row k counts customers who did at least k *different* steps, in any order, all within
  ``W`` from the earliest of them (the window includes its end and events tied with its start).

An **attempt** is one occurrence of step 1 (for ``any``, one occurrence of any step) with the
earliest possible next steps. **Exclusions** (``exclusion_rule='drop'``, PostHog's, the default):
an attempt with an exclusion event between its steps (from its entry to its last step, or to the
end of its window when it does not finish; both ends included, so a tied exclusion is inside) is
dropped whole. ``exclusion_rule='cut'`` (the earlier rule): when an exclusion event happens
strictly after the attempt's start, the attempt only counts the steps it reached strictly before
it (an exclusion tied with a step's timestamp cuts that step off). A strict funnel refuses
exclusions: no other event can sit between its steps.

Each customer counts once, with their **best attempt**: the one that reaches the furthest step,
then the earliest (entry step, time, then the one order). With ``count='attempts'`` every attempt
counts instead, and an attempt ends where the customer starts step 1 again (PostHog #4972).

Extensions: ``step_windows`` (a window per step, from the previous required step),
``optional`` steps (done when they happen between the previous and the next required step; the
later steps count without them), ``mid_entry`` (an attempt may start at any step: customers who
join mid-funnel count from there, PostHog #17313), ``first_only`` (only each customer's first
occurrence of step 1 ever, over their whole history whatever the date range, starts an
attempt). :mod:`recorrido.analytics.funnel_people` lists the customers at a step or who dropped
after it, and what they did next;
:mod:`recorrido.analytics.funnel_attempts` builds the attempts and
:mod:`recorrido.analytics.funnel_figures` turns them into the figures.

Times to convert are those of the counted attempt: ``median_seconds_from_previous`` (from the
previous required step to step k) and ``median_seconds_from_first`` (from the entry to step k),
exact medians over the customers who reached step k. A **breakdown** groups customers by the
value of a column or ``properties`` key on their best attempt's first event (NULL shows as
``(none)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import ibis
import pandas as pd

from recorrido.analytics.funnel_attempts import (
    EXCLUSION_RULES,
    FIRST_EVER,
    Plan,
    any_order_attempts,
    ordered_attempts,
    strict_attempts,
)
from recorrido.analytics.funnel_figures import NONE_LABEL, shape, summarise
from recorrido.analytics.sequence import (
    engine_of,
    order_keys,
    property_value,
    stream,
    unknown_property,
)
from recorrido.analytics.windows import parse_duration
from recorrido.errors import RecorridoError
from recorrido.events.schema import SOURCE_ORDER

KINDS = ("ordered", "strict", "any")
COUNTS = ("customers", "attempts")


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
    step_windows: Sequence[str | None] | None = None,
    optional: Sequence[int] = (),
    mid_entry: bool = False,
    count: str = "customers",
    first_only: bool = False,
    collapse_repeats: bool = False,
    exclusion_rule: str = "drop",
) -> pd.DataFrame:
    """Customers (or attempts) per funnel step (see the module docstring for the semantics).

    ``steps`` are values at ``level`` (event names by default). ``window`` is a duration such as
    ``'7d'``; ``step_windows`` one per step (the first is ignored, ``None`` for no limit);
    ``optional`` the 1-based indexes of optional steps (neither the first nor the last).
    Returns one row per step (per breakdown value and step with ``breakdown``): ``step_index``
    (1-based), ``step``, ``optional``, ``customers`` (attempts with ``count='attempts'``),
    ``entered`` (who entered the funnel at this step: all of step 1 unless ``mid_entry``),
    ``conversion`` (of everyone who entered) and ``conversion_from_previous`` (of those at the
    previous required step, who went on to this one), each with its 95 % Wilson interval
    (``..._ci``), ``median_seconds_from_previous`` and ``median_seconds_from_first``. With
    ``breakdown`` a first column ``breakdown``, plus ``difference_vs_rest_ci`` (Newcombe's
    interval of this value's conversion minus everyone else's) and ``significant`` (it excludes
    0). Unknown step names, properties, windows or dates raise :class:`RecorridoError`.
    """
    s, plan, attempts = _attempts(
        source,
        steps,
        window=window,
        kind=kind,
        exclusions=exclusions,
        breakdown=breakdown,
        level=level,
        start=start,
        end=end,
        step_windows=step_windows,
        optional=optional,
        mid_entry=mid_entry,
        count=count,
        first_only=first_only,
        collapse_repeats=collapse_repeats,
        exclusion_rule=exclusion_rule,
        defer_check=True,
    )
    rows = attempts if count == "attempts" else best_attempts(attempts)
    summary = summarise(rows, plan)
    if not summary[1]:
        stream(source, level, start=start, end=end)  # raises why nothing was there to count
    reached = {int(k) for k in summary[0]["k"]}
    if kind != "strict" and not set(range(1, plan.n + 1)) <= reached:
        s.check_names(plan.steps)  # a step nobody reached may be a name no event has
    if breakdown and summary[0]["bd"].eq(NONE_LABEL).all():
        unknown_property(s.table, breakdown)
    return shape(summary, plan, kind, breakdown is not None)


def _attempts(
    source,
    steps,
    *,
    window: str = "14d",
    kind: str = "ordered",
    exclusions: Sequence[str] = (),
    breakdown: str | None = None,
    level: str = "event",
    start=None,
    end=None,
    step_windows=None,
    optional: Sequence[int] = (),
    mid_entry: bool = False,
    count: str = "customers",
    first_only: bool = False,
    collapse_repeats: bool = False,
    exclusion_rule: str = "drop",
    defer_check: bool = False,
):
    plan = _plan(
        steps, window, kind, exclusions, step_windows, optional, mid_entry, count, first_only
    )
    if exclusion_rule not in EXCLUSION_RULES:
        raise RecorridoError(
            "analytics_bad_exclusion_rule", rule=exclusion_rule, rules=", ".join(EXCLUSION_RULES)
        )
    plan = replace(plan, exclusion_rule=exclusion_rule)
    if collapse_repeats and kind != "strict":
        raise RecorridoError("analytics_funnel_collapse_strict")
    # Whether the events are empty at all is asked only when nothing was counted (by the caller
    # that deferred it): a query less on every funnel.
    deferred = defer_check and kind != "strict" and not plan.exclusions
    s = stream(source, level, start=start, end=end, check=not deferred)
    t = s.table
    t = t.mutate(bd=_breakdown_value(t, breakdown) if breakdown else ibis.literal(NONE_LABEL))
    if first_only and (start is not None or end is not None):
        t = _mark_first_ever(t, source, level, plan.steps)
    names = [*plan.steps, *plan.exclusions]
    if kind == "strict":  # consecutive steps: every event at the level matters
        s.check_names(names)
        return s, plan, strict_attempts(type(s)(t, s.level), plan, collapse_repeats)
    # DuckDB's ordered funnel looks each step's events up by name anyway (one ASOF join per
    # step): narrowing to the funnel's names first only added a pass over the events per lookup.
    every_row = kind == "ordered" and engine_of(t) == "duckdb"
    relevant = _relevant(t, names, by_name=not every_row)
    # A step no event has shows as a step nobody reached; :func:`funnel` then checks the names
    # (only then: it is a scan of every event). An exclusion nobody did changes nothing, so a
    # misspelt one would go unnoticed: those are checked first.
    if plan.exclusions or not defer_check:
        wanted = names if not defer_check else plan.exclusions
        found = relevant.filter(relevant.item.isin(wanted)).select("item").distinct().execute()
        if not set(wanted) <= set(found["item"].tolist()):
            s.check_names(wanted)  # raises naming the first missing, with a suggestion
    if kind == "any":
        return s, plan, any_order_attempts(relevant, plan)
    return s, plan, ordered_attempts(relevant, plan)


def _mark_first_ever(t: ibis.Table, source, level: str, steps: list[str]) -> ibis.Table:
    """``t`` with :data:`FIRST_EVER`: whether the event is the customer's first occurrence of its
    step over their whole history. PostHog's "first time for user" means the first ever, so a
    date range only chooses which first times are counted, never makes a later one the first."""
    whole = stream(source, level, check=False).table
    whole = whole.filter(whole.item.isin(steps))
    order = ibis.window(group_by=[whole.customer_id, whole.item], order_by=order_keys(whole))
    rank = ibis.row_number().over(order)
    firsts = whole.mutate(_r=rank).filter(lambda w: w._r == 0)
    firsts = firsts.select(_fc=firsts.customer_id, _fe=firsts.event_id, _fi=firsts.item)
    joined = t.left_join(
        firsts, [t.customer_id == firsts._fc, t.event_id == firsts._fe, t.item == firsts._fi]
    )
    return joined.select(*[joined[c] for c in t.columns], **{FIRST_EVER: joined._fe.notnull()})


def _relevant(t: ibis.Table, names: list[str], *, by_name: bool = True) -> ibis.Table:
    """The events of the funnel's steps and exclusions (every event without ``by_name``) with
    the columns it reads. (Kept in a temporary table it measured no faster on DuckDB, which
    shares the repeated subquery itself, and a temporary table would outlive a workspace closed
    before Python frees it.)"""
    wanted = ("customer_id", "event_id", "item", "us", "bd", FIRST_EVER)
    keep = [c for c in wanted if c in t.columns]
    keep += [c for c in t.columns if c == SOURCE_ORDER]
    rows = t.filter(t.item.isin(names)) if by_name else t
    return rows.select(*keep)


def _plan(steps, window, kind, exclusions, step_windows, optional, mid_entry, count, first_only):
    steps = [str(x) for x in steps]
    exclusions = [str(x) for x in exclusions]
    if kind not in KINDS:
        raise RecorridoError("analytics_bad_funnel_kind", kind=kind, kinds=", ".join(KINDS))
    if count not in COUNTS:
        raise RecorridoError("analytics_bad_funnel_count", count=count, counts=", ".join(COUNTS))
    if len(steps) < 2:
        raise RecorridoError("analytics_funnel_too_short")
    if kind == "any" and len(set(steps)) < len(steps):
        raise RecorridoError("analytics_any_order_repeats")
    if kind == "strict" and exclusions:
        raise RecorridoError("analytics_strict_exclusions")
    clash = sorted(set(steps) & set(exclusions))
    if clash:
        raise RecorridoError("analytics_exclusion_is_step", name=clash[0])
    extended = bool(step_windows) or bool(optional) or mid_entry
    if kind == "any" and (extended or first_only):
        raise RecorridoError("analytics_funnel_any_extension")
    if kind == "strict" and (optional or mid_entry):
        raise RecorridoError("analytics_funnel_strict_extension")
    if count == "attempts" and (mid_entry or first_only):
        raise RecorridoError("analytics_funnel_attempts_extension")
    widths: list[int | None] = [None] * len(steps)
    if step_windows is not None:
        given = list(step_windows)
        if len(given) != len(steps):
            raise RecorridoError(
                "analytics_funnel_step_windows", given=len(given), steps=len(steps)
            )
        widths = [None] + [None if w in (None, "") else parse_duration(w) for w in given[1:]]
    chosen = set()
    for index in optional:
        if not 1 < int(index) < len(steps):
            raise RecorridoError("analytics_funnel_bad_optional", step=index, n=len(steps))
        chosen.add(int(index) - 1)
    return Plan(
        steps=steps,
        width=parse_duration(window),
        step_widths=widths,
        optional=frozenset(chosen),
        exclusions=exclusions,
        mid_entry=mid_entry,
        first_only=first_only,
        restart=count == "attempts",
    )


def best_attempts(attempts: ibis.Table) -> ibis.Table:
    """Each customer's best attempt: furthest step, then earliest entry step, time and order."""
    if engine_of(attempts) == "duckdb":
        # One grouped arg_min instead of a window that sorts every attempt (same choice: the
        # key ends in the event id, so it is never tied).
        key = ibis.struct(
            {
                "reached": -attempts.reached,
                "entry": attempts.entry,
                "t0": attempts.t0,
                "place": attempts.place,
                "event_id": attempts.event_id,
            }
        )
        others = [c for c in attempts.columns if c != "customer_id"]
        row = ibis.struct({c: attempts[c] for c in others})
        best = attempts.group_by("customer_id").aggregate(_best=row.argmin(key))
        return best.select("customer_id", **{c: best._best[c] for c in others})
    best_order = ibis.window(
        group_by=attempts.customer_id,
        order_by=[
            ibis.desc(attempts.reached),
            attempts.entry,
            attempts.t0,
            attempts.place,
            attempts.event_id,
        ],
    )
    ranked = attempts.mutate(_rank=ibis.row_number().over(best_order))
    return ranked.filter(ranked._rank == 0).drop("_rank")


def _breakdown_value(t: ibis.Table, key: str) -> ibis.Value:
    return property_value(t, key).fill_null(NONE_LABEL)
