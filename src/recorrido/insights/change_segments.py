"""The segments the change series are cut by, and whether a segment mix explains a change.

**Series per segment.** Besides the overall series, each rate is followed per value of: the
events' ``channel``; their ``platform`` property when the data has one; each **persona** of the
map that has a data rule (its customers' events); and each ``--segment-by`` property. All those
series go into one Benjamini–Hochberg correction (:mod:`recorrido.insights.changes`).

**Mix.** An overall rate moves when the mix of active customers moves, with no change inside any
group: more new tickets at the start of a log make "opened a ticket" more common among the
active; more web customers lift every web-only event. Such a move is no incident. Each overall
change is therefore compared like with like: for each **mix dimension** (``tenure``: how long
the customer has been around at that bin — new, under a week, under five weeks, older —;
``weekday`` in daily bins, so a Sunday is compared with Sundays; the channel, ``platform`` and
each ``--segment-by`` key, when it has 2 to ``MAX_VALUES`` values that cover at least
``MIN_COVER`` of the window's active customers) the expected count inside the window is
Σ over values v of (active with v inside) × (rate of v outside) — indirect standardisation, each
segment at its own usual rate. When for some dimension the observed count is within
``MIN_RATIO`` of that expectation, or less than ``MIN_EXCESS`` customer-bins beyond it once the
mix has taken away at least half of the excess over the overall rate, or no
longer significant at the level its series' scan required (the z of a Bonferroni-corrected
``alpha`` over the windows scanned: the scan chose the most extreme of them), the mix explains
the change: the overall change is dropped, and a change inside a segment is then
reported by that segment's own series (no longer hidden behind the overall one). A segment's
series is itself a mix (a platform's customers are new and returning, web and app): each
change found in one is tested the same way against the other mix dimensions inside the segment
(:func:`explained_in_segment`; event and touchpoint rates, not loops).

**Doers, not the denominator.** A rate that rose while no more customers than usual did it per
bin (or fell while no fewer did) is dropped too (:func:`counts_move`): the active customers
moved, not the doers — BPI 2012's last weekends, where a batch of cancellations is nearly all
that happens.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import ibis
import pandas as pd

from recorrido.analytics.sequence import known_property_keys, property_value
from recorrido.insights import time_bins

Value = Callable[[ibis.Table], ibis.Value]
#: A dimension only used to explain the overall rates (not a series of its own).
TENURE = "tenure"
WEEKDAY = "weekday"
MIX_ONLY = (TENURE, WEEKDAY)
PLATFORM_KEYS = ("platform",)
MAX_VALUES = 12
MIN_COVER = 0.8


def dimensions(journeys, options, width: int = 1) -> list[tuple[str, Value | None]]:
    """``(name, value of a table's rows)`` of every cut of the series: overall (None), channel,
    platform, each persona with a rule, each ``segment_by`` key (see module)."""
    dims: list[tuple[str, Value | None]] = [("", None), ("channel", _channel)]
    keys = list(options.segment_by or ())
    if options.segment_by is None:
        e = journeys.events
        present = set(known_property_keys(e)) if "properties" in e.columns else set()
        keys += [k for k in PLATFORM_KEYS if k in present or k in e.columns]
    for key in dict.fromkeys(keys):
        if key != "channel":
            dims.append((key, _property(key)))
    for persona in journeys.journey.personas:
        if persona.rule is not None:
            dims.append(("persona", _persona(journeys, persona)))
    # Last: only explain the rates (no series of their own); tenure needs with_first_bin.
    dims.append((TENURE, _tenure(width)))
    if width == 1:
        dims.append((WEEKDAY, _weekday))
    return dims


def with_first_bin(events: ibis.Table, journeys, width: int) -> ibis.Table:
    """``events`` (with ``bin``) and ``_first_bin``: the bin of the customer's first event, which
    the ``tenure`` cut reads."""
    people = journeys.people
    firsts = people.select("customer_id", _first_bin=time_bins.bin_of_us(people.first_us, width))
    return events.join(firsts, "customer_id")


def _tenure(width: int) -> Value:
    """How long the customer has been around at the row's bin: ``new`` (first event in this
    bin), under a week, under 5 weeks, then in doublings of that (10, 20, 40 ... weeks: a fine
    sent for collection a year and a half after it was issued is done by the old cases of a
    log, and their share of the active ones is what moves such a rate, not an incident), in
    whole bins of ``width`` days."""

    def value(table: ibis.Table) -> ibis.Value:
        age = (table.bin - table._first_bin) * width
        older = [(age <= 35 * 2**k, f"older{k}") for k in range(1, 7)]
        return ibis.cases(
            (age <= 0, "new"), (age <= 7, "week"), (age <= 35, "month"), *older, else_="oldest"
        )

    return value


def _weekday(table: ibis.Table) -> ibis.Value:
    # Daily bins are days since 1970-01-01 (a Thursday): a Sunday is compared with Sundays.
    return (table.bin % 7).cast("string")


def _channel(table: ibis.Table) -> ibis.Value:
    return table.channel.cast("string")


def _property(key: str) -> Value:
    return lambda table: property_value(table, key).cast("string")


def _persona(journeys, persona) -> Value:
    events = journeys.events
    members = events.filter(persona.rule.predicate(events)).select("customer_id").distinct()
    pid = persona.id

    def value(table: ibis.Table) -> ibis.Value:
        return ibis.ifelse(
            table.customer_id.isin(members.customer_id), ibis.literal(pid), ibis.null("string")
        )

    value.persona = pid  # which value of the ``persona`` cut this function gives
    return value


def value_of(dims: list[tuple[str, Value | None]], dim: str, val: str) -> Value | None:
    """The value function of the cut ``dim`` whose series holds ``val`` (personas share the
    name ``persona``: each is one value of it)."""
    for name, fn in dims:
        if name == dim and (dim != "persona" or getattr(fn, "persona", None) == val):
            return fn
    return None


def explained_by_mix(
    key: tuple[str, str, str, str],
    first: int,
    last: int,
    active: pd.DataFrame,
    done: pd.DataFrame,
    *,
    dims: list[str],
    min_ratio: float,
    min_excess: float,
    min_z: float = 0.0,
) -> bool:
    """Whether the overall change of metric ``key`` over bins ``first``..``last`` (absolute
    bins) is what the mix of some dimension of ``dims`` predicts (see module)."""
    mkind, metric, _, _ = key
    inside = (active.bin >= first) & (active.bin <= last)
    n_all = float(active[(active.dim == "") & inside].n.sum())
    mine = done[(done.mkind == mkind) & (done.metric == metric)]
    k_inside = (mine.bin >= first) & (mine.bin <= last)
    everyone = mine[mine.dim == ""]
    n_all_out = float(active[(active.dim == "") & ~inside].n.sum())
    k_all_out = float(everyone[~k_inside[everyone.index]].k.sum())
    # the expectation without the mix: everyone at the overall rate outside the window
    raw = n_all * k_all_out / n_all_out if n_all_out else 0.0
    for dim in dims:
        a = active[active.dim == dim]
        if a.empty or not 2 <= a.val.nunique() <= MAX_VALUES:
            continue
        a_in = a[inside[a.index]].groupby("val").n.sum()
        if n_all and a_in.sum() < MIN_COVER * n_all:
            continue
        a_out = a[~inside[a.index]].groupby("val").n.sum()
        d = mine[mine.dim == dim]
        if d.empty:  # not counted on this cut (loops are not cut by tenure or weekday)
            continue
        k_in = d[k_inside[d.index]].groupby("val").k.sum()
        k_out = d[~k_inside[d.index]].groupby("val").k.sum()
        rate_out = (k_out.reindex(a_out.index, fill_value=0) / a_out).dropna()
        overall = float(k_out.sum()) / float(a_out.sum()) if a_out.sum() else 0.0
        expected = float(sum(n * rate_out.get(v, overall) for v, n in a_in.items()))
        observed = float(k_in.sum())
        # Explained when the mix takes away most of the excess and what is left is small: a
        # mix that moves the expectation by a fraction of a customer explains nothing, even
        # when the excess sat just above MIN_EXCESS before.
        left = abs(observed - expected)
        if left < min_excess and left < abs(observed - raw) / 2:
            return True
        variance = float(
            sum(
                n * rate_out.get(v, overall) * (1 - rate_out.get(v, overall))
                for v, n in a_in.items()
            )
        )
        if variance > 0 and abs(observed - expected) / math.sqrt(variance) < min_z:
            return True
        if expected > 0 and 1 / min_ratio < observed / expected < min_ratio:
            return True
    return False


def explained_in_segment(
    binned: ibis.Table,
    dims: list[tuple[str, Value | None]],
    key: tuple[str, str, str, str],
    first: int,
    last: int,
    *,
    min_ratio: float,
    min_excess: float,
    min_z: float = 0.0,
) -> bool:
    """The same test inside one segment's series (``key``'s dimension and value): its active
    customers and the metric's, per bin and per value of every other mix dimension, read on
    ``binned`` (the events with ``bin``) — two small queries, run only for the changes found.
    A platform's series is itself a mix of channels and of new and returning customers."""
    mkind, metric, dim, val = key
    own = value_of(dims, dim, val)
    others = [(n, fn) for n, fn in dims if n and n not in (dim, "persona") and fn is not None]
    if own is None or not others or mkind not in ("event", "touchpoint"):
        return False
    t = binned.filter(own(binned) == val)
    column = t.event if mkind == "event" else t.touchpoint
    active_parts, done_parts = [], []
    for name, fn in [("", None), *others]:
        u = t.mutate(dim=ibis.literal(name), val=ibis.literal("") if fn is None else fn(t))
        u = u.mutate(val=u.val.cast("string"))
        u = u.filter(u.val.notnull())
        active_parts.append(u.group_by(["dim", "val", "bin"]).aggregate(n=u.customer_id.nunique()))
        d = u.filter(column == metric)
        done_parts.append(d.group_by(["dim", "val", "bin"]).aggregate(k=d.customer_id.nunique()))
    active = ibis.union(*active_parts).execute()
    done = ibis.union(*done_parts).execute()
    done = done.assign(mkind=mkind, metric=metric)
    return explained_by_mix(
        key,
        first,
        last,
        active.reset_index(drop=True),
        done.reset_index(drop=True),
        dims=[n for n, _ in others],
        min_ratio=min_ratio,
        min_excess=min_excess,
        min_z=min_z,
    )


def counts_move(
    key: tuple[str, str, str, str],
    first: int,
    last: int,
    settled: range,
    done: pd.DataFrame,
    *,
    up: bool,
) -> bool:
    """Whether the number of customers doing the metric moved the way its rate did: a rate that
    rose while no more customers than usual did it per bin (or fell while no fewer did) moved
    with its denominator — fewer (or more) active customers, as on the quiet weekends at the
    end of an export where a batch of cancellations is all that happens — not with the doers."""
    mkind, metric, dim, val = key
    mine = done[
        (done.mkind == mkind) & (done.metric == metric) & (done.dim == dim) & (done.val == val)
    ]
    k = mine.groupby("bin").k.sum().reindex(settled, fill_value=0)
    inside = k[(k.index >= first) & (k.index <= last)]
    outside = k[(k.index < first) | (k.index > last)]
    if inside.empty or outside.empty:
        return True
    return inside.mean() > outside.mean() if up else inside.mean() < outside.mean()
