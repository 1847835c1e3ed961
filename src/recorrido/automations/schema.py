"""The JSON Schema of an automation file, for editors and other tools.

The committed copy is ``schemas/automation.schema.json``; a test keeps it equal to this output.
"""

from __future__ import annotations

import json
from typing import Any

from recorrido.automations.model import Automation
from recorrido.journey.schema import _without_null

SCHEMA_ID = "urn:recorrido:automation:v1"


def automation_schema() -> dict[str, Any]:
    schema = _without_null(Automation.model_json_schema(by_alias=True, mode="validation"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "recorrido automation",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def automation_schema_text() -> str:
    return json.dumps(automation_schema(), indent=2, ensure_ascii=False) + "\n"
