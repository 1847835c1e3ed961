"""Self-service to assisted hand-offs: a self-service touchpoint followed by a person's help.

A **hand-off** at self-service touchpoint S (``mode: self-service`` in the map) is an event at S
whose next tagged event is at an assisted touchpoint (``mode: assisted``: chat, phone, agent)
within ``handoff_window`` (default 1 day). Affected: customers with a hand-off at S; pool:
customers who used S.
"""

from __future__ import annotations

import ibis

from recorrido.insights.candidates import Candidates, rows


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

    return Candidates("handoff", affected, pool, describe)
