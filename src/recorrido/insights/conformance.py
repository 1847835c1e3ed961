"""Conformance: how real journeys compare with the designed order of the map's stages.

On each customer's tagged events (stage by stage, repeats collapsed):

- **follows the map**: the customer never moves back to an earlier stage and skips no stage
  between the first and the furthest stage they reached.
- **skipped** (per stage): customers who reached a stage before it and one after it but never it.
- **out of order** (per stage): customers whose first visit to the stage came after their first
  visit to a later stage.
- **back moves**: moves from a stage to an earlier one, per (from, to), with customers.
- **entry**: the stage of customers' first tagged event.
- **missing touchpoints**: events no touchpoint of the map matches, by event name: events,
  customers, the stage customers were at (their latest tagged event before it) and examples.
- **unobserved stages**: stages no event reached (not counted as skipped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import ibis

from recorrido.insights.journeys import prepare, seq_order


@dataclass
class ConformanceReport:
    map: str
    customers: int
    mapped_customers: int
    following: int
    stages: list[dict]
    back_moves: list[dict]
    missing_touchpoints: list[dict]
    examples: list[dict]

    @property
    def share_following(self) -> float | None:
        return self.following / self.mapped_customers if self.mapped_customers else None

    def to_dict(self) -> dict:
        return {
            "map": self.map,
            "customers": self.customers,
            "mapped_customers": self.mapped_customers,
            "following": self.following,
            "share_following": self.share_following,
            "stages": self.stages,
            "back_moves": self.back_moves,
            "missing_touchpoints": self.missing_touchpoints,
            "examples": self.examples,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def conformance(
    source, journey_map, *, start=None, end=None, top: int = 10, samples: int = 3
) -> ConformanceReport:
    """Compare the real journeys in ``source`` with the stage order of ``journey_map``."""
    from recorrido.measured.scratch import Scratch

    # About ten queries read the tagged events, the stage runs and the visits: each is
    # worked out once and kept for this question (dropped when it ends), not once per query.
    with Scratch() as scratch:
        return _conformance(source, journey_map, start, end, top, samples, scratch)


def _conformance(source, journey_map, start, end, top: int, samples: int, scratch):
    j = prepare(source, journey_map, start=start, end=end, need_goal=False, scratch=scratch)
    journey = j.journey
    t = j.tagged
    runs = t.filter(t.stage.notnull())
    prev_stage = runs.stage_index.lag().over(seq_order(runs))
    runs = runs.mutate(prev_stage=prev_stage)
    runs = runs.filter(runs.prev_stage.isnull() | (runs.prev_stage != runs.stage_index))
    runs = scratch.keep(runs, ("customer_id", "stage_index", "prev_stage", "us", "tn"))
    back = runs.filter(runs.prev_stage > runs.stage_index)

    visits = runs.group_by(["customer_id", "stage_index"]).aggregate(first_us=runs.us.min())
    visits = scratch.keep(visits)
    spans = visits.group_by("customer_id").aggregate(
        lo=visits.stage_index.min(), hi=visits.stage_index.max(), n=visits.count()
    )
    spans = scratch.keep(spans)
    backers = back.select("customer_id").distinct().mutate(backed=ibis.literal(1))
    per = spans.left_join(backers, "customer_id")
    per = per.mutate(skipped=per.n < (per.hi - per.lo + 1), backed=per.backed.fill_null(0) > 0)
    conform = per.aggregate(
        mapped=per.count(),
        following=(~per.skipped & ~per.backed).cast("int64").sum(),
    ).execute()

    n_stages = len(journey.stages)
    in_range = spans.aggregate(
        **{f"s{i}": ((spans.lo < i) & (spans.hi > i)).cast("int64").sum() for i in range(n_stages)},
    ).execute()
    starts = t.filter(t.tn == 1)
    starts = starts.group_by("stage_index").aggregate(n=starts.count()).execute()
    starts = {int(r.stage_index): int(r.n) for r in starts.itertuples()}
    reach = visits.group_by("stage_index").aggregate(n=visits.count()).execute()
    reach = {int(r.stage_index): int(r.n) for r in reach.itertuples()}
    inside = visits.join(spans, "customer_id")
    inside = inside.filter(inside.lo < inside.stage_index, inside.hi > inside.stage_index)
    inside = inside.group_by("stage_index").aggregate(n=inside.count()).execute()
    inside = {int(r.stage_index): int(r.n) for r in inside.itertuples()}
    later = visits.view()
    late = visits.join(
        later,
        [
            visits.customer_id == later.customer_id,
            later.stage_index > visits.stage_index,
            later.first_us < visits.first_us,
        ],
    ).select(customer_id=visits.customer_id, stage_index=visits.stage_index)
    late = late.distinct()
    late = late.group_by("stage_index").aggregate(n=late.count()).execute()
    late = {int(r.stage_index): int(r.n) for r in late.itertuples()}
    stages = []
    for i, stage in enumerate(journey.stages):
        stages.append(
            {
                "id": stage.id,
                "name": stage.name,
                "customers": reach.get(i, 0),
                "entered_here": starts.get(i, 0),
                "skipped": int(in_range[f"s{i}"][0] or 0) - inside.get(i, 0),
                "out_of_order": late.get(i, 0),
                "observed": i in reach,
            }
        )

    moves = back.group_by(["prev_stage", "stage_index"]).aggregate(
        customers=back.customer_id.nunique(), moves=back.count()
    )
    moves = moves.order_by([ibis.desc("customers"), "prev_stage", "stage_index"]).limit(top)
    back_moves = [
        {
            "from_stage": journey.stages[int(r.prev_stage)].id,
            "to_stage": journey.stages[int(r.stage_index)].id,
            "customers": int(r.customers),
            "moves": int(r.moves),
        }
        for r in moves.execute().itertuples()
    ]
    missing = _missing(j, top, samples)
    examples = _examples(runs, back, journey, samples)
    return ConformanceReport(
        map=journey.name,
        customers=j.customers,
        mapped_customers=int(conform["mapped"][0]),
        following=int(conform["following"][0] or 0),
        stages=stages,
        back_moves=back_moves,
        missing_touchpoints=missing,
        examples=examples,
    )


def _missing(j, top: int, samples: int) -> list[dict]:
    e = j.events
    window = seq_order(e, rows=(None, 0))
    e = e.mutate(ctx=e.touchpoint.notnull().cast("int64").sum().over(window))
    holes = e.filter(e.touchpoint.isnull())
    counts = (
        holes.group_by("event")
        .aggregate(events=holes.count(), customers=holes.customer_id.nunique())
        .order_by([ibis.desc("customers"), ibis.desc("events"), "event"])
        .limit(top)
        .execute()
    )
    if counts.empty:
        return []
    names = [str(x) for x in counts["event"]]
    chosen = holes.filter(holes.event.isin(names))
    steps = j.tagged.select("customer_id", "tn", at=j.tagged.stage)
    placed = chosen.left_join(
        steps, [chosen.customer_id == steps.customer_id, chosen.ctx == steps.tn]
    )
    placed = placed.mutate(at=placed.at.fill_null("(start)"))
    where = placed.group_by(["event", "at"]).aggregate(n=placed.customer_id.nunique()).execute()
    where = where.sort_values(["event", "n", "at"], ascending=[True, False, True])
    people = chosen.select("event", "customer_id").distinct()
    people = people.mutate(
        r=ibis.row_number().over(ibis.window(group_by=people.event, order_by=people.customer_id))
    )
    examples = people.filter(people.r < samples).execute()
    found = []
    for r in counts.itertuples():
        mine = where[where.event == r.event]
        found.append(
            {
                "event": str(r.event),
                "events": int(r.events),
                "customers": int(r.customers),
                "stage": str(mine["at"].iloc[0]) if not mine.empty else None,
                "samples": sorted(
                    str(c) for c in examples[examples.event == r.event]["customer_id"]
                ),
            }
        )
    return found


def _examples(runs, back, journey, samples: int) -> list[dict]:
    """A few customers who moved back, with their stage path."""
    who = back.select("customer_id").distinct().order_by("customer_id").limit(samples)
    # ``tn``: the place in the customer's one order (``customer_order``), not (time, event id).
    path = runs.join(who, "customer_id").select("customer_id", "stage_index", "tn")
    frame = path.execute().sort_values(["customer_id", "tn"])
    out = []
    for customer, group in frame.groupby("customer_id", sort=True):
        ids = [journey.stages[int(i)].id for i in group["stage_index"]]
        out.append({"customer_id": str(customer), "path": ids[:30]})
    return out
