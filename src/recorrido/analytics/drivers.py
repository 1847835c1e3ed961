"""Drop-off drivers: what the customers who pass a funnel step do that those who fail it do not.

The groups are the funnel's own (:func:`recorrido.analytics.funnels.funnel`, same options, same
best attempt per customer): among the customers counted at step ``K`` (whose best attempt reached
it), **passed** are those whose best attempt went on to the next required step and **failed**
those who dropped after step ``K``. Without ``mid_entry``, passed + failed is the funnel's
``customers`` at step ``K`` and passed its ``customers`` at step ``K+1``.

**Features.** A customer *has* an event feature when at least one of their events **in the
scope** (below) has that value at the funnel's ``level`` (an event name by default; a touchpoint
or stage with a map). The funnel's own steps and exclusions are never features: they are trivially
associated with passing (a step defines it; an exclusion ends the attempt). A customer has a
property feature ``key=value`` (``properties``: a column of the events table or a ``properties``
key) when an event in the scope, or the event at which they reached step ``K``, carries it.

**Scope** (the time each customer is observed; ``t0`` is the attempt's entry, ``tK`` its step
``K``, ``W`` the window). ``'attempt'`` (the default, as PostHog's correlation analysis): from
``t0`` up to the attempt's end — for passed, strictly before their next step; for failed, up to
the end of the window (``t0 + W``, or the step window after ``tK`` when sooner) and strictly
before an exclusion that cut the attempt. ``'before'``: from ``t0`` to ``tK`` (both included):
what happened on the way to step ``K``, the same span for both groups. ``'after'``: the attempt
strictly after ``tK``. Events outside the date range do not exist. The failed are observed for as
long as the window lasts while the passed stop at their next step, so ``'attempt'`` and
``'after'`` lean events that merely happen with time (browsing) towards failure; ``'before'`` is
free of that lean but cannot see what happened after step ``K``.

**Figures** per feature: ``customers`` with it, ``passed`` and ``failed`` among them;
``success_rate_with`` / ``success_rate_without`` (share that passed, with or without the feature)
with 95 % Wilson intervals; ``odds_ratio`` — the odds of passing with the feature over the odds
without it, with ``prior`` added to each of the four cells of the 2×2 table (0.5:
Haldane–Anscombe), so a cell of zero gives a finite ratio — with Woolf's 95 % interval on the log
scale from the same smoothed cells (``odds_ratio_ci``) and the same interval at the Bonferroni
level for every feature tested (``odds_ratio_ci_adjusted``). ``significant`` when the adjusted
interval excludes 1. Below 1 a feature goes with failing, above 1 with passing.

A feature is tested only when at least ``min_support`` customers have it and at least as many
do not (one that nearly everyone has leaves nobody to compare with); ``attrs['dropped']`` says
how many were left out, ``attrs['dropped_by_key']`` per level or property key. Rows are sorted
by how far the adjusted interval lies from 1 on the log scale (``max(log low, -log high)``,
positive only for significant features), then by ``|log odds_ratio|``. These are associations,
not causes (``docs/dropoff-drivers.md``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import ibis
import pandas as pd

from recorrido.analytics.funnel_attempts import NO_TIME, _next_required
from recorrido.analytics.funnel_figures import covers
from recorrido.analytics.funnels import _attempts, best_attempts
from recorrido.analytics.intervals import Z95, wilson_or_none, z_for
from recorrido.analytics.sequence import property_value, unknown_property
from recorrido.errors import RecorridoError

SCOPES = ("attempt", "before", "after")
COLUMNS = [
    "kind",
    "feature",
    "key",
    "value",
    "customers",
    "passed",
    "failed",
    "customers_without",
    "success_rate_with",
    "success_rate_with_ci",
    "success_rate_without",
    "success_rate_without_ci",
    "odds_ratio",
    "odds_ratio_ci",
    "odds_ratio_ci_adjusted",
    "significant",
]
_ALL = "_all"


def dropoff_drivers(
    source,
    steps: Sequence[str],
    *,
    step: int,
    top: int | None = 20,
    min_support: int = 30,
    prior: float = 0.5,
    properties: Sequence[str] = (),
    scope: str = "attempt",
    alpha: float = 0.05,
    **funnel_options,
) -> pd.DataFrame:
    """The events and property values most associated with passing or failing funnel step
    ``step`` (1-based; not the last step, nor an optional one). See the module docstring.

    ``funnel_options`` are :func:`~recorrido.analytics.funnels.funnel`'s (``window``, ``kind``,
    ``exclusions``, ``level``, ``start``, ``end``, ...; not ``count='attempts'``). Returns the
    top ``top`` features (all with ``None``), columns ``kind`` (``event`` | ``property``),
    ``feature`` (the value, or ``key=value``), ``key``, ``value``, ``customers``, ``passed``,
    ``failed``, ``customers_without``, ``success_rate_with`` and ``success_rate_without`` (each
    with ``_ci``), ``odds_ratio``, ``odds_ratio_ci``, ``odds_ratio_ci_adjusted`` and
    ``significant``. ``attrs`` holds ``step``, ``step_name``, ``next_step``,
    ``next_step_name``, ``level``, ``scope``, ``customers``, ``passed``, ``failed``,
    ``tested``, ``dropped``, ``dropped_by_key``, ``min_support``, ``prior`` and ``z_adjusted``.
    """
    if scope not in SCOPES:
        raise RecorridoError("drivers_bad_scope", scope=scope, scopes=", ".join(SCOPES))
    if not (isinstance(prior, int | float) and math.isfinite(prior) and prior > 0):
        raise RecorridoError("drivers_bad_prior", prior=prior)
    if int(min_support) < 1:
        raise RecorridoError("drivers_bad_min_support", value=min_support)
    properties = list(dict.fromkeys(str(p) for p in properties))
    s, plan, groups, nxt = _groups(source, steps, step, funnel_options)
    level = s.level

    events = s.table
    values = {f"_p{i}": property_value(events, key) for i, key in enumerate(properties)}
    events = events.select("customer_id", "item", "us", **values)
    j = events.join(groups, "customer_id")
    lower = j.us > j.step_us if scope == "after" else j.us >= j.t0
    if scope == "before":
        upper = j.us <= j.step_us
    else:
        failed_end = (j.us <= j.limit_us) & (j.cut_us.isnull() | (j.us < j.cut_us))
        upper = ibis.ifelse(j.passed == 1, j.us < j.next_us, failed_end)
    in_scope = lower & upper
    own = [*plan.steps, *plan.exclusions]
    parts = [
        j.filter(in_scope, ~j.item.isin(own)).select(
            "customer_id",
            "passed",
            kind=ibis.literal("event"),
            key=ibis.literal(level),
            value=j.item,
        )
    ]
    at_step = j.item.isin(plan.steps) & (j.us == j.step_us)
    for i, key in enumerate(properties):
        rows = j.filter(in_scope | at_step, j[f"_p{i}"].notnull())
        parts.append(
            rows.select(
                "customer_id",
                "passed",
                kind=ibis.literal("property"),
                key=ibis.literal(key),
                value=rows[f"_p{i}"],
            )
        )
    parts.append(
        groups.select(
            "customer_id",
            "passed",
            kind=ibis.literal(_ALL),
            key=ibis.literal(_ALL),
            value=ibis.literal(_ALL),
        )
    )
    had = ibis.union(*parts).distinct()
    per = had.group_by(["kind", "key", "value"]).aggregate(
        customers=had.count(), passed=had.passed.sum()
    )
    by_key = ibis.window(group_by=[per.kind, per.key])
    ranked = ibis.window(
        group_by=[per.kind, per.key], order_by=[ibis.desc(per.customers), per.value]
    )
    per = per.mutate(
        low=(per.customers < min_support).cast("int64").sum().over(by_key),
        first_of_key=ibis.row_number().over(ranked),
    )
    # The tested features, and one row per key so that every key's drop count comes back.
    frame = per.filter((per.customers >= min_support) | (per["first_of_key"] == 0)).execute()
    settings = {"min_support": int(min_support), "prior": float(prior), "alpha": alpha}
    context = {"plan": plan, "step": step, "nxt": nxt, "scope": scope, "level": level}
    return _table(frame, s.table, properties, top, **context, **settings)


def _groups(source, steps, step: int, options: dict):
    """The customers at funnel step ``step`` with ``passed`` and the bounds of their scope."""
    if options.get("count", "customers") != "customers":
        raise RecorridoError("analytics_funnel_people_attempts")
    n = len(steps)
    if n >= 2:  # refused before any work; _attempts checks the rest of the funnel
        if not 1 <= step <= n:
            raise RecorridoError("analytics_funnel_bad_step", step=step, n=n)
        if step == n or any(int(i) == step for i in options.get("optional", ())):
            raise RecorridoError("analytics_funnel_no_dropoff", step=step)
    s, plan, attempts = _attempts(source, steps, **options)
    k = step - 1
    nxt = _next_required(plan, k)
    best = best_attempts(attempts)
    at = best.filter(covers(best, plan, k))
    step_us = at.t0 if k == 0 else ibis.ifelse(at.entry == step, at.t0, at[f"t{k}"])
    limit = at.t0 + plan.width
    if plan.step_widths[nxt] is not None:
        limit = ibis.least(limit, step_us + plan.step_widths[nxt])
    groups = at.select(
        "customer_id",
        "t0",
        passed=(at.reached > step).cast("int64"),
        step_us=step_us,
        next_us=at[f"t{nxt}"],
        limit_us=limit,
    )
    if plan.cuts:
        # Where an exclusion cut a failed attempt: the first one strictly after its entry. (Under
        # the default ``drop`` rule no exclusion sits inside a counted attempt's window.)
        t = s.table
        hits = t.filter(t.item.isin(plan.exclusions)).select("customer_id", x_us=t.us)
        hits = hits.join(groups.select("customer_id", "t0"), "customer_id")
        hits = hits.filter(hits.x_us > hits.t0)
        cuts = hits.group_by("customer_id").aggregate(cut_us=hits.x_us.min())
        groups = groups.left_join(cuts, "customer_id").select(groups, cuts.cut_us)
    else:
        groups = groups.mutate(cut_us=NO_TIME)
    return s, plan, groups, nxt


def _table(frame, table, properties, top, *, plan, step, nxt, scope, level, **settings):
    """The small feature table: 2×2 counts to odds ratios, intervals and the order."""
    min_support, prior, alpha = settings["min_support"], settings["prior"], settings["alpha"]
    whole = frame[frame["kind"] == _ALL]
    n_all = int(whole["customers"].iloc[0]) if len(whole) else 0
    p_all = int(whole["passed"].iloc[0]) if len(whole) else 0
    f_all = n_all - p_all
    frame = frame[frame["kind"] != _ALL]
    dropped_by_key = {
        str(r.key): int(r.low) for r in frame.drop_duplicates(["kind", "key"]).itertuples()
    }
    if n_all:
        seen = set(frame.loc[frame["kind"] == "property", "key"])
        for key in properties:
            if key not in seen:
                unknown_property(table, key)
    # Both sides need support: a feature (nearly) everyone has leaves nobody to compare with.
    kept = frame[frame["customers"] >= min_support]
    common = kept["customers"] > n_all - min_support
    for r in kept[common].itertuples():
        dropped_by_key[str(r.key)] += 1
    kept = kept[~common]
    tested = len(kept)
    z_adj = z_for(alpha, tested)
    rows = []
    for r in kept.itertuples(index=False):
        n_w, a = int(r.customers), int(r.passed)
        b = n_w - a
        c, d = p_all - a, f_all - b
        n_o = n_all - n_w
        log_or = math.log((a + prior) * (d + prior) / ((b + prior) * (c + prior)))
        se = math.sqrt(sum(1 / (x + prior) for x in (a, b, c, d)))
        low_a, high_a = log_or - z_adj * se, log_or + z_adj * se
        rows.append(
            {
                "kind": r.kind,
                "feature": str(r.value) if r.kind == "event" else f"{r.key}={r.value}",
                "key": str(r.key),
                "value": str(r.value),
                "customers": n_w,
                "passed": a,
                "failed": b,
                "customers_without": n_o,
                "success_rate_with": a / n_w,
                "success_rate_with_ci": wilson_or_none(a, n_w),
                "success_rate_without": c / n_o if n_o else None,
                "success_rate_without_ci": wilson_or_none(c, n_o),
                "odds_ratio": math.exp(log_or),
                "odds_ratio_ci": [math.exp(log_or - Z95 * se), math.exp(log_or + Z95 * se)],
                "odds_ratio_ci_adjusted": [math.exp(low_a), math.exp(high_a)],
                "significant": bool(low_a > 0 or high_a < 0),
                "_order": (-max(low_a, -high_a), -abs(log_or), r.kind, str(r.value)),
            }
        )
    rows.sort(key=lambda row: row.pop("_order"))
    result = pd.DataFrame(rows[:top] if top is not None else rows, columns=COLUMNS)
    counts = ("customers", "passed", "failed", "customers_without")
    result = result.astype(dict.fromkeys(counts, "int64"))
    result.attrs.update(
        {
            "step": step,
            "step_name": plan.steps[step - 1],
            "next_step": nxt + 1,
            "next_step_name": plan.steps[nxt],
            "level": level,
            "scope": scope,
            "customers": n_all,
            "passed": p_all,
            "failed": f_all,
            "tested": tested,
            "dropped": sum(dropped_by_key.values()),
            "dropped_by_key": dropped_by_key,
            "min_support": min_support,
            "prior": prior,
            "z_adjusted": z_adj,
        }
    )
    return result
