"""One customer's pass through an automation: the step logic the dry run and the engine share.

:func:`walk` knows the definition's meaning (waits, branches, goal and exit at every step, quiet
hours, caps, holdout) and nothing about time passing or messages leaving: it asks a
:class:`Runtime` for "the first watched event between two instants" and hands it actions. The dry
run's runtime answers from stored history with a simulated clock and a recording sender; the
engine's answers inside a DBOS workflow (durable sleeps, messages from the feed, real sends). So
both run the same definition the same way, and a test checks they agree.

Time in a pass is *logical*: a wait ends at the instant the definition says (entry + 1 h, the next
10:00 local), not when a process woke up, so history replays give the instants the engine aims at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from recorrido.automations.model import Automation, Happening, Step, Test, parse_duration
from recorrido.automations.timing import (
    in_holdout,
    next_local_time,
    quiet_until,
    variant_of,
    zone_of,
)


@dataclass
class Pass:
    """Who is passing through which automation version, since when, and what is known of them."""

    automation_id: str
    version: int
    customer_id: str
    entry_key: str
    entered_at: datetime
    zone: str = "UTC"
    language: str = "es"
    traits: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    #: Watched events already stored when the pass starts (the engine's first messages).
    seen: list[dict[str, Any]] = field(default_factory=list)

    @property
    def workflow_id(self) -> str:
        return pass_id(self.automation_id, self.version, self.customer_id, self.entry_key)

    def variables(self) -> dict[str, Any]:
        """What message templates may use."""
        return {
            "customer": self.traits,
            "customer_id": self.customer_id,
            "event": self.properties,
            "entry_key": self.entry_key,
            "scores": self.scores,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "entered_at": self.entered_at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pass:
        return cls(**{**data, "entered_at": datetime.fromisoformat(data["entered_at"])})


def pass_id(automation_id: str, version: int, customer_id: str, entry_key: str) -> str:
    """The workflow id: a second start of the same pass is the same workflow, never a new one."""
    return f"{automation_id}:v{version}:{customer_id}:{entry_key}"


@dataclass
class Outcome:
    result: str  # completed | goal | exit | holdout
    at: datetime
    path: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (step id, outcome)


class Runtime(Protocol):
    def next_event(
        self, watch: dict[str, tuple[Happening, datetime]], after: datetime, until: datetime
    ) -> tuple[str, datetime] | None:
        """The first watched event in (after, min(until, its own limit)]: (its name, instant)."""

    def act(self, step: Step, key: str, at: datetime, p: Pass) -> str:
        """Perform an action once (``key`` is its idempotency key); its outcome."""

    def messages_since(self, since: datetime, until: datetime) -> int:
        """E-mails sent to this customer in (since, until], by any automation."""

    def mark(self, step_id: str, state: str, at: datetime) -> None:
        """Record that the pass ``entered`` / ``proceeded`` / ``exited`` ... at a step."""


_FOREVER = timedelta(days=36500)


class _Finished(Exception):
    def __init__(self, result: str, at: datetime) -> None:
        self.result, self.at = result, at


class Walk:
    def __init__(self, automation: Automation, p: Pass, runtime: Runtime) -> None:
        self.a, self.p, self.rt = automation, p, runtime
        self.cursor = p.entered_at
        self.checked = p.entered_at
        self.zone = zone_of(p.zone)
        self.outcome = Outcome("completed", p.entered_at)
        far = p.entered_at + _FOREVER
        self.guards: dict[str, tuple[Happening, datetime]] = {}
        if automation.goal is not None:
            within = p.entered_at + parse_duration(automation.goal.within)
            self.guards["goal"] = (automation.goal, within)
        for index, happening in enumerate(automation.exit):
            self.guards[f"exit{index}"] = (happening, far)

    def run(self) -> Outcome:
        try:
            self.steps(self.a.steps)
        except _Finished as done:
            self.outcome.result, self.outcome.at = done.result, done.at
            return self.outcome
        self.outcome.at = self.cursor
        return self.outcome

    # -- the clock ---------------------------------------------------------------------------
    def check(self, step_id: str) -> None:
        """Goal and exit, checked before every step (not only after waits)."""
        if self.cursor > self.checked:
            hit = self.rt.next_event(self.guards, self.checked, self.cursor)
            self.checked = self.cursor
            if hit is not None:
                self.finish(step_id, hit)

    def finish(self, step_id: str, hit: tuple[str, datetime]) -> None:
        name, at = hit
        result = "goal" if name == "goal" else "exit"
        self.rt.mark(step_id, result, at)
        raise _Finished(result, at)

    def wait_until(self, step_id: str, deadline: datetime, target: Happening | None = None):
        """Wait until ``deadline`` unless the goal, an exit or ``target`` comes first."""
        watch = dict(self.guards)
        if target is not None:
            watch["target"] = (target, deadline)
        deadline = max(deadline, self.cursor)
        hit = self.rt.next_event(watch, self.cursor, deadline)
        if hit is None:
            self.cursor = self.checked = deadline
            return None
        self.cursor = self.checked = hit[1]
        if hit[0] != "target":
            self.finish(step_id, hit)
        return hit[1]

    # -- the steps ---------------------------------------------------------------------------
    def steps(self, steps: list[Step]) -> None:
        for step in steps:
            if self.cursor > self.checked:  # check() inlined: the dry run walks 10^5-10^6 passes
                self.check(step.id)
            self.rt.mark(step.id, "entered", self.cursor)
            self.outcome.path.append(step.id)
            branch = self.step(step)
            self.rt.mark(step.id, "proceeded", self.cursor)
            if branch is not None:
                self.steps(branch)

    def step(self, step: Step) -> list[Step] | None:
        if step.wait is not None:
            self.wait_until(step.id, self.cursor + parse_duration(step.wait))
        elif step.wait_until is not None:
            self.wait_until(step.id, next_local_time(self.cursor, self.zone, step.wait_until))
        elif step.wait_for is not None:
            deadline = self.cursor + parse_duration(step.wait_for.timeout)
            happened = self.wait_until(step.id, deadline, step.wait_for)
            branch = "event" if happened is not None else "timeout"
            self.rt.mark(step.id, f"branch:{branch}", self.cursor)
            return step.wait_for.on_event if happened is not None else step.wait_for.on_timeout
        elif step.split is not None:
            return self.split(step)
        else:
            self.action(step)
        return None

    def split(self, step: Step) -> list[Step]:
        split = step.split
        assert split is not None
        if split.holdout is not None:
            if in_holdout(self.p.customer_id, self.a.id, float(split.holdout)):
                self.rt.mark(step.id, "branch:holdout", self.cursor)
                self.rt.mark(step.id, "holdout", self.cursor)
                raise _Finished("holdout", self.cursor)
            self.rt.mark(step.id, "branch:treated", self.cursor)
            return []
        if split.random is not None:
            weights = [float(v.weight) for v in split.random]
            index = variant_of(self.p.customer_id, self.a.id, step.id, weights)
            self.rt.mark(step.id, f"branch:{split.random[index].name}", self.cursor)
            return split.random[index].steps
        assert split.condition is not None
        holds = condition_holds(split.condition, self.p)
        self.rt.mark(step.id, f"branch:{'then' if holds else 'else'}", self.cursor)
        return split.then if holds else split.else_

    def action(self, step: Step) -> None:
        key = f"{self.p.workflow_id}:{step.id}"
        if step.email is not None:
            later = quiet_until(self.cursor, self.zone, self.a.quiet_hours)
            if later is not None:
                self.rt.mark(step.id, "deferred", self.cursor)
                self.wait_until(step.id, later)
            cap = self.a.frequency_cap
            if cap is not None:
                since = self.cursor - parse_duration(cap.per)
                if self.rt.messages_since(since, self.cursor) >= cap.messages:
                    self.rt.mark(step.id, "capped", self.cursor)
                    self.outcome.actions.append((step.id, "capped"))
                    return
        if step.update_trait is not None:
            self.p.traits[step.update_trait.name] = step.update_trait.value
        result = self.rt.act(step, key, self.cursor, self.p)
        self.rt.mark(step.id, result, self.cursor)
        self.outcome.actions.append((step.id, result))


def walk(automation: Automation, p: Pass, runtime: Runtime) -> Outcome:
    return Walk(automation, p, runtime).run()


def condition_holds(test: Test, p: Pass) -> bool:
    """A split's condition on a trait, an entry-event property or a prediction score."""
    if test.score is not None:
        value: Any = p.scores.get(test.score)
    else:
        source = p.traits if test.trait is not None else p.properties
        value = _dig(source, test.trait or test.property or "")
    if test.exists is not None:
        return (value is not None) == test.exists
    if value is None:
        return False
    if test.equals is not None:
        return _same(value, test.equals)
    if test.in_ is not None:
        return any(_same(value, choice) for choice in test.in_)
    number = _number(value)
    if number is None:
        return False
    for name, compare in (
        ("gt", float.__gt__),
        ("gte", float.__ge__),
        ("lt", float.__lt__),
        ("lte", float.__le__),
    ):
        limit = getattr(test, name)
        if limit is not None:
            return bool(compare(number, float(limit)))
    return False


def _dig(data: dict[str, Any], key: str) -> Any:
    value: Any = data
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _same(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(value, bool):
        return value is wanted or str(value).lower() == str(wanted).lower()
    if isinstance(wanted, int | float):
        return _number(value) == float(wanted)
    return str(value) == str(wanted)


def matches(happening: Happening, name: str, touchpoint: str | None, props: dict) -> bool:
    """Whether one event (its name, its touchpoint on the map, its properties) is ``happening``."""
    if happening.event is not None and name not in happening.event:
        return False
    if happening.touchpoint is not None and touchpoint != happening.touchpoint:
        return False
    return all(condition.matches(props) for condition in happening.where)
