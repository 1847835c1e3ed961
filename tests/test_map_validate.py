"""`recorrido map validate`: every problem of a real YAML file, with its line, column and path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recorrido.cli import app
from recorrido.journey import JourneyMap, MapInvalid, check_text, validate_map
from recorrido.journey.templates import TEMPLATES
from tests.conftest import FILES

MAPS = FILES / "maps"


@pytest.mark.parametrize(
    ("name", "code", "path", "line", "column"),
    [
        ("duplicate_id", "duplicate_id", "stages[1].touchpoints[0].id", 14, 13),
        ("unknown_reference", "unknown_reference", "stages[0].touchpoints[0].personas[1]", 13, 25),
        ("stage_without_touchpoint", "stage_without_touchpoint", "stages[1]", 11, 5),
        ("empty_rule", "empty_rule", "stages[0].touchpoints[0].match", 10, 16),
        ("unknown_phase", "unknown_choice", "stages[0].phase", 7, 12),
        ("invalid_regex", "invalid_regex", "stages[0].touchpoints[0].match.where[0].regex", 14, 22),
        ("goal_unknown_touchpoint", "goal_unknown_touchpoint", "goal.touchpoint", 12, 15),
        ("unknown_key", "unknown_key", "stages[0].touchpoints[0].chanel", 10, 9),
        ("emotion_out_of_range", "out_of_range", "stages[0].emotion.score", 8, 14),
        ("malformed", "yaml_syntax", "", 8, 16),
        (
            "condition_operator",
            "condition_operator",
            "stages[0].touchpoints[0].match.where[0]",
            13,
            15,
        ),
        ("missing_key", "missing_key", "stages[0].name", 5, 5),
    ],
)
def test_each_problem_has_its_line_and_path(name, code, path, line, column):
    problems = validate_map(MAPS / f"{name}.yaml")
    assert [(p.code, p.path, p.line, p.column) for p in problems] == [(code, path, line, column)]


def test_messages_speak_the_maps_language_with_hints():
    (typo,) = validate_map(MAPS / "unknown_key.yaml")
    assert "Did you mean `channel`?" in typo.message
    (goal,) = validate_map(MAPS / "goal_unknown_touchpoint.yaml")
    assert "`purchase`" in goal.message
    (phase,) = validate_map(MAPS / "unknown_phase.yaml")  # language: es
    assert phase.message == "Valor desconocido «durante»: usa uno de before, during, after."
    (same,) = validate_map(MAPS / "unknown_phase.yaml", lang="en")
    assert same.message.startswith("Unknown value 'durante'")
    (broken,) = validate_map(MAPS / "malformed.yaml")  # unreadable, yet its language is found
    assert broken.message.startswith("The YAML is malformed")
    assert "line 7, column 12" in broken.message  # where the unclosed list began
    (regex,) = validate_map(MAPS / "invalid_regex.yaml")
    assert "(character 10)" in regex.message and "lookaround" in regex.message


def test_wrong_types_and_choices_at_once():
    problems = validate_map(MAPS / "wrong_type.yaml")
    assert [(p.code, p.path, p.line) for p in problems] == [
        ("unknown_choice", "stages[0].touchpoints[0].mode", 10),
        ("wrong_type", "stages[0].touchpoints[0].resources", 11),
    ]
    assert "self-service, assisted" in problems[0].message
    assert "expected a list" in problems[1].message


def test_all_problems_reported_at_once_in_spanish():
    problems = validate_map(MAPS / "many_problems.yaml")
    found = [(p.code, p.path, p.line) for p in problems]
    assert found == [
        ("unknown_reference", "objectives[0].stages[1]", 7),
        ("unknown_choice", "stages[0].phase", 11),
        ("unknown_key", "stages[0].touchpoints[0].canal", 15),
        ("invalid_regex", "stages[0].touchpoints[0].match.where[0].regex", 19),
        ("duplicate_id", "stages[0].touchpoints[1].id", 20),
        ("empty_rule", "stages[0].touchpoints[1].match", 22),
        ("stage_without_touchpoint", "stages[1]", 23),
        ("bad_id", "stages[1].id", 23),
        ("goal_unknown_touchpoint", "goal.touchpoint", 26),
    ]
    assert all(p.column >= 1 for p in problems)
    assert problems[2].message.startswith("Clave desconocida «canal». ¿Quisiste decir `channel`?")


def test_more_rule_problems():
    text = """\
name: Rules
language: en
stages:
  - id: a
    name: A
    touchpoints:
      - id: t
        name: T
        match:
          any: []
      - id: u
        name: U
        match:
          where:
            - {property: "a'b", exists: true}
            - {property: page, contains: 3}
            - {property: page, regex: "[[:alpha:]]"}
            - {property: page}
      - id: v
        name: V
        match:
      - id: w
        name: W
goal: {touchpoint: w}
"""
    problems, journey = check_text(text)
    assert journey is None
    found = [(p.code, p.path, p.line) for p in problems]
    assert found == [
        ("empty_rule", "stages[0].touchpoints[0].match.any", 10),
        ("invalid_property_key", "stages[0].touchpoints[1].match.where[0].property", 15),
        ("wrong_type", "stages[0].touchpoints[1].match.where[1].contains", 16),
        ("invalid_regex", "stages[0].touchpoints[1].match.where[2].regex", 17),
        ("condition_operator", "stages[0].touchpoints[1].match.where[3]", 18),
        ("empty_rule", "stages[0].touchpoints[2].match", 21),
        ("goal_unmeasured", "goal.touchpoint", 24),
    ]


def test_not_a_map_and_empty_stages():
    problems, _ = check_text("- just\n- a list\n")
    assert [p.code for p in problems] == ["not_a_mapping"]
    problems, _ = check_text("name: x\nlanguage: en\nstages: []\n")
    assert [(p.code, p.path, p.line) for p in problems] == [("empty_list", "stages", 3)]
    problems, _ = check_text("language: en\n")
    assert [(p.code, p.path) for p in problems] == [
        ("missing_key", "name"),
        ("missing_key", "stages"),
    ]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_template_is_valid(name, lang):
    from recorrido.journey import load_template

    journey = load_template(name, lang)
    assert journey.language == lang
    assert journey.goal is not None


def test_load_raises_with_all_problems(tmp_path):
    with pytest.raises(MapInvalid) as caught:
        JourneyMap.load(MAPS / "many_problems.yaml")
    assert len(caught.value.problems) == 9
    assert "line 7" in caught.value.localized("en")
    from recorrido.errors import RecorridoError

    with pytest.raises(RecorridoError) as missing:
        JourneyMap.load(tmp_path / "nope.yaml")
    assert missing.value.key == "map_file_missing"


# -- the command ---------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_validate_valid_and_invalid(tmp_path):
    good = tmp_path / "shop.yaml"
    result = runner.invoke(app, ["map", "new", "-o", str(good), "--template", "ecommerce"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["map", "validate", str(good), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["valid"], data["stages"], data["touchpoints"], data["problems"]) == (
        True,
        5,
        11,
        [],
    )

    result = runner.invoke(app, ["map", "validate", str(MAPS / "many_problems.yaml"), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    first = data["problems"][0]
    assert (first["code"], first["path"], first["line"], first["column"]) == (
        "unknown_reference",
        "objectives[0].stages[1]",
        7,
        22,
    )
    assert first["message"].startswith("No hay ninguna etapa")


def test_cli_validate_human_output_and_lang_override():
    result = runner.invoke(
        app, ["--lang", "en", "map", "validate", str(MAPS / "unknown_phase.yaml")]
    )
    assert result.exit_code == 1
    assert "stages[0].phase" in result.output
    assert "Unknown value 'durante'" in result.output
    result = runner.invoke(app, ["map", "validate", str(Path("no/such/map.yaml")), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"] == "map_file_missing"
