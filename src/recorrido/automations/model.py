"""An automation as a typed model: entry, steps (waits, splits, actions), goal, exit, caps.

An automation file sits beside the journey map and names the map's touchpoints and stages; the
checks that need the map (do those ids exist?) live in :mod:`recorrido.automations.validate`, so
every problem of a file is reported at once, with its line and column.

A step is a mapping with an ``id`` and exactly one kind key (``wait``, ``wait_until``, ``wait_for``,
``split``, ``email``, ``webhook``, ``task``, ``update_trait``). Ids name the step in the figures
(entered / waiting / proceeded / exited per step) and in every action's idempotency key, so they
must be unique in the file and should not change between versions.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from functools import cached_property, lru_cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from recorrido.journey.base import MapModel, Names, Number, Scalar
from recorrido.journey.rules import Condition

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
Language = Literal["es", "en"]
SCHEMA_VERSION = 1
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STEP_KINDS = (
    "wait",
    "wait_until",
    "wait_for",
    "split",
    "email",
    "webhook",
    "task",
    "update_trait",
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@lru_cache(maxsize=1024)
def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``2h``, ``3d``, ``1w`` (also ``1.5h``) as a time span."""
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(text)
    return timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2)])


def _duration(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("wrong_type", "expected a duration", {"kind": "duration"})
    try:
        parse_duration(value)
    except ValueError:
        raise PydanticCustomError(
            "automations_bad_duration", "bad duration {value}", {"value": value}
        ) from None
    return value.strip()


def _clock(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 10:00 as 600
        value = f"{value // 60:02d}:{value % 60:02d}"
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        raise PydanticCustomError(
            "automations_bad_time", "bad time of day {value}", {"value": str(value)}
        )
    return value.strip()


Duration = Annotated[
    str,
    BeforeValidator(_duration),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?(s|m|h|d|w)$"}),
]
Clock = Annotated[
    str,
    BeforeValidator(_clock),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}),
]


@lru_cache(maxsize=256)
def clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _texts(value: Any) -> Any:
    """One text for every language, or ``{es: ..., en: ...}``."""
    if isinstance(value, str):
        return {"es": value, "en": value}
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        unknown = [k for k in value if k not in ("es", "en")]
        if unknown:
            raise PydanticCustomError(
                "automations_bad_language", "unknown language {name}", {"name": str(unknown[0])}
            )
        first = next(iter(value.values()))
        return {"es": value.get("es", first), "en": value.get("en", first)}
    raise PydanticCustomError("wrong_type", "expected a text", {"kind": "text"})


Texts = Annotated[
    dict[str, str],
    BeforeValidator(_texts),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "properties": {"es": {"type": "string"}, "en": {"type": "string"}},
                    "additionalProperties": False,
                },
            ]
        }
    ),
]


class Happening(MapModel):
    """Something a customer does: an event name (exact, list) or a touchpoint of the map."""

    event: Names | None = Field(None, description="Event names (exact).")
    touchpoint: Id | None = Field(None, description="A touchpoint id of the map.")
    where: list[Condition] = Field(
        default_factory=list, description="Conditions on the event's properties (all must hold)."
    )

    @model_validator(mode="after")
    def _one(self) -> Happening:
        if (self.event is None) == (self.touchpoint is None):
            raise PydanticCustomError("automations_one_of", "give event or touchpoint", {})
        return self


class ScoreEntry(MapModel):
    """A prediction's score crossing a threshold (table ``predictions``)."""

    model: str
    gte: Number = Field(description="Enter when the score is at least this.")


class Entry(MapModel):
    """Who enters and when: an event, a touchpoint, reaching a stage, or a prediction score."""

    event: Names | None = None
    touchpoint: Id | None = None
    stage: Id | None = Field(None, description="Enter on the first event of the stage.")
    score: ScoreEntry | None = None
    where: list[Condition] = Field(default_factory=list)
    key: str | None = Field(
        None,
        description="Property of the entry event that tells passes apart (e.g. order_id); one "
        "pass per customer and key.",
    )
    reentry: Literal["never", "per_key", "always"] = Field(
        "never",
        description="never: one pass per customer; per_key: one per key value; always: a new "
        "pass for each entry event once the previous one ended (or after reentry_after).",
    )
    reentry_after: Duration | None = Field(
        None, description="With 'always': at least this long between two entries."
    )

    @model_validator(mode="after")
    def _one(self) -> Entry:
        given = [self.event, self.touchpoint, self.stage, self.score]
        if sum(x is not None for x in given) != 1:
            raise PydanticCustomError(
                "automations_entry_one", "give one of event, touchpoint, stage, score", {}
            )
        if self.reentry == "per_key" and self.key is None:
            raise PydanticCustomError("automations_key_needed", "per_key needs key", {})
        return self


class Goal(Happening):
    within: Duration = Field(description="The goal counts when reached within this after entry.")


class Cap(MapModel):
    """At most ``messages`` e-mails to one customer per ``per``, counted across automations."""

    messages: int = Field(ge=1)
    per: Duration


class QuietHours(MapModel):
    """No e-mail between ``start`` and ``end`` in the customer's time zone; sends wait for end."""

    start: Clock
    end: Clock


class WaitUntil(MapModel):
    """The next moment at ``time`` (customer's zone), on one of ``days`` when given."""

    time: Clock
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=list
    )


class WaitFor(Happening):
    timeout: Duration
    on_event: list[Step] = Field(default_factory=list, description="Steps when it happened.")
    on_timeout: list[Step] = Field(default_factory=list, description="Steps when it did not.")


class Test(MapModel):
    """A condition of a split: on a trait, an entry-event property or a prediction score."""

    trait: str | None = None
    property: str | None = None
    score: str | None = Field(None, description="A model name in the predictions table.")
    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(None, alias="in")
    gt: Number | None = None
    gte: Number | None = None
    lt: Number | None = None
    lte: Number | None = None
    exists: bool | None = None

    @model_validator(mode="after")
    def _shape(self) -> Test:
        if sum(x is not None for x in (self.trait, self.property, self.score)) != 1:
            raise PydanticCustomError(
                "automations_test_subject", "give one of trait, property, score", {}
            )
        operators = [k for k in ("equals", "in_", "gt", "gte", "lt", "lte", "exists")]
        if sum(getattr(self, k) is not None for k in operators) != 1:
            raise PydanticCustomError("automations_test_operator", "give one operator", {})
        return self


class Variant(MapModel):
    name: Id
    weight: Number = Field(description="Relative share of customers.")
    steps: list[Step] = Field(default_factory=list)


class Split(MapModel):
    """``condition`` (then/else), ``random`` variants, or a ``holdout`` percent that gets nothing.

    Random and holdout groups come from a hash of the customer id and the automation id (and the
    step id for random), so a customer keeps their group across passes and versions.
    """

    condition: Test | None = None
    then: list[Step] = Field(default_factory=list)
    else_: list[Step] = Field(default_factory=list, alias="else")
    random: list[Variant] | None = Field(None, min_length=2)
    holdout: Number | None = Field(None, description="Percent of customers held out (0-100).")

    @model_validator(mode="after")
    def _one(self) -> Split:
        kinds = [self.condition, self.random, self.holdout]
        if sum(x is not None for x in kinds) != 1:
            raise PydanticCustomError(
                "automations_split_one", "give one of condition, random, holdout", {}
            )
        if self.holdout is not None and not 0 <= self.holdout <= 100:
            raise PydanticCustomError(
                "automations_bad_percent", "percent {value}", {"value": str(self.holdout)}
            )
        return self


class Email(MapModel):
    subject: Texts
    body: Texts = Field(description="HTML body; Jinja variables are escaped.")
    sender: str | None = Field(None, alias="from")


class Webhook(MapModel):
    url: str
    secret_env: str = Field(
        "RECORRIDO_WEBHOOK_SECRET",
        description="Environment variable holding the signing secret (whsec_...).",
    )
    data: dict[str, Any] = Field(default_factory=dict, description="Extra fields of the body.")


class Task(MapModel):
    """A task for a person: who owns the touchpoint calls or helps the customer."""

    touchpoint: Id | None = Field(None, description="Its owner gets the task.")
    owner: str | None = Field(None, description="Owner when no touchpoint says it.")
    text: Texts


class TraitUpdate(MapModel):
    name: str
    value: Scalar


class Step(MapModel):
    id: Id
    wait: Duration | None = None
    wait_until: WaitUntil | None = None
    wait_for: WaitFor | None = None
    split: Split | None = None
    email: Email | None = None
    webhook: Webhook | None = None
    task: Task | None = None
    update_trait: TraitUpdate | None = None

    @model_validator(mode="after")
    def _one(self) -> Step:
        if sum(getattr(self, k) is not None for k in STEP_KINDS) != 1:
            raise PydanticCustomError(
                "automations_step_one", "one kind per step", {"kinds": ", ".join(STEP_KINDS)}
            )
        return self

    @cached_property
    def kind(self) -> str:  # cached: the dry run asks it for every action of every pass
        return next(k for k in STEP_KINDS if getattr(self, k) is not None)


class Automation(MapModel):
    """An automation file. Load with :func:`recorrido.automations.validate.load_automation`."""

    version: Literal[1] = Field(SCHEMA_VERSION, description="Version of this file format.")
    id: Id
    name: str
    language: Language = Field("es", description="Default language of messages.")
    description: str | None = None
    map: str | None = Field(None, description="The journey map file, relative to this file.")
    entry: Entry
    steps: list[Step] = Field(min_length=1)
    goal: Goal | None = None
    exit: list[Happening] = Field(default_factory=list, description="Leave when any happens.")
    frequency_cap: Cap | None = None
    quiet_hours: QuietHours | None = None

    # -- walking the steps ------------------------------------------------------------------
    def all_steps(self) -> list[Step]:
        """Every step, nested ones included, in file order."""
        found: list[Step] = []

        def visit(steps: list[Step]) -> None:
            for step in steps:
                found.append(step)
                for child in children(step):
                    visit(child)

        visit(self.steps)
        return found

    def horizon(self) -> timedelta:
        """An upper bound of how long one pass can last (for choosing events to read)."""

        def longest(steps: list[Step]) -> timedelta:
            total = timedelta()
            for step in steps:
                if step.wait is not None:
                    total += parse_duration(step.wait)
                elif step.wait_until is not None:
                    total += timedelta(days=8)
                elif step.wait_for is not None:
                    total += parse_duration(step.wait_for.timeout)
                if self.quiet_hours is not None and step.email is not None:
                    total += timedelta(days=1)
                total += max((longest(c) for c in children(step)), default=timedelta())
            return total

        body = longest(self.steps)
        goal = parse_duration(self.goal.within) if self.goal else timedelta()
        return max(body, goal) + timedelta(days=1)


def children(step: Step) -> list[list[Step]]:
    """The branches below a step."""
    if step.wait_for is not None:
        return [step.wait_for.on_event, step.wait_for.on_timeout]
    if step.split is not None:
        split = step.split
        if split.random is not None:
            return [v.steps for v in split.random]
        return [split.then, split.else_]
    return []


WaitFor.model_rebuild()
Variant.model_rebuild()
Split.model_rebuild()
Step.model_rebuild()
Automation.model_rebuild()
