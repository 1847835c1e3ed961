"""Loops and back-tracking: customers going back to an earlier stage, again and again.

On each customer's tagged events with repeats of the same touchpoint collapsed, a **back step**
is a move from touchpoint L to touchpoint E of an earlier stage of the map, or of the same stage
listed earlier in it. A customer **loops**
between E and L when they step back from L to E at least ``min_repeats`` times (default 2).
A step back to a touchpoint where journeys open (the first step of at least half of its
customers: a shop's home page) after a pause of ``NEW_VISIT_GAP`` (30 minutes, the sessions'
default; the pause just before the step back or just before the step it comes from, as a visit
often opens with a notification seconds before the home page) is a **new visit**, not a step
back: each session of a shop starts on its home page, and a customer who comes back three
times would otherwise "loop" from the checkout to the home page (at a million customers, a
finding on data with nothing planted). Rework in a process log (a validation redone days
later) still counts: no case opens on it.
The comparable pool: customers who moved forward from E to L at least once (plus the loopers).
``where.channel`` is the commonest channel of the looping back steps (where the loop happens),
not the channel of the customer's first event.
"""

from __future__ import annotations

import ibis

from recorrido.analytics.windows import parse_duration
from recorrido.insights.candidates import Candidates, rows, union
from recorrido.insights.error_words import error_free, is_error_event
from recorrido.insights.journeys import seq_order, touchpoint_visits

#: A pause after which the next step starts a new visit (the sessions page's default gap).
NEW_VISIT_GAP = "30m"
#: A touchpoint is an entry when it is the first step of at least this share of its customers.
ENTRY_SHARE = 0.5


def entries(journeys) -> list[str]:
    """The touchpoints where journeys open: the first step of at least ``ENTRY_SHARE`` of the
    customers who have them (a shop's home page; in a process log, the submission)."""
    t = journeys.tagged
    first = t.filter(t.tn == 1)
    opened = first.group_by("touchpoint").aggregate(opened=first.customer_id.nunique())
    # one row per customer and touchpoint there: its rows are the customers who have it
    visits = touchpoint_visits(journeys)
    having = visits.group_by("touchpoint").aggregate(having=visits.count())
    both = having.join(opened, "touchpoint")
    frame = both.filter(both.opened >= ENTRY_SHARE * both.having).select("touchpoint").execute()
    return sorted(str(t) for t in frame["touchpoint"])


def candidates(journeys, options) -> Candidates:
    t = journeys.tagged
    if not error_free(journeys, options.failure_patterns):
        # An error the map made a touchpoint is a failure, not a step to loop back to. (With
        # none, the tagged events' own ``prev_tp`` is this same window.)
        t = t.filter(~is_error_event(journeys, t.event, options.failure_patterns))
        t = t.mutate(prev_tp=t.touchpoint.lag().over(seq_order(t)))
    runs = t.filter(t.prev_tp.isnull() | (t.prev_tp != t.touchpoint))
    order = seq_order(runs)
    runs = runs.mutate(
        from_tp=runs.touchpoint.lag().over(order),
        from_stage=runs.stage_index.lag().over(order),
        from_index=runs.tp_index.lag().over(order),
        from_us=runs.us.lag().over(order),
        from_prev_us=runs.us.lag(2).over(order),
    )
    # Back: to an earlier stage, or inside one stage to a touchpoint listed earlier (two
    # checkout steps visited back and forth loop just as two stages do).
    is_back = (runs.from_stage > runs.stage_index) | (
        (runs.from_stage == runs.stage_index) & (runs.from_index > runs.tp_index)
    )
    # ... but a later visit that opens where journeys open (the home page, after a pause) is
    # a new visit, not a step back: every session of a shop starts there.
    doors = entries(journeys)
    if doors:
        # The pause may come just before the step back, or just before the step it comes
        # from: a visit often opens with a notification or a help page seconds before the
        # home page (and the very first step of a journey follows no step at all).
        pause = parse_duration(NEW_VISIT_GAP)
        opened = (runs.us - runs.from_us >= pause) | (
            runs.from_prev_us.isnull() | (runs.from_us - runs.from_prev_us >= pause)
        )
        new_visit = opened & runs.touchpoint.isin(doors)
        is_back = is_back & ~new_visit.fill_null(False)
    is_forward = (runs.from_stage < runs.stage_index) | (
        (runs.from_stage == runs.stage_index) & (runs.from_index < runs.tp_index)
    )
    back = runs.filter(is_back)
    back = back.mutate(cid=ibis.literal("loop|") + back.touchpoint + "|" + back.from_tp)
    per = back.group_by(["cid", "customer_id"]).aggregate(times=back.count(), us=back.us.min())
    loopers = per.filter(per.times >= options.min_repeats)
    affected = rows(loopers, loopers.cid, loopers.us)
    # Located where it happens: the commonest channel of the looping back steps themselves.
    channels = back.join(loopers.select("cid", "customer_id"), ["cid", "customer_id"])
    channels = channels.group_by(["cid", "channel"]).aggregate(n=channels.count())

    forward = runs.filter(is_forward)
    forward = rows(
        forward, ibis.literal("loop|") + forward.from_tp + "|" + forward.touchpoint, forward.us
    )
    both = ibis.union(forward, affected)
    pool = both.group_by(["cid", "customer_id"]).aggregate(us=both.us.min())

    journey = journeys.journey

    located: dict[str, str] = {}

    def describe(cid: str) -> tuple[dict, dict]:
        if not located:
            frame = channels.execute()
            frame = frame.sort_values(["cid", "n", "channel"], ascending=[True, False, True])
            for key, group in frame.groupby("cid"):
                located[str(key)] = str(group["channel"].iloc[0])
            located.setdefault("", "")
        _, earlier, later = cid.split("|", 2)
        where = {
            "touchpoint": earlier,
            "stage": journey.stage_of(earlier).id,
            "to_touchpoint": later,
            "to_stage": journey.stage_of(later).id,
        }
        if located.get(cid):
            where["channel"] = located[cid]
        params = {
            "earlier": journey.touchpoint(earlier).name,
            "later": journey.touchpoint(later).name,
            "times": options.min_repeats,
        }
        return where, params

    # Loops the map hides (two events of one touchpoint, or untagged) join the same kind.
    from recorrido.insights import event_loops

    hidden = event_loops.candidates(journeys, options)

    def describe_any(cid: str) -> tuple[dict, dict]:
        return hidden.describe(cid) if cid.startswith("loop|event|") else describe(cid)

    from recorrido.insights.later_outcome import touchpoint_after

    after = touchpoint_after(journeys)

    def after_goal(cid: str) -> bool:
        if cid.startswith("loop|event|"):
            return hidden.after_goal(cid)
        _, earlier, later = cid.split("|", 2)
        return after(earlier) and after(later)

    return Candidates(
        "loop",
        union([affected, hidden.affected]),
        union([pool, hidden.pool]),
        describe_any,
        after_goal=after_goal,
    )
