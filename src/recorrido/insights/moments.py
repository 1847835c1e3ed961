"""Moments of truth: the touchpoints and transitions whose occurrence moves the goal the most.

Only what happens **before** a customer's first goal event counts (everything, for customers who
never reach it), and goal events themselves are left out. An item is a **touchpoint** (the
customer had it) or a **transition** (the customer went straight from one touchpoint to another,
repeats collapsed). Customers are compared within the item's stage (a transition: its first
touchpoint's stage): those who reached that stage with the item against those without it.

Per item: ``rate_with`` / ``rate_without`` (share reaching the goal), ``lift`` (their ratio)
with its 95 % interval ``lift_ci`` (Katz's log interval for a ratio of two proportions), and
``difference`` with Newcombe's 95 % interval ``ci``. An item is reported when both groups have
at least ``min_support`` customers; it **helps** (or **hurts**) when its difference's interval
at the Bonferroni-corrected level for all items tested lies above (or below) 0. Having a
touchpoint is not proof that it causes the outcome: these are associations to look into.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import ibis

from recorrido.insights.journeys import prepare
from recorrido.insights.stats import Z95, diff_interval, z_for


@dataclass
class MomentsReport:
    map: str
    customers: int
    converted: int
    tested: int
    helps: list[dict]
    hurts: list[dict]
    neutral: list[dict]

    def to_dict(self) -> dict:
        return {
            "map": self.map,
            "customers": self.customers,
            "converted": self.converted,
            "tested": self.tested,
            "helps": self.helps,
            "hurts": self.hurts,
            "neutral": self.neutral,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def lift_interval(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> list[float] | None:
    """Katz's log interval for the ratio ``(k1/n1) / (k2/n2)``, as ``[low, high]``.

    ``log(ratio) ± z·√(1/k1 − 1/n1 + 1/k2 − 1/n2)``. With no success on one side, 0.5 is added to
    every cell of the 2×2 table (successes and failures of both groups); with none on the
    ``with`` side the lower bound is 0 (the ratio itself is 0). ``None`` when there is no ratio
    (no successes without, or an empty group).
    """
    if n1 <= 0 or n2 <= 0 or k2 <= 0:
        return None
    a, b, c, d = k1, n1, k2, n2
    if k1 == 0:
        a, b, c, d = k1 + 0.5, n1 + 1, k2 + 0.5, n2 + 1
    ratio = (a / b) / (c / d)
    spread = z * math.sqrt(max(0.0, 1 / a - 1 / b + 1 / c - 1 / d))
    low = 0.0 if k1 == 0 else ratio * math.exp(-spread)
    return [low, ratio * math.exp(spread)]


def moments(
    source, journey_map, *, start=None, end=None, min_support: int = 30, alpha: float = 0.05
) -> MomentsReport:
    """The moments of truth of ``journey_map`` on ``source`` (a workspace or events table)."""
    from recorrido.measured.scratch import Scratch

    # The events before the goal are read by both counts: worked out once, kept for this
    # question (dropped when it ends).
    with Scratch() as scratch:
        return _moments(source, journey_map, start, end, min_support, alpha, scratch)


def _moments(source, journey_map, start, end, min_support: int, alpha: float, scratch):
    j = prepare(source, journey_map, start=start, end=end, scratch=scratch)
    journey = j.journey
    t = j.tagged.join(j.people.select("customer_id", "goal_us"), "customer_id")
    before = t.filter(~t.is_goal, t.goal_us.isnull() | (t.us < t.goal_us))
    # The events before the first goal are the first of each customer's tagged events, so the
    # touchpoint before one of them is its previous tagged event's: ``prev_tp``, no new window.
    before = before.select("customer_id", "touchpoint", "stage_index", prev=before.prev_tp)
    before = scratch.keep(before)
    reached = before.select("customer_id", "stage_index").distinct()
    touch = before.select(
        "customer_id", "stage_index", item=ibis.literal("touchpoint|") + before.touchpoint
    )
    moves = before.filter(before.prev.notnull() & (before.prev != before.touchpoint))
    moves = moves.join(
        j.tagged.select(prev=j.tagged.touchpoint, prev_stage=j.tagged.stage_index).distinct(),
        "prev",
    )
    moves = moves.select(
        "customer_id",
        stage_index=moves.prev_stage,
        item=ibis.literal("transition|") + moves.prev + "|" + moves.touchpoint,
    )
    items = ibis.union(touch, moves).distinct()
    won = j.people.select("customer_id", won=j.people.converted.cast("int64"))
    per_item = items.join(won, "customer_id")
    per_item = (
        per_item.group_by(["item", "stage_index"])
        .aggregate(n=per_item.count(), k=per_item.won.sum())
        .execute()
    )
    per_stage = reached.join(won, "customer_id")
    per_stage = (
        per_stage.group_by("stage_index")
        .aggregate(n=per_stage.count(), k=per_stage.won.sum())
        .execute()
    )
    stages = {int(r.stage_index): (int(r.n), int(r.k)) for r in per_stage.itertuples()}
    rows = []
    for r in per_item.itertuples(index=False):
        n_s, k_s = stages[int(r.stage_index)]
        n_w, k_w = int(r.n), int(r.k)
        n_o, k_o = n_s - n_w, k_s - k_w
        if n_w < min_support or n_o < min_support:
            continue
        rows.append((str(r.item), int(r.stage_index), n_w, k_w, n_o, k_o))
    strict = z_for(alpha, len(rows))
    helps, hurts, neutral = [], [], []
    for item, stage_index, n_w, k_w, n_o, k_o in sorted(rows):
        kind, _, rest = item.partition("|")
        with_rate, without_rate = k_w / n_w, k_o / n_o
        low, high = diff_interval(k_w, n_w, k_o, n_o, strict)
        ci = diff_interval(k_w, n_w, k_o, n_o, Z95)
        record = {
            "kind": kind,
            "touchpoint": rest.split("|")[0],
            "to_touchpoint": rest.split("|")[1] if kind == "transition" else None,
            "stage": journey.stages[stage_index].id,
            "customers_with": n_w,
            "customers_without": n_o,
            "rate_with": with_rate,
            "rate_without": without_rate,
            "lift": with_rate / without_rate if without_rate else None,
            "lift_ci": lift_interval(k_w, n_w, k_o, n_o, Z95),
            "difference": with_rate - without_rate,
            "ci": list(ci),
        }
        if low > 0:
            helps.append(record)
        elif high < 0:
            hurts.append(record)
        else:
            neutral.append(record)
    helps.sort(key=lambda r: -r["difference"] * r["customers_with"])
    hurts.sort(key=lambda r: r["difference"] * r["customers_with"])
    neutral.sort(key=lambda r: -abs(r["difference"]))
    return MomentsReport(journey.name, j.customers, j.converted, len(rows), helps, hurts, neutral)
