"""Funnel attempts: one row per attempt with its entry, the time of each step and how far it got.

The semantics are in :mod:`recorrido.analytics.funnels` and ``docs/funnel-semantics.md``; this
module only builds them as Ibis expressions. Every builder returns a table with
``customer_id, event_id, place`` (the entry event's place in the one order), ``bd`` (the
breakdown value), ``entry`` (the 1-based step the attempt entered at), ``t0`` (its time),
``t1 .. t{n-1}`` (the time of each later step, NULL when not done; for mid-funnel entries the
steps before the entry are NULL too), ``reached`` (the furthest step reached without a gap in
the required steps) and ``done{j}`` (whether step j+1 counts for this attempt).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from recorrido.analytics.sequence import engine_of, order_keys
from recorrido.analytics.steps import steps_of

NO_TIME = ibis.null("int64")

#: What an exclusion does to an attempt. ``drop`` (the default, PostHog's): an attempt with an
#: exclusion event between its steps (from its entry, inclusive, to its last step, inclusive, or
#: to the end of its window when it does not finish) does not count at all. ``cut`` (recorrido's
#: earlier rule): the attempt counts the steps it reached strictly before the first exclusion.
EXCLUSION_RULES = ("drop", "cut")


@dataclass(frozen=True)
class Plan:
    """A funnel's definition, checked."""

    steps: list[str]
    width: int  # the whole-funnel window W, microseconds
    step_widths: list[int | None]  # per step: at most this long after the previous step
    optional: frozenset[int]  # 0-based indexes of optional steps
    exclusions: list[str]
    mid_entry: bool  # an attempt may start at any step
    first_only: bool  # only the customer's first occurrence of the entry step starts one
    restart: bool  # counting attempts: the next occurrence of step 1 ends an attempt
    exclusion_rule: str = "drop"  # see EXCLUSION_RULES

    @property
    def drops(self) -> bool:
        """Whether an exclusion drops the whole attempt (rather than cutting it)."""
        return bool(self.exclusions) and self.exclusion_rule == "drop"

    @property
    def cuts(self) -> bool:
        return bool(self.exclusions) and self.exclusion_rule == "cut"

    @property
    def n(self) -> int:
        return len(self.steps)


def ordered_attempts(t: ibis.Table, plan: Plan) -> ibis.Table:
    """Attempts of an ordered funnel: each step strictly later in time than the previous one.

    "The first time of step j strictly after time c" is the one question the chain asks. On
    DuckDB it is an ASOF join (a merge of two sorted streams, the engine's fastest answer);
    elsewhere a window over each customer's events by time, looked up by (customer, time).
    Both give the same times: the parity tests run one against the other.
    """
    if engine_of(t) == "duckdb":
        # Each of its lookups keeps one step's (or the exclusions') events anyway: narrowing to
        # the funnel's names first only added a pass over the events per lookup.
        finder = _AsofFinder(t, plan)
    else:
        finder = _WindowFinder(t.filter(t.item.isin([*plan.steps, *plan.exclusions])), plan)
    entries = range(plan.n - 1) if plan.mid_entry else range(1)
    parts = [_ordered_from(finder, plan, e) for e in entries]
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


class _WindowFinder:
    """Next times from windows over the customer's events by time (any engine)."""

    def __init__(self, relevant: ibis.Table, plan: Plan):
        later = by_time(relevant, (1, None))
        # The first time of step j strictly after each row's timestamp. Rows sharing a timestamp
        # share the frame, so this is a function of (customer, time) alone.
        nxt = {
            f"n{j}": first_time(relevant, relevant.item == plan.steps[j]).over(later)
            for j in range(1, plan.n)
        }
        cuts = []
        if plan.cuts:
            cuts.append(first_time(relevant, relevant.item.isin(plan.exclusions)).over(later))
        if plan.restart:  # counting attempts: the next step 1 ends this attempt
            cuts.append(first_time(relevant, relevant.item == plan.steps[0]).over(later))
        # For the drop rule: the first exclusion at or after each row's time (ties included).
        from_here = by_time(relevant, (0, None))
        drop = (
            first_time(relevant, relevant.item.isin(plan.exclusions)).over(from_here)
            if plan.drops
            else NO_TIME
        )
        self.rows = relevant.mutate(**nxt, x=_earliest(cuts), xd=drop)
        self.lookup = self.rows.group_by(["customer_id", "us"]).aggregate(
            **{f"n{j}": self.rows[f"n{j}"].min() for j in range(1, plan.n)}
        )
        self.plan = plan

    def entries(self, e: int) -> ibis.Table:
        hits = self.rows.filter(self.rows.item == self.plan.steps[e])
        hits = _first_only(hits) if self.plan.first_only else hits
        # The entry row's own next times: the first step after it needs no lookup join.
        own = {f"_own_n{k}": hits[f"n{k}"] for k in range(e + 1, self.plan.n)}
        return _entry_columns(hits, e, x=hits.x, xd=hits.xd, **own)

    def add(self, a: ibis.Table, steps: list[int], first: bool) -> ibis.Table:
        if first:
            return a.mutate(**{f"_n{j}": a[f"_own_n{j}"] for j in steps})
        right = self.lookup.view()
        return a.left_join(right, [a.customer_id == right.customer_id, a.cur == right.us]).select(
            *[a[c] for c in a.columns], **{f"_n{j}": right[f"n{j}"] for j in steps}
        )


class _AsofFinder:
    """Next times from ASOF joins on each step's occurrences (DuckDB)."""

    def __init__(self, relevant: ibis.Table, plan: Plan):
        self.relevant = relevant
        self.plan = plan

    def _times(self, condition) -> ibis.Table:
        r = self.relevant.filter(condition)
        return r.select(_c=r.customer_id, _u=r.us)

    def _next(
        self, a: ibis.Table, condition, after: str, name: str, ties: bool = False
    ) -> ibis.Table:
        times = self._times(condition)
        on = a[after] <= times._u if ties else a[after] < times._u
        joined = a.asof_join(times, on=on, predicates=[a.customer_id == times._c])
        return joined.select(*[joined[c] for c in a.columns], **{name: joined._u})

    def entries(self, e: int) -> ibis.Table:
        r = self.relevant
        hits = r.filter(r.item == self.plan.steps[e])
        hits = _first_only(hits) if self.plan.first_only else hits
        a = _entry_columns(hits, e)
        cuts = []
        if self.plan.cuts:
            a = self._next(a, r.item.isin(self.plan.exclusions), "t0", "_x_excl")
            cuts.append(a._x_excl)
        if self.plan.restart:
            a = self._next(a, r.item == self.plan.steps[0], "t0", "_x_again")
            cuts.append(a._x_again)
        if self.plan.drops:
            a = self._next(a, r.item.isin(self.plan.exclusions), "t0", "_x_drop", ties=True)
        a = a.mutate(x=_earliest(cuts), xd=a._x_drop if self.plan.drops else NO_TIME)
        return a.drop(*[c for c in ("_x_excl", "_x_again", "_x_drop") if c in a.columns])

    def add(self, a: ibis.Table, steps: list[int], first: bool) -> ibis.Table:
        for j in steps:
            a = self._next(a, self.relevant.item == self.plan.steps[j], "cur", f"_n{j}")
        return a


def _earliest(times: list[ibis.Value]) -> ibis.Value:
    """The earliest of the non-NULL ``times`` (Spark's ``least`` refuses a single argument)."""
    if not times:
        return NO_TIME
    return times[0] if len(times) == 1 else ibis.least(*times)


def _entry_columns(hits: ibis.Table, e: int, **more: ibis.Value) -> ibis.Table:
    return hits.select(
        "customer_id",
        "event_id",
        "bd",
        place=_place(hits),
        entry=ibis.literal(e + 1, "int64"),
        t0=hits.us,
        cur=hits.us,
        **more,
    )


def _ordered_from(finder, plan: Plan, e: int) -> ibis.Table:
    """Attempts entering at step ``e`` (0-based): the chain of later steps from each entry."""
    a = finder.entries(e)
    a = a.mutate(ok=ibis.literal(True), reached=ibis.literal(e + 1, "int64"))
    for j in range(1, plan.n):
        if j <= e:
            a = a.mutate(**{f"t{j}": NO_TIME, f"done{j}": ibis.literal(False)})
            continue
        wanted = [j]
        following = _next_required(plan, j)
        if j in plan.optional and following is not None:
            wanted.append(following)
        a = finder.add(a, wanted, first=j == e + 1)
        found = a[f"_n{j}"]
        if j in plan.optional and following is not None:
            # Done when it happens before the next required step (or that one never comes).
            found = ibis.ifelse(
                a[f"_n{following}"].isnull() | (found < a[f"_n{following}"]), found, NO_TIME
            )
        good = found.notnull() & (found - a.t0 <= plan.width)
        good = good & (a.x.isnull() | (found < a.x))
        if plan.step_widths[j] is not None:
            good = good & (found - a.cur <= plan.step_widths[j])
        good = (a.ok & good).fill_null(False)
        updates = {f"t{j}": ibis.ifelse(good, found, NO_TIME), f"done{j}": good}
        if j not in plan.optional:
            updates.update(
                ok=good,
                cur=ibis.ifelse(good, found, a.cur),
                reached=ibis.ifelse(good, j + 1, a.reached),
            )
        # One projection per step: Ibis's compile time grows with the depth of nested
        # selects, and on small data it outweighs the query itself.
        gone = {f"_n{k}" for k in wanted} | set(updates)
        a = a.select(*[c for c in a.columns if c not in gone], **updates)
    if plan.drops:
        a = a.filter(~_contains_exclusion(a.xd, a.t0, a.cur, a.reached, plan))
    names = {f"t{j}": a[f"t{j}"] for j in range(1, plan.n)}
    flags = {f"done{j}": a[f"done{j}"] for j in range(1, plan.n)}
    return _finish(a, plan, a.reached, names, flags)


def _contains_exclusion(xd, t0, last, reached, plan: Plan) -> ibis.Value:
    """Whether the first exclusion at or after the entry (``xd``) sits between the attempt's
    steps: no later than its last step when it finishes, within its window when it does not."""
    end = ibis.ifelse(reached >= plan.n, last, t0 + plan.width)
    return (xd.notnull() & (xd <= end)).fill_null(False)


def strict_attempts(s, plan: Plan, collapse_repeats: bool) -> ibis.Table:
    """Attempts of a strict funnel: the steps are consecutive steps of the step table."""
    t = steps_of(s, collapse_repeats=collapse_repeats).table
    w = ibis.window(group_by=t.customer_id, order_by=t.step)
    leads = {}
    for j in range(1, plan.n):
        leads[f"i{j}"] = t.item.lead(j).over(w)
        leads[f"u{j}"] = t.us.lead(j).over(w)
    t = t.mutate(**leads)
    hits = t.filter(t.item == plan.steps[0])
    hits = _first_only(hits) if plan.first_only else hits
    a = hits.mutate(place=_place(hits), entry=ibis.literal(1, "int64"), t0=hits.us, x=NO_TIME)
    ok = ibis.literal(True)
    reached = ibis.literal(1, "int64")
    times, done = {}, {}
    previous = a.t0
    for j in range(1, plan.n):
        good = (a[f"i{j}"] == plan.steps[j]) & (a[f"u{j}"] - a.t0 <= plan.width)
        if plan.step_widths[j] is not None:
            good = good & (a[f"u{j}"] - previous <= plan.step_widths[j])
        ok = (ok & good).fill_null(False)
        times[f"t{j}"] = ibis.ifelse(ok, a[f"u{j}"], NO_TIME)
        done[f"done{j}"] = ok
        reached = ibis.ifelse(ok, j + 1, reached)
        previous = a[f"u{j}"]
    return _finish(a, plan, reached, times, done)


def any_order_attempts(t: ibis.Table, plan: Plan) -> ibis.Table:
    """Attempts of an any-order funnel: ``reached`` is how many different steps were done."""
    steps = plan.steps
    relevant = t.filter(t.item.isin([*steps, *plan.exclusions]))
    ahead = by_time(relevant, (0, plan.width))
    firsts = {
        f"f{j}": first_time(relevant, relevant.item == step).over(ahead)
        for j, step in enumerate(steps)
    }
    if plan.exclusions:
        frame = (1, None) if plan.cuts else (0, None)  # the drop rule counts ties as inside
        later = by_time(relevant, frame)
        firsts["x"] = first_time(relevant, relevant.item.isin(plan.exclusions)).over(later)
    else:
        firsts["x"] = NO_TIME
    anchors = relevant.mutate(**firsts)
    anchors = anchors.filter(anchors.item.isin(steps))
    anchors = anchors.mutate(place=_place(anchors), entry=ibis.literal(1, "int64"), t0=anchors.us)
    if plan.cuts:
        # A step seen only at or after the exclusion does not count for this attempt.
        valid = {
            f"f{j}": ibis.ifelse(
                anchors.x.isnull() | (anchors[f"f{j}"] < anchors.x), anchors[f"f{j}"], NO_TIME
            )
            for j in range(len(steps))
        }
        anchors = anchors.mutate(**valid)
    if plan.drops:
        f = [anchors[f"f{j}"] for j in range(len(steps))]
        done = sum((fj.notnull().cast("int64") for fj in f[1:]), f[0].notnull().cast("int64"))
        anchors = anchors.filter(
            ~_contains_exclusion(anchors.x, anchors.t0, ibis.greatest(*f), done, plan)
        )
    f = [anchors[f"f{j}"] for j in range(len(steps))]
    counted = [fj.notnull().cast("int64") for fj in f]
    reached = sum(counted[1:], counted[0])
    # The time the k-th different step was first done: the k-th smallest of the f's.
    times, done = {}, {}
    for k in range(1, len(steps)):
        candidates = []
        for fj in f:
            at_or_before = sum(
                ((fi <= fj).fill_null(False).cast("int64") for fi in f), ibis.literal(0)
            )
            candidates.append(ibis.ifelse(at_or_before >= k + 1, fj, NO_TIME))
        times[f"t{k}"] = ibis.least(*candidates)
        done[f"done{k}"] = reached >= k + 1
    return _finish(anchors, plan, reached, times, done)


def _finish(a, plan: Plan, reached, times, done) -> ibis.Table:
    return a.select(
        "customer_id",
        "event_id",
        "bd",
        "place",
        "entry",
        "t0",
        reached=reached.cast("int64"),
        **times,
        **done,
    )


def _next_required(plan: Plan, j: int) -> int | None:
    for k in range(j + 1, plan.n):
        if k not in plan.optional:
            return k
    return None


#: A column marking each customer's first occurrence of an event over their whole history
#: (set by :func:`recorrido.analytics.funnels` when a date range narrows the stream).
FIRST_EVER = "first_ever"


def _first_only(hits: ibis.Table) -> ibis.Table:
    """Only each customer's first row of ``hits``: the first ever when the stream marks it
    (a date range must not make a later occurrence the "first"), else the first in the one
    order."""
    if FIRST_EVER in hits.columns:
        return hits.filter(hits[FIRST_EVER])
    rank = ibis.row_number().over(ibis.window(group_by=hits.customer_id, order_by=order_keys(hits)))
    ranked = hits.mutate(_first_rank=rank)
    return ranked.filter(ranked._first_rank == 0).drop("_first_rank")


def _place(t: ibis.Table) -> ibis.Value:
    """The entry event's source order, for ordering attempts that start at the same time."""
    keys = order_keys(t)
    return keys[1] if len(keys) == 3 else ibis.literal(0, "int64")


def by_time(t: ibis.Table, frame: tuple) -> ibis.expr.builders.LegacyWindowBuilder:
    """A window over the customer's events by time alone, with a RANGE frame in microseconds."""
    return ibis.window(group_by=t.customer_id, order_by=t.us, range=frame)


def first_time(t: ibis.Table, condition: ibis.Value) -> ibis.Value:
    return ibis.ifelse(condition, t.us, NO_TIME).min()
