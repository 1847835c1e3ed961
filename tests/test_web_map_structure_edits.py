"""The editor's structural and whole-map edits on the map file's text: a touchpoint moved into
another stage, a stage or touchpoint removed, the map's name, language and goal, a stage's
phase and description, a touchpoint's channel, KPI and personas. Each keeps the file's comments
and the order of what did not change, and what breaks a reference is refused by validation."""

from __future__ import annotations

import pytest

from recorrido.journey import JourneyMap
from recorrido.journey.templates import template_text
from recorrido.web import map_details, map_edits, map_header
from recorrido.web.map_edits import EditRefused


@pytest.fixture
def text() -> str:
    return template_text("ecommerce", "en")


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


def _stage_of(journey: JourneyMap, touchpoint_id: str) -> str:
    for stage in journey.stages:
        if any(tp.id == touchpoint_id for tp in stage.touchpoints):
            return stage.id
    raise KeyError(touchpoint_id)


def test_a_touchpoint_moves_into_another_stage_with_its_rule_and_comment(text):
    before = JourneyMap.loads(text)
    assert _stage_of(before, "ads") == "discover"
    rule = before.touchpoint("ads").match
    moved = map_edits.move_to_stage(text, "ads", "consider", 0)
    after = JourneyMap.loads(moved)
    assert _stage_of(after, "ads") == "consider"
    assert next(tp.id for tp in after.stage("consider").touchpoints) == "ads"
    assert "ads" not in [tp.id for tp in after.stage("discover").touchpoints]
    assert after.touchpoint("ads").match == rule
    assert _comments(moved) == _comments(text)  # "# ad_view, ad_click, ..." travels with it
    assert map_edits.check(moved, "en") == []
    # without a position it goes last; to its own stage it is a move within the stage
    last = JourneyMap.loads(map_edits.move_to_stage(text, "ads", "consider"))
    assert [tp.id for tp in last.stage("consider").touchpoints][-1] == "ads"
    same = JourneyMap.loads(map_edits.move_to_stage(text, "ads", "discover"))
    assert [tp.id for tp in same.stage("discover").touchpoints] == ["search", "ads"]


def test_moving_to_an_unknown_stage_is_refused(text):
    with pytest.raises(EditRefused):
        map_edits.move_to_stage(text, "ads", "no-such-stage")
    with pytest.raises(EditRefused):
        map_edits.move_to_stage(text, "no-such-touchpoint", "buy")


def test_removing_keeps_the_rest_and_a_broken_reference_is_refused(text):
    journey = JourneyMap.loads(text)
    removed = map_edits.remove(text, "search")
    assert map_edits.check(removed, "en") == []
    after = JourneyMap.loads(removed)
    assert [tp.id for tp in after.stage("discover").touchpoints] == ["ads"]
    assert len(after.touchpoints) == len(journey.touchpoints) - 1
    # the goal's touchpoint cannot go: validation names the goal
    goal = journey.goal.touchpoint
    problems = map_edits.check(map_edits.remove(text, goal), "en")
    assert any("goal" in p.path for p in problems), problems
    # a stage an objective names cannot go either
    problems = map_edits.check(map_edits.remove(text, "consider"), "en")
    assert any(p.path.startswith("objectives") for p in problems), problems


def test_the_map_header_sets_name_language_and_goal(text):
    journey = JourneyMap.loads(text)
    other = next(
        tp.id
        for tp in journey.touchpoints
        if tp.match is not None and tp.id != journey.goal.touchpoint
    )
    changed = map_header.set_header(
        text,
        {
            "name": "Tienda",
            "description": "",
            "language": "es",
            "goal_touchpoint": other,
            "goal_event": "",
        },
    )
    after = JourneyMap.loads(changed)
    assert (after.name, after.language, after.description) == ("Tienda", "es", None)
    assert after.goal.touchpoint == other and after.goal.event is None
    by_event = JourneyMap.loads(
        map_header.set_header(text, {"goal_touchpoint": "", "goal_event": "order*"})
    )
    assert by_event.goal.event == "order*" and by_event.goal.touchpoint is None
    no_goal = JourneyMap.loads(
        map_header.set_header(text, {"goal_touchpoint": "", "goal_event": ""})
    )
    assert no_goal.goal is None
    with pytest.raises(EditRefused) as both:
        map_header.set_header(text, {"goal_touchpoint": other, "goal_event": "orders"})
    assert both.value.key == "web_edit_goal_both"
    with pytest.raises(EditRefused):
        map_header.set_header(text, {"language": "fr"})
    # the same values sent back change nothing in the file
    same = map_header.header(text)
    assert map_header.set_header(text, same) == text


def test_stage_phase_and_description(text):
    changed = map_details.set_stage_details(
        text, "consider", {"phase": "during", "description": "Compares <b>prices</b>"}
    )
    stage = JourneyMap.loads(changed).stage("consider")
    assert stage.phase == "during" and stage.description == "Compares <b>prices</b>"
    assert _comments(changed) == _comments(text)
    cleared = JourneyMap.loads(
        map_details.set_stage_details(text, "consider", {"phase": "", "description": ""})
    ).stage("consider")
    assert cleared.phase is None and cleared.description is None
    with pytest.raises(EditRefused):
        map_details.set_stage_details(text, "consider", {"phase": "later"})
    shown = map_details.details(changed)["stages"]["consider"]
    assert (shown["phase"], shown["description"]) == ("during", "Compares <b>prices</b>")


def test_touchpoint_channel_kpi_and_personas(text):
    changed = map_details.set_touchpoint_details(
        text,
        "search",
        {"channel": "app", "kpi_metric": "searches with a click", "kpi_target": "0,4"},
        ["decided-buyer", "browser"],
    )
    tp = JourneyMap.loads(changed).touchpoint("search")
    assert tp.channel == "app"
    assert (tp.kpi.metric, tp.kpi.target) == ("searches with a click", 0.4)
    assert tp.personas == ["decided-buyer", "browser"]
    assert _comments(changed) == _comments(text)
    # an existing flow-style KPI keeps its style; no metric removes it; a lone target is refused
    ads = map_details.set_touchpoint_details(
        text, "ads", {"kpi_metric": "ctr", "kpi_target": "0.02"}
    )
    assert "kpi: {metric: ctr, target: 0.02}" in ads
    gone = map_details.set_touchpoint_details(text, "ads", {"kpi_metric": "", "kpi_target": ""}, [])
    ads_tp = JourneyMap.loads(gone).touchpoint("ads")
    assert ads_tp.kpi is None and ads_tp.personas == []
    with pytest.raises(EditRefused) as lone:
        map_details.set_touchpoint_details(text, "ads", {"kpi_metric": "", "kpi_target": "3"})
    assert lone.value.key == "web_edit_kpi_no_metric"
    # a persona the map does not have is a validation problem, not a silent save
    unknown = map_details.set_touchpoint_details(text, "search", {}, ["nobody"])
    assert any("personas" in p.path for p in map_edits.check(unknown, "en"))
    # personas=None (a form without the checkboxes) leaves them alone
    kept = map_details.set_touchpoint_details(text, "ads", {"channel": "social"}, None)
    assert JourneyMap.loads(kept).touchpoint("ads").personas == ["browser"]


def test_a_persona_id_changes_with_the_touchpoints_that_name_it(text):
    changed = map_details.change_id(text, "personas", "browser", "javi")
    journey = JourneyMap.loads(changed)
    assert [p.id for p in journey.personas] == ["decided-buyer", "javi"]
    assert journey.touchpoint("ads").personas == ["javi"]
    assert "browser" not in [p for tp in journey.touchpoints for p in tp.personas]
    assert map_edits.check(changed, "en") == []
    assert _comments(changed) == _comments(text)
    objective = JourneyMap.loads(map_details.change_id(text, "objectives", "conversion", "sales"))
    assert next(o.id for o in objective.objectives) == "sales"
    assert map_details.change_id(text, "personas", "browser", "browser") == text
    with pytest.raises(EditRefused) as taken:
        map_details.change_id(text, "personas", "browser", "buy")  # a stage's id
    assert taken.value.key == "web_edit_id_taken"
    with pytest.raises(EditRefused) as invalid:
        map_details.change_id(text, "personas", "browser", "no spaces")
    assert invalid.value.key == "web_edit_id_invalid"
    with pytest.raises(EditRefused):
        map_details.change_id(text, "stages", "buy", "purchase-stage")
