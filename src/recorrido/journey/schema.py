"""The JSON Schema of a map file, for editors (autocomplete, checks as you type) and other tools.

The committed copy is ``schemas/journey-map.schema.json``; a test keeps it equal to this output.
A map file points at it with a first line such as
``# yaml-language-server: $schema=journey-map.schema.json`` (a path relative to the map).
"""

from __future__ import annotations

import json
from typing import Any

from recorrido.journey.model import JourneyMap

SCHEMA_ID = "urn:recorrido:journey-map:v1"


def map_schema() -> dict[str, Any]:
    schema = _without_null(JourneyMap.model_json_schema(by_alias=True, mode="validation"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "recorrido journey map",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def _without_null(node: Any) -> Any:
    """Optional keys are left out, not written as null (``validate`` refuses ``match: null``)."""
    if isinstance(node, list):
        return [_without_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _without_null(v) for k, v in node.items()}
    branches = node.get("anyOf")
    if isinstance(branches, list) and {"type": "null"} in branches:
        rest = [b for b in branches if b != {"type": "null"}]
        node.pop("anyOf")
        if node.get("default", ...) is None:
            node.pop("default")
        if len(rest) == 1:
            node = {**rest[0], **node}
        else:
            node["anyOf"] = rest
    return node


def map_schema_text() -> str:
    return json.dumps(map_schema(), indent=2, ensure_ascii=False) + "\n"
