"""The JSON Schema of map files: committed, never drifting from the model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from recorrido.cli import app
from recorrido.journey import map_schema, map_schema_text

COMMITTED = Path(__file__).resolve().parents[1] / "schemas" / "journey-map.schema.json"


def test_committed_schema_is_what_the_command_prints():
    result = CliRunner().invoke(app, ["map", "schema"])
    assert result.exit_code == 0
    assert result.stdout == COMMITTED.read_text(encoding="utf-8") == map_schema_text()


def test_schema_describes_the_map():
    schema = map_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) == {"name", "stages"}
    assert schema["additionalProperties"] is False
    stage = schema["$defs"]["Stage"]["properties"]
    assert stage["phase"]["enum"] == ["before", "during", "after"]
    assert {"pain_points", "moments_of_truth", "notes", "emotion"} <= set(stage)
    rule = schema["$defs"]["Rule"]["properties"]
    assert {"event", "channel", "where", "all", "any", "not"} == set(rule)
    assert {"type": "string"} in rule["event"]["anyOf"]  # one name or a list of names
    assert {"type": "null"} not in rule["event"]["anyOf"]  # optional keys are left out
    condition = schema["$defs"]["Condition"]["properties"]
    assert {"property", "equals", "in", "regex", "gt", "exists"} <= set(condition)
    emotion = schema["$defs"]["Emotion"]["properties"]["score"]
    assert (emotion["minimum"], emotion["maximum"]) == (-2, 2)


def test_schema_written_to_a_file(tmp_path):
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(app, ["map", "schema", "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == map_schema()
