"""Self-service to assisted hand-offs: a self-service touchpoint followed by a person's help.

A **hand-off** at self-service touchpoint S (``mode: self-service`` in the map) is an event at S
whose next tagged event is at an assisted touchpoint (``mode: assisted``: chat, phone, agent)
within ``handoff_window`` (default 1 day). Affected: customers with a hand-off at S; pool:
customers who used S.

**The usual route is not a hand-off.** When most of S's customers (at least ``USUAL_SHARE``)
go on to one assisted touchpoint right after S, the process is built that way (a bank's
back-office call after an application, an advisor who always signs the contract): that move
is the journey by design, not self-service that failed, and is not counted.
"""

from __future__ import annotations

import ibis

from recorrido.insights.candidates import Candidates, rows

USUAL_SHARE = 0.5


def candidates(journeys, options) -> Candidates:
    journey = journeys.journey
    selfs = [tp.id for tp in journey.touchpoints if tp.mode == "self-service"]
    helped = [tp.id for tp in journey.touchpoints if tp.mode == "assisted"]
    if not selfs or not helped:
        return Candidates("handoff", None, None)
    t = journeys.tagged
    own = t.filter(t.touchpoint.isin(selfs))
    pool = rows(own, ibis.literal("handoff|") + own.touchpoint, own.us)
    hand = own.filter(own.next_tp.isin(helped), (own.next_us - own.us) <= options.handoff_window_us)
    users = own.group_by("touchpoint").aggregate(n=own.customer_id.nunique()).execute()
    moves = (
        hand.group_by(["touchpoint", "next_tp"]).aggregate(k=hand.customer_id.nunique()).execute()
    )
    size = {str(r.touchpoint): int(r.n) for r in users.itertuples()}
    usual = [
        (str(r.touchpoint), str(r.next_tp))
        for r in moves.itertuples()
        if int(r.k) >= USUAL_SHARE * size.get(str(r.touchpoint), 0)
    ]
    for source, target in usual:  # the route by design (see the module text)
        hand = hand.filter(~((hand.touchpoint == source) & (hand.next_tp == target)))
    affected = rows(hand, ibis.literal("handoff|") + hand.touchpoint, hand.us)
    targets: dict[str, list[str]] = {}

    def describe(key: str) -> tuple[dict, dict]:
        tp = key.split("|", 1)[1]
        if not targets:
            counts = hand.group_by(["touchpoint", "next_tp"]).aggregate(n=hand.count()).execute()
            counts = counts.sort_values(
                ["touchpoint", "n", "next_tp"], ascending=[True, False, True]
            )
            for s, group in counts.groupby("touchpoint"):
                targets[str(s)] = [str(x) for x in group["next_tp"].head(3)]
        to = targets.get(tp, [])
        where = {"touchpoint": tp, "stage": journey.stage_of(tp).id, "to_touchpoints": to}
        params = {
            "touchpoint": journey.touchpoint(tp).name,
            "assisted": ", ".join(journey.touchpoint(x).name for x in to),
        }
        return where, params

    from recorrido.insights.later_outcome import touchpoint_after

    after = touchpoint_after(journeys)
    return Candidates(
        "handoff", affected, pool, describe, after_goal=lambda cid: after(cid.split("|", 1)[1])
    )
