"""After the goal, success is a later outcome: the customer **came back**.

Delivery, activation and onboarding come after the goal, so a wait, a failure or a loop there
cannot change whether the customer reached it (the effect on the goal is zero by definition).
They are judged instead by what happened next: a customer who met the place at time t is
**kept** when they have any event later than t + ``inactivity`` (default 7 days): a repeat
purchase, further use, a second goal; **lost** (churned) otherwise. Only customers observed for
that long after the place count (t at least ``inactivity`` before the measurement date), so the
last days of the data do not read as churn.

An event that says the customer is leaving (``LEAVING_WORDS``: cancel, churn, unsubscribe,
baja, cierre, anulación, ...) is no coming back: a customer whose only later event is their
cancellation is lost.

``t`` is when the customer *met* the place; for a wait it is the end of the wait (the first event
in the next stage), so a long wait does not by itself push the customer's last event later.
"""

from __future__ import annotations

import ibis

from recorrido.insights.error_words import among

#: Event names that say the customer leaves (English and Spanish stems).
LEAVING_WORDS = (
    "cancel|churn|unsubscrib|close_account|account_closed|closed|terminat|"
    "baja|cierre|cerrad|anul|darse_de_baja|desuscri"
)


def last_stay(journeys) -> ibis.Table:
    """``(customer_id, stay_us)``: each customer's last event that is not a leaving one."""
    e = journeys.events
    # the leaving names, tested once on the distinct names (not on every event)
    leaving = journeys.names_where("leaving", lambda name: name.lower().re_search(LEAVING_WORDS))
    staying = ibis.cases((among(e.event, leaving), ibis.null("int64")), else_=e.us)
    return e.group_by("customer_id").aggregate(stay_us=staying.max())


def observed(us: ibis.Value, as_of_us: int, inactivity_us: int) -> ibis.Value:
    """Whether a place met at ``us`` leaves enough time to see the customer come back."""
    return us <= (as_of_us - inactivity_us)


def kept(us: ibis.Value, last_us: ibis.Value, as_of_us: int, inactivity_us: int) -> ibis.Value:
    """Observed, and some event came more than ``inactivity`` after the place."""
    return observed(us, as_of_us, inactivity_us) & (last_us > us + inactivity_us)


def touchpoint_after(journeys):
    """A test: whether a touchpoint id lies in a stage after the goal's stage."""
    goal_stage = journeys.goal_stage_index()
    stage_of = {
        tp.id: index
        for index, stage in enumerate(journeys.journey.stages)
        for tp in stage.touchpoints
    }

    def after(touchpoint: str) -> bool:
        index = stage_of.get(touchpoint)
        return goal_stage is not None and index is not None and index > goal_stage

    return after


def events_after(journeys):
    """A test: whether every named event is tagged only in stages after the goal's stage (one
    small query, run the first time it is asked)."""
    goal_stage = journeys.goal_stage_index()
    lowest: dict[str, int] = {}

    def after(events: list[str]) -> bool:
        if goal_stage is None:
            return False
        if not lowest:
            t = journeys.tagged
            frame = t.group_by("event").aggregate(s=t.stage_index.min()).execute()
            lowest.update({str(r.event): int(r.s) for r in frame.itertuples()})
            lowest.setdefault("", -1)
        return all(lowest.get(e, -1) > goal_stage for e in events)

    return after
