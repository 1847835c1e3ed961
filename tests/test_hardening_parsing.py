"""Hostile YAML and JSON (aliases of aliases, thousands of levels) end fast with a clear message.

Each file of ``tests/files/hostile/`` is a few KB; reading one must take under a second and
200 MB, and end with a message a person can act on, never a ``RecursionError`` or a hang.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.bounded import MAX_DEPTH, TooLarge, check_tree, json_loads, yaml_safe_load
from recorrido.cli import app
from recorrido.errors import RecorridoError
from recorrido.events.mapping import load_mapping_file
from recorrido.journey.validate import validate_map
from tests.conftest import FILES

HOSTILE = FILES / "hostile"
MAPS = {
    "billion_laughs_map.yaml": "aliases",
    "deep_flow_map.yaml": "levels",
    "deep_block_map.yaml": "levels",
    "self_alias_map.yaml": None,  # ruamel breaks the cycle itself: an ordinary invalid map
}


def bounded(action):
    """``action()``'s result, checked to take under a second and, traced, 200 MB at most.

    Timed once untraced (tracing allocations slows Python several times), then run again under
    tracemalloc for the peak.
    """
    started = time.perf_counter()
    with contextlib.suppress(Exception):
        action()
    seconds = time.perf_counter() - started
    assert seconds < 1.0, f"took {seconds:.2f} s"
    tracemalloc.start()
    try:
        return action()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 200 * 2**20, f"peaked at {peak / 2**20:.0f} MB"


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Imports happen once, outside the measured calls (every part's messages, the model)."""
    from recorrido.i18n import all_messages

    all_messages()
    validate_map(FILES.parent.parent / "src/recorrido/journey/templates/ecommerce.es.yaml")


@pytest.mark.parametrize("name", MAPS)
def test_hostile_maps_fail_fast_with_a_clear_problem(name):
    problems = bounded(lambda: validate_map(HOSTILE / name, "en"))
    assert problems, name
    if MAPS[name]:
        [problem] = problems
        assert problem.code == "yaml_syntax"
        assert MAPS[name] in problem.message
    spanish = validate_map(HOSTILE / name, "es")
    if MAPS[name] == "aliases":
        assert "alias" in spanish[0].message and "200000" in spanish[0].message


@pytest.mark.parametrize("name", ["billion_laughs_map.yaml", "deep_flow_map.yaml"])
def test_map_commands_show_the_problem_not_a_traceback(name, tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["--lang", "en", "map", "validate", str(HOSTILE / name)])
    assert done.exit_code == 1
    assert not isinstance(done.exception, RecursionError | MemoryError)
    assert "Traceback" not in done.output and "malformed" in done.output
    workspace = tmp_path / "ws"
    Workspace.init(workspace).close()
    measured = runner.invoke(app, ["measure", str(HOSTILE / name), "-w", str(workspace)])
    assert measured.exit_code != 0 and isinstance(measured.exception, SystemExit)


def test_the_settings_file_is_bounded_too(tmp_path):
    folder = tmp_path / "ws"
    Workspace.init(folder).close()
    shutil.copy(HOSTILE / "billion_laughs_settings.yaml", folder / "recorrido.yaml")
    with pytest.raises(RecorridoError) as refused:
        bounded(lambda: Workspace.open(folder))
    assert refused.value.key == "settings_invalid"


def test_a_deep_mapping_file_is_refused():
    with pytest.raises(RecorridoError) as refused:
        bounded(lambda: load_mapping_file(HOSTILE / "deep_mapping.json"))
    assert refused.value.key == "mapping_file_invalid"
    assert "levels" in str(refused.value)


def test_a_deep_ndjson_value_is_kept_as_json_and_counts_add_up(workspace):
    report = workspace.ingest(HOSTILE / "deep_line.ndjson")
    assert (report.rows_read, report.ingested, report.quarantined) == (2, 2, 0)
    deep = workspace.query("SELECT properties FROM events WHERE event = 'deep'").to_pylist()
    assert len(deep) == 1


def test_the_limits_themselves():
    aliased: list = ["lol"] * 9
    for _ in range(9):
        aliased = [aliased] * 9  # the same list nine times, nine levels: 9**10 once expanded
    with pytest.raises(TooLarge, match="aliases"):
        bounded(lambda: check_tree(aliased))
    nested: list = []
    for _ in range(MAX_DEPTH):
        nested = [nested]  # MAX_DEPTH + 1 levels
    with pytest.raises(TooLarge, match="levels"):
        check_tree(nested)
    check_tree(nested[0])  # exactly at the limit: fine
    with pytest.raises(json.JSONDecodeError):
        json_loads("[" * 100_000 + "]" * 100_000)
    assert json_loads('{"a": [1]}') == {"a": [1]}
    assert yaml_safe_load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(TooLarge):
        yaml_safe_load("- " * 3000 + "x")


def test_real_templates_are_far_below_the_limits():
    templates = Path(FILES.parent.parent / "src/recorrido/journey/templates")
    for path in templates.rglob("*.yaml"):
        assert validate_map(path) == [], path


def test_a_nul_character_in_a_match_rule_is_refused():
    """YAML's "\\0" escape gives a NUL, which no engine's SQL literal can carry."""
    from recorrido.journey.validate import check_text

    text = (
        "name: x\nstages:\n  - id: s\n    name: S\n    touchpoints:\n"
        '      - id: t\n        name: T\n        match: {event: "a\\0b"}\n'
    )
    problems, journey = check_text(text, "en")
    assert journey is None
    assert problems[0].code == "yaml_syntax" and "x0000" in problems[0].message
    assert check_text(text.replace("\\0", ""), "en")[0] == []
