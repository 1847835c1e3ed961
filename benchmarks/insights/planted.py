"""The ground truth of a generated data set, and which finding names which planted problem.

A generator returns a :class:`Truth`: the problems it planted (:class:`Planted`: kind, the
events involved, the period, the segment where it happens, its strength and how many customers
it touched, counted while generating) and the findings that would be wrong whatever else is
planted (:class:`Forbidden`: "went quiet after 'prestamo_denegado'" on an outcome that ends a
journey by design).

**Detectable** (issue 24): at least a doubling of a rate, for a week or more, touching at least
10 customers. Only detectable problems count in recall; weaker ones are planted so that a
detector that finds them is not punished (a finding naming one is not "unplanted") and one that
misses them is not either.

**Matching** (:func:`names`): a finding names a planted problem when its kind fits, it refers to
one of the planted events (directly, or through the touchpoint or stage of a discovered map
that holds the event, or a later outcome it moves), its dates (when it has dates) overlap the
planted period (plus ``echo_days`` for delayed effects), and, when the problem must be located
(``locate``), its segment or channel is the planted one. A planted loop may also come out as a
failure by behaviour between its two events. An abandonment or hand-off at a planted problem's
events, or the goal (or any step in the problem's segment, or any step at all for a problem
that hits everyone) falling while a planted problem lasts, is its **consequence**
(:func:`consequence`): customers stop or call where it hit them; it is counted apart, neither
found nor unplanted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

#: Finding kinds that may name a planted problem of each kind. An after-goal problem is a wait,
#: failure or loop after the goal; the detectors may report it under any of those kinds (or a
#: kind of its own).
KINDS_FOR = {
    "change": {"change", "drift"},
    "loop": {"loop", "change"},
    "failure": {"failure", "change"},
    "wait": {"wait", "drift"},
    "after_goal": {"wait", "after_goal", "after", "failure", "loop", "change", "drift"},
}
KINDS = tuple(KINDS_FOR)


@dataclass
class Planted:
    kind: str
    events: tuple[str, ...]
    label: str
    ratio: float
    first_day: int | None = None
    last_day: int | None = None
    segment: tuple[str, str] | None = None
    locate: bool = False
    customers: int = 0
    #: Later outcomes the problem moves (fewer first uses, more cancellations after a slow
    #: activation): a finding on them names the problem too.
    outcomes: tuple[str, ...] = ()
    #: Days after the period in which its effects still land (a delayed activation).
    echo_days: int = 0
    #: Events around the problem where its customers stop or call (the step a failing promo
    #: code sends them back to): an abandonment or hand-off there is its consequence.
    echoes: tuple[str, ...] = ()

    @property
    def days(self) -> int | None:
        if self.first_day is None or self.last_day is None:
            return None
        return self.last_day - self.first_day + 1

    @property
    def detectable(self) -> bool:
        long_enough = self.days is None or self.days >= 7
        return self.ratio >= 2 and self.customers >= 10 and long_enough


@dataclass
class Forbidden:
    """A finding that must not come out: ``kind`` naming one of ``events``."""

    kind: str
    events: tuple[str, ...]
    reason: str


@dataclass
class Truth:
    start: datetime
    goal: str
    planted: list[Planted] = field(default_factory=list)
    forbidden: list[Forbidden] = field(default_factory=list)

    def day(self, offset: int) -> date:
        return self.start.date() + timedelta(days=offset)


def events_named(finding, journey) -> set[str]:
    """The event names a finding refers to: its events, and those of its touchpoints/stages."""
    where = finding.where
    out: set[str] = set()
    if where.get("event"):
        out.add(str(where["event"]))
    out |= {str(e) for e in where.get("events") or []}
    if where.get("loop"):
        out |= set(str(where["loop"]).split("|"))
    touchpoints = {tp.id: tp for stage in journey.stages for tp in stage.touchpoints}
    if where.get("goal_after") and journey.goal is not None:
        # "reach the goal after it" names its event and the goal
        if journey.goal.touchpoint in touchpoints:
            out |= _match_events(touchpoints[journey.goal.touchpoint])
        if getattr(journey.goal, "event", None):
            out.add(str(journey.goal.event))
    stages = {stage.id: stage for stage in journey.stages}
    for key in ("touchpoint", "to_touchpoint"):
        tp = touchpoints.get(where.get(key))
        if tp is not None:
            out |= _match_events(tp)
    placed = any(where.get(k) for k in ("touchpoint", "to_touchpoint", "event", "events"))
    if finding.kind in ("wait", "after_goal", "after", "drift") and not placed:
        # Only a stage-to-stage finding stands for every event of its stages.
        for key in ("stage", "to_stage"):
            stage = stages.get(where.get(key))
            if stage is not None:
                for tp in stage.touchpoints:
                    out |= _match_events(tp)
    return out


def _match_events(tp) -> set[str]:
    match = tp.match
    value = getattr(match, "event", None)
    if value is None and isinstance(match, dict):
        value = match.get("event")
    if value is None:
        return set()
    return {str(v) for v in (value if isinstance(value, list | tuple) else [value])}


def located(finding) -> set[str]:
    """Every segment value a finding says it happens in or concentrates in."""
    values = set()
    where = finding.where
    if where.get("channel"):
        values.add(str(where["channel"]))
    if isinstance(where.get("segment"), dict):
        values.add(str(where["segment"].get("value")))
    if finding.segment:
        values.add(str(finding.segment.get("value")))
    return values


def overlaps(finding, planted: Planted, truth: Truth) -> bool:
    if planted.first_day is None or not finding.start or not finding.end:
        return True
    first = truth.day(planted.first_day)
    last = truth.day(planted.last_day + planted.echo_days)
    return date.fromisoformat(finding.start) <= last and first <= date.fromisoformat(finding.end)


def names(finding, planted: Planted, truth: Truth, journey) -> bool:
    """Whether ``finding`` names ``planted`` (see the module text)."""
    kinds = KINDS_FOR[planted.kind] | ({"failure"} if planted.kind == "loop" else set())
    if finding.kind not in kinds:
        return False
    named = events_named(finding, journey)
    if not named & set(planted.events + planted.outcomes):
        return False
    if planted.kind == "loop" and finding.kind in ("change", "failure"):
        # A change names a loop as the rate of the loop itself; a failure names it when it is
        # the back and forth (a step followed by a repeat of the one before) between its events.
        if finding.kind == "change" and not finding.where.get("loop"):
            return False
        if not named >= set(planted.events):
            return False
        behaviour = set(finding.where.get("by_behaviour") or [])
        if finding.kind == "failure" and not behaviour & set(planted.events):
            return False
    if finding.kind == "change" and planted.kind != "change":
        # A change over time names a loop, failure or after-goal problem only when that problem
        # has a period; after the goal, only as its event falling or a later outcome moving
        # (the backlog of delayed activations arriving is not the slow activation).
        if planted.first_day is None:
            return False
        if planted.kind == "after_goal" and not (
            named & set(planted.outcomes) or finding.effect < 0
        ):
            return False
    if not overlaps(finding, planted, truth):
        return False
    return not (planted.locate and planted.segment and planted.segment[1] not in located(finding))


def consequence(finding, truth: Truth, journey) -> Planted | None:
    """The planted problem an abandonment or hand-off finding is the echo of: customers stop
    (or call) right where a planted problem hit them."""
    named = events_named(finding, journey)
    if finding.kind == "change":
        # The goal, or a later step in the problem's own segment, falling while it lasts
        # (customers stuck in a loop on the app do not reach the next step on the app).
        for p in truth.planted:
            if p.first_day is None or finding.effect >= 0 or not overlaps(finding, p, truth):
                continue
            if truth.goal in named or not p.segment or p.segment[1] in located(finding):
                return p
        return None
    if finding.kind not in ("abandonment", "handoff"):
        return None
    # The likeliest cause first: a problem where the finding is located, then a detectable one.
    places = located(finding)
    ranked = sorted(
        truth.planted,
        key=lambda p: (not (p.segment and p.segment[1] in places), not p.detectable),
    )
    for p in ranked:
        if named & set(p.events + p.echoes):
            return p
    return None


def forbidden(finding, truth: Truth, journey) -> Forbidden | None:
    for rule in truth.forbidden:
        if finding.kind == rule.kind and events_named(finding, journey) & set(rule.events):
            return rule
    return None
