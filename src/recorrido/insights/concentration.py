"""Which segment a finding concentrates in.

**Located where it happens.** A customer's segment for a finding is read on the event involved
(the customer's pool row: when they met the place — the step where the failures happen, the
move between the looping steps, the end of the wait), not on their first event: a customer who
found the shop on the web and loops in the app's checkout loops in the app. Affected and
unaffected customers are read on the same kind of event (an error page's URL is no segment of
the customers who had errors). The values read there: the **channel**, and each **property**
key asked for (``segment_by``) or, by default, every property key with 2 to 12 distinct values
among first events (such as ``platform``, ``country``, ``device``). The map's **personas** whose
data rule one of the customer's events matches are a customer's, wherever it happens.

For a finding with affected customers A inside its comparable pool P, each segment value v is
tested: the share of affected among P's customers with v against the share among the others
(two-proportion z, Bonferroni over the values tested for that finding: where one finding
concentrates must not hinge on how many others the run kept). The finding **concentrates** in
the value with the highest z when that z passes, at least 40 % of the affected have v, and v is
at least 1.5 times as common among the affected as in the pool.
"""

from __future__ import annotations

import ibis

from recorrido.analytics.sequence import engine_of, known_property_keys, property_value
from recorrido.insights.stats import two_proportion_z, z_for
from recorrido.journey.properties import readable_on

MAX_VALUES = 12
MIN_SHARE = 0.4
MIN_LIFT = 1.5


def event_values(
    journeys, moments: ibis.Table, keys: tuple[str, ...] | None = None
) -> tuple[ibis.Table, ibis.Table | None]:
    """``(customer_id, us, dimension, value)``: the segment values of the events at the given
    ``(customer_id, us)`` moments (the first in the customer's order where several events share
    a moment), and ``(customer_id, dimension, value)`` of the personas (or None)."""
    events = journeys.events
    if keys is None:
        keys = tuple(_auto_keys(events.filter(events.seq == 0)))
    at = events.semi_join(moments, ["customer_id", "us"])
    # Several events can share a moment (a form and its error in one second): the first of
    # them in the customer's order is the one the place refers to.
    first = ibis.window(group_by=[at.customer_id, at.us], order_by=at.seq)
    at = at.mutate(_r=ibis.row_number().over(first))
    at = at.filter(at._r == 0)
    parts = [at.select("customer_id", "us", dimension=ibis.literal("channel"), value=at.channel)]
    for key in keys:
        if key == "channel":
            continue
        parts.append(
            at.select(
                "customer_id", "us", dimension=ibis.literal(key), value=property_value(at, key)
            )
        )
    parts = [p.mutate(value=p.value.cast("string")) for p in parts]
    values = ibis.union(*parts) if len(parts) > 1 else parts[0]
    values = values.filter(values.value.notnull())
    personas = []
    for persona in journeys.journey.personas:
        if persona.rule is None:
            continue
        members = events.filter(persona.rule.predicate(events)).select("customer_id").distinct()
        personas.append(
            members.mutate(dimension=ibis.literal("persona"), value=ibis.literal(persona.id))
        )
    people = None
    if personas:
        people = ibis.union(*personas) if len(personas) > 1 else personas[0]
    return values, people


def unreadable_keys(journeys) -> list[str]:
    """Property keys the automatic scan skips because this engine cannot read them (a control
    character in the name; on Spark a ``'`` or ``?``): reported as a note, never an error."""
    first = journeys.events.filter(journeys.events.seq == 0)
    engine = engine_of(first)
    return [k for k in known_property_keys(first) if not readable_on(k, engine)]


def _auto_keys(first: ibis.Table) -> list[str]:
    # Every key a file can carry is scanned (``case:AMOUNT_REQ``, ``page url``); one the engine
    # cannot read is skipped (see unreadable_keys) so the scan never stops on it.
    engine = engine_of(first)
    keys = [k for k in known_property_keys(first) if readable_on(k, engine)][:40]
    if not keys:
        return []
    counts = [
        first.aggregate(key=ibis.literal(k), n=property_value(first, k).nunique()) for k in keys
    ]
    frame = ibis.union(*counts).execute() if len(counts) > 1 else counts[0].execute()
    return sorted(str(r.key) for r in frame.itertuples() if 2 <= int(r.n) <= MAX_VALUES)


def concentrations(journeys, affected: ibis.Table, pool: ibis.Table, options) -> dict[str, dict]:
    """For each cid of ``affected`` (within ``pool``), the segment it concentrates in."""
    hit = affected.select("cid", "customer_id", hit=ibis.literal(1))
    people = pool.left_join(hit, ["cid", "customer_id"])
    people = people.select("cid", "customer_id", "hit", "us")
    people = people.mutate(hit=people.hit.fill_null(0))
    totals = people.group_by("cid").aggregate(n=people.count(), a=people.hit.sum()).execute()
    values, personas = event_values(
        journeys, people.select("customer_id", "us").distinct(), options.segment_by
    )
    joined = people.join(values, ["customer_id", "us"]).select(
        "cid", "customer_id", "hit", "dimension", "value"
    )
    if personas is not None:
        joined = joined.union(
            people.join(personas, "customer_id").select(
                "cid", "customer_id", "hit", "dimension", "value"
            )
        )
    frame = (
        joined.group_by(["cid", "dimension", "value"])
        .aggregate(c=joined.count(), a_v=joined.hit.sum())
        .execute()
    )
    if frame.empty:
        return {}
    # Bonferroni over the values tested for each finding: where one finding concentrates is
    # its own question, and must not hinge on how many other findings the run kept.
    tests = frame.groupby("cid").size().to_dict()
    sizes = {r.cid: (int(r.n), int(r.a)) for r in totals.itertuples()}
    best: dict[str, tuple[float, dict]] = {}
    for row in frame.itertuples(index=False):
        n, a = sizes[row.cid]
        c, a_v = int(row.c), int(row.a_v)
        if not a or c >= n:
            continue
        z = two_proportion_z(a_v, c, a - a_v, n - c)
        share_aff, share_pool = a_v / a, c / n
        strict = z_for(options.alpha, max(1, tests[row.cid]))
        if z < strict or share_aff < MIN_SHARE or share_aff < MIN_LIFT * share_pool:
            continue
        found = {
            "dimension": str(row.dimension),
            "value": str(row.value),
            "share_affected": share_aff,
            "share_comparable": share_pool,
            "lift": share_aff / share_pool,
        }
        if row.cid not in best or z > best[row.cid][0]:
            best[row.cid] = (z, found)
    return {cid: found for cid, (_, found) in best.items()}
