"""The journey map as a typed model: objectives, personas, stages, touchpoints, goal.

The field names follow the map-making workshop: what the customer wants, needs, does and feels at
each stage, where it hurts, where the company can do better, which moments decide the relationship.
Checks that need the whole map (unique ids, references, goal) live in
:mod:`recorrido.journey.validate` so that all problems of a file are reported at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import Field, PrivateAttr, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from recorrido.journey.base import MapModel, Target
from recorrido.journey.rules import Rule

#: Ids are referenced from other parts of the map and from analytics results: short and plain.
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
Phase = Literal["before", "during", "after"]
Mode = Literal["self-service", "assisted"]
Language = Literal["es", "en"]
Texts = list[str]

PHASES: tuple[str, ...] = ("before", "during", "after")
MODES: tuple[str, ...] = ("self-service", "assisted")
SCHEMA_VERSION = 1


class Objective(MapModel):
    """What the map is for, with the metric that says whether it worked."""

    id: Id
    text: str = Field(description="The objective in words.")
    metric: str | None = Field(None, description="The metric that measures it.")
    target: Target | None = Field(None, description="The value to reach (number or text).")
    stages: list[Id] = Field(default_factory=list, description="Ids of the stages it concerns.")


class Persona(MapModel):
    """A kind of customer, as the team describes them; ``rule`` finds them in the data."""

    id: Id
    name: str
    description: str | None = None
    demographics: str | None = Field(None, description="Age, place, family, occupation.")
    needs: Texts = Field(default_factory=list)
    tastes: Texts = Field(default_factory=list, description="Likes, habits, brands, media.")
    income: str | None = Field(None, description="Income band, e.g. 'medium (30-50 k€)'.")
    rule: Rule | None = Field(
        None, description="Customers with at least one event matching this rule are this persona."
    )


class Emotion(MapModel):
    """How the customer is expected to feel: -2 (very bad) to +2 (very good), and in words."""

    score: int = Field(ge=-2, le=2)
    words: Texts = Field(default_factory=list)


class Kpi(MapModel):
    metric: str
    target: Target | None = None


class Touchpoint(MapModel):
    """A place where customer and company meet; ``match`` says which events are this touchpoint.

    A touchpoint without ``match`` is designed but not measured (a poster, a phone call).
    """

    id: Id
    name: str
    description: str | None = None
    channel: str | None = Field(None, description="web, app, email, store, phone, social, ...")
    mode: Mode | None = Field(None, description="self-service or assisted (a person helps).")
    owner: str | None = Field(None, description="The team or person responsible.")
    resources: Texts = Field(default_factory=list, description="What the company puts here.")
    kpi: Kpi | None = None
    personas: list[Id] = Field(default_factory=list, description="Ids of personas who use it.")
    match: Rule | None = None


class Stage(MapModel):
    """One step of the journey, in order."""

    id: Id
    name: str
    phase: Phase | None = Field(None, description="before, during or after the purchase.")
    description: str | None = None
    goals: Texts = Field(default_factory=list, description="What the customer wants here.")
    needs: Texts = Field(default_factory=list)
    activities: Texts = Field(default_factory=list, description="What the customer does.")
    emotion: Emotion | None = None
    pain_points: Texts = Field(default_factory=list)
    opportunities: Texts = Field(default_factory=list)
    moments_of_truth: Texts = Field(default_factory=list)
    notes: Texts = Field(default_factory=list, description="Field notes from walking the journey.")
    touchpoints: list[Touchpoint] = Field(default_factory=list)


class Goal(MapModel):
    """What counts as success: reaching a touchpoint, or an event name (exact or glob)."""

    touchpoint: Id | None = None
    event: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Goal:
        if (self.touchpoint is None) == (self.event is None):
            raise PydanticCustomError("goal_invalid", "give either touchpoint or event", {})
        return self

    def rule(self, journey: JourneyMap) -> Rule:
        if self.touchpoint is not None:
            found = journey.touchpoint(self.touchpoint).match
            if found is None:
                raise KeyError(self.touchpoint)
            return found
        return Rule(event=self.event)


class JourneyMap(MapModel):
    """A customer journey map. Load with :meth:`load`, save with :meth:`save`.

    A map loaded from a file keeps its YAML document, so saving after an edit keeps the file's
    comments, key order and quoting wherever the content did not change.
    """

    version: Literal[1] = Field(SCHEMA_VERSION, description="Version of this file format.")
    name: str
    language: Language = Field("es", description="Language of the texts and of the messages.")
    description: str | None = None
    objectives: list[Objective] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list)
    stages: list[Stage] = Field(min_length=1)
    goal: Goal | None = None

    _document: Any = PrivateAttr(None)
    _style: Any = PrivateAttr(None)

    # -- files -----------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> JourneyMap:
        """Read and validate a map file; :class:`MapInvalid` lists every problem found."""
        from recorrido.journey.validate import load_map

        return load_map(Path(path))

    @classmethod
    def loads(cls, text: str, source: str = "<text>") -> JourneyMap:
        from recorrido.journey.validate import load_map_text

        return load_map_text(text, source)

    def dumps(self) -> str:
        """The map as YAML; a map read from a file keeps that file's comments and layout."""
        from recorrido.journey.yaml_io import dump_map

        return dump_map(self)

    def save(self, path: str | Path) -> None:
        """Write the map, after checking it is still valid (raises :class:`MapInvalid`)."""
        from recorrido.journey.validate import load_map_text

        text = self.dumps()
        load_map_text(text, str(path))
        Path(path).write_text(text, encoding="utf-8")

    def __eq__(self, other: object) -> bool:
        # The YAML document kept for round trips is layout, not content.
        if not isinstance(other, JourneyMap):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]

    # -- finding parts ---------------------------------------------------------------------
    @property
    def touchpoints(self) -> list[Touchpoint]:
        """Every touchpoint, in map order (stage by stage)."""
        return [tp for stage in self.stages for tp in stage.touchpoints]

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def touchpoint(self, touchpoint_id: str) -> Touchpoint:
        for tp in self.touchpoints:
            if tp.id == touchpoint_id:
                return tp
        raise KeyError(touchpoint_id)

    def stage_of(self, touchpoint_id: str) -> Stage:
        for stage in self.stages:
            if any(tp.id == touchpoint_id for tp in stage.touchpoints):
                return stage
        raise KeyError(touchpoint_id)

    def persona(self, persona_id: str) -> Persona:
        for persona in self.personas:
            if persona.id == persona_id:
                return persona
        raise KeyError(persona_id)

    # -- on event tables -------------------------------------------------------------------
    def measured(self) -> list[tuple[Stage, Touchpoint, Rule]]:
        """The touchpoints that have a match rule, with their stage, in map order."""
        return [
            (stage, tp, tp.match)
            for stage in self.stages
            for tp in stage.touchpoints
            if tp.match is not None
        ]

    def touchpoint_expr(self, table: ir.Table, engine: str | None = None) -> ir.StringValue:
        """Each event's touchpoint id: the first touchpoint in map order whose rule matches."""
        return self._first_match(table, engine, lambda stage, tp: tp.id)

    def stage_expr(self, table: ir.Table, engine: str | None = None) -> ir.StringValue:
        """Each event's stage id, from the same first matching touchpoint."""
        return self._first_match(table, engine, lambda stage, tp: stage.id)

    def persona_customers(
        self, table: ir.Table, persona_id: str, engine: str | None = None
    ) -> ir.Table:
        """The customers (one ``customer_id`` column) with at least one event matching the
        persona's rule; empty when the persona has no rule."""
        rule = self.persona(persona_id).rule
        if rule is None:
            return table.filter(ibis.literal(False)).select("customer_id").distinct()
        return table.filter(rule.predicate(table, engine)).select("customer_id").distinct()

    def _first_match(self, table, engine, label) -> ir.StringValue:
        engine = engine or ibis.get_backend(table).name
        cases = [(rule.predicate(table, engine), label(s, tp)) for s, tp, rule in self.measured()]
        if not cases:
            return ibis.null("string")
        return ibis.cases(*cases, else_=ibis.null("string"))
