"""The journey map: a YAML file validated by a typed model, with templates and match rules.

``JourneyMap.load(path)`` reads and validates a map, ``validate_map(path)`` lists its problems,
``rule.predicate(table)`` selects a touchpoint's events in any Ibis engine, ``check_map`` measures
how well the map covers a workspace's events.

Names are imported on first use: :mod:`recorrido.i18n` imports this package's message catalog
while it is itself being imported, so this file must not import anything that needs i18n.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "Coverage": "check",
    "TouchpointCoverage": "check",
    "check_map": "check",
    "Emotion": "model",
    "Goal": "model",
    "JourneyMap": "model",
    "Kpi": "model",
    "Objective": "model",
    "Persona": "model",
    "Stage": "model",
    "Touchpoint": "model",
    "Condition": "rules",
    "Rule": "rules",
    "map_schema": "schema",
    "map_schema_text": "schema",
    "TEMPLATES": "templates",
    "load_template": "templates",
    "template_text": "templates",
    "MapInvalid": "validate",
    "Problem": "validate",
    "check_text": "validate",
    "validate_map": "validate",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
