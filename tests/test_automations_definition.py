"""Automation files: the model, problems with line and column in both languages, templates
against their maps, the published JSON Schema, and the time logic (zones, DST, quiet hours)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recorrido.automations.model import QuietHours, WaitUntil
from recorrido.automations.schema import automation_schema_text
from recorrido.automations.templates import TEMPLATES, template_text
from recorrido.automations.timing import (
    bucket,
    in_holdout,
    next_local_time,
    quiet_until,
    variant_of,
    zone_of,
)
from recorrido.automations.validate import AutomationInvalid, check_text, load_text
from recorrido.journey.templates import load_template

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "automation.schema.json"

BROKEN = """\
id: cart
name: Cart
language: en
entry:
  event: carts
  reentry: per_key
steps:
  - id: wait
    wait: 3 days
  - id: quiet
    wait_until: {time: "25:00"}
  - id: odd
    bogus: 1
"""


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_template_is_valid_against_its_map(name: str, lang: str) -> None:
    journey = load_template(TEMPLATES[name], lang)
    problems, automation = check_text(template_text(name, lang), None, journey)
    assert problems == []
    assert automation is not None and automation.language == lang


def test_problems_point_at_line_and_column_in_english() -> None:
    problems, automation = check_text(BROKEN)
    assert automation is None
    found = {(p.line, p.column, p.path, p.code) for p in problems}
    assert found == {
        (5, 3, "entry", "key_needed"),
        (9, 11, "steps[0].wait", "bad_duration"),
        (11, 24, "steps[1].wait_until.time", "bad_time"),
        (13, 5, "steps[2].bogus", "unknown_key"),
    }
    duration = next(p for p in problems if p.code == "bad_duration")
    assert duration.message == "'3 days' is not a duration: write e.g. 30m, 2h, 3d or 1w."


def test_problems_in_spanish_and_the_error_counts_them() -> None:
    problems, _ = check_text(BROKEN, "es")
    assert "no es una duración" in next(p for p in problems if p.code == "bad_duration").message
    with pytest.raises(AutomationInvalid) as caught:
        load_text(BROKEN, "cart.yaml")
    assert caught.value.problems[0].line == 5
    assert "cart.yaml has 4 problem(s)" in str(caught.value)


def test_references_are_checked_against_the_map() -> None:
    journey = load_template("ecommerce", "en")
    text = """\
id: call
name: Call
entry: {touchpoint: add-to-kart}
steps:
  - {id: task, task: {touchpoint: phone-help, text: Call}}
  - {id: task, email: {subject: "Hi {{ name }}", body: "{% if %}"}}
"""
    problems, _ = check_text(text, "en", journey)
    shown = {(p.line, p.path, p.code) for p in problems}
    assert shown == {
        (3, "entry.touchpoint", "unknown_touchpoint"),
        (5, "steps[0].task.touchpoint", "unknown_touchpoint"),
        (6, "steps[1].id", "duplicate_step"),
        (6, "steps[1].email.body", "template"),
    }
    entry = next(p for p in problems if p.path == "entry.touchpoint")
    assert "add-to-cart" in entry.message  # did you mean


def test_yaml_syntax_error_has_a_position() -> None:
    problems, _ = check_text("id: x\nname: [unclosed\n")
    assert problems[0].code == "yaml_syntax" and problems[0].line >= 2


def test_committed_schema_is_current_and_templates_follow_it() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == automation_schema_text()
    schema = json.loads(automation_schema_text())
    assert schema["required"] == ["id", "name", "entry", "steps"]
    step = schema["$defs"]["Step"]["properties"]
    assert set(step) >= {"wait", "wait_until", "wait_for", "split", "email", "webhook", "task"}


def test_wait_until_local_time_across_madrid_dst() -> None:
    madrid = zone_of("Europe/Madrid")
    # Saturday 28 March 2026, noon UTC; clocks go forward on Sunday 29 at 02:00.
    after = datetime(2026, 3, 28, 12, tzinfo=UTC)
    assert next_local_time(after, madrid, WaitUntil(time="10:00")) == datetime(
        2026, 3, 29, 8, tzinfo=UTC
    )  # 10:00 CEST
    # 02:30 does not exist that night: the wait ends at 03:30 local.
    assert next_local_time(after, madrid, WaitUntil(time="02:30")) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    # Only weekdays: the Monday.
    monday = next_local_time(after, madrid, WaitUntil(time="10:00", days=["mon"]))
    assert monday == datetime(2026, 3, 30, 8, tzinfo=UTC)
    # Autumn: 10:00 CET on Sunday 25 October is 09:00 UTC.
    autumn = next_local_time(
        datetime(2026, 10, 24, 12, tzinfo=UTC), madrid, WaitUntil(time="10:00")
    )
    assert autumn == datetime(2026, 10, 25, 9, tzinfo=UTC)


def test_quiet_hours_in_the_customers_zone() -> None:
    quiet = QuietHours(start="21:00", end="09:00")
    madrid = zone_of("Europe/Madrid")
    # 21:30 UTC on 24 October is 23:30 CEST: quiet until 09:00 CET on the 25th (after DST ends).
    assert quiet_until(datetime(2026, 10, 24, 21, 30, tzinfo=UTC), madrid, quiet) == datetime(
        2026, 10, 25, 8, tzinfo=UTC
    )
    assert quiet_until(datetime(2026, 10, 24, 12, tzinfo=UTC), madrid, quiet) is None
    # 06:00 UTC is 06:00 in UTC (quiet) but 15:00 in Tokyo (not quiet).
    early = datetime(2026, 6, 1, 6, tzinfo=UTC)
    assert quiet_until(early, zone_of("UTC"), quiet) == datetime(2026, 6, 1, 9, tzinfo=UTC)
    assert quiet_until(early, zone_of("Asia/Tokyo"), quiet) is None
    assert zone_of("Not/AZone").key == "UTC"


def test_groups_are_stable_and_near_their_shares() -> None:
    assert bucket("c1", "cart") == bucket("c1", "cart")
    held = sum(in_holdout(f"c{i}", "cart", 10) for i in range(10_000))
    assert 900 < held < 1100
    variants = [variant_of(f"c{i}", "cart", "offer", [1, 3]) for i in range(10_000)]
    assert 2300 < variants.count(0) < 2700
