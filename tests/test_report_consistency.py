"""One number for one thing (issue 16): one inactivity default for every command, stated on the
page; the stage funnel says why it differs from the map; and the smaller things a first hour
trips on (a share just short of everyone, "1 findings", numeric event names, empty lanes,
channel ids in a Spanish report)."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido.analytics.windows import DEFAULT_INACTIVITY
from recorrido.demo import bundled
from recorrido.i18n import message
from recorrido.insights.findings import FrictionOptions
from recorrido.insights.sentences import percent
from recorrido.journey import JourneyMap
from recorrido.journey.templates import load_template
from recorrido.journey.validate import check_text
from recorrido.report.build import build_context
from recorrido.report.readings import funnel_vs_map
from recorrido.report.render import format_percent


@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    folder = tmp_path_factory.mktemp("consistency") / "ws"
    with (
        Workspace.init(folder, timezone="UTC", language="es") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    with Workspace.open(folder, read_only=True) as ws:
        yield ws


def test_one_inactivity_default_everywhere(otto):
    from recorrido.cli.insights import friction
    from recorrido.cli.measure import measure
    from recorrido.cli.report import report
    from recorrido.measured.measured_map import measure as measure_map

    defaults = {
        "measure()": inspect.signature(measure_map).parameters["inactivity"].default,
        "recorrido measure": inspect.signature(measure).parameters["inactivity"].default,
        "recorrido report": inspect.signature(report).parameters["inactivity"].default,
        "recorrido friction": inspect.signature(friction).parameters["inactivity"].default,
        "friction()": FrictionOptions().inactivity,
    }
    assert set(defaults.values()) == {DEFAULT_INACTIVITY}, defaults
    # the demo measures with the default (no inactivity of its own)
    import recorrido.demo as demo

    assert "inactivity=" not in inspect.getsource(demo._measure_demo_map)
    measured = otto.measure(load_template("ecommerce", "es"))
    assert measured.options["inactivity"] == DEFAULT_INACTIVITY
    # and the page says which one it used
    context = build_context(measured, lang="es")
    assert context["inactivity"] == "7 días"


def test_the_funnel_says_why_it_differs_from_the_map():
    steps = pd.DataFrame({"step": ["apply", "approved"], "customers": [2500, 2058]})
    names = {"apply": "Solicitud", "approved": "Aprobada"}
    text = funnel_vs_map(steps, {"apply": 2500, "approved": 2246}, names, "en", "within 30 days")
    assert "2,246" in text and "2,058" in text and "within 30 days" in text and "'Aprobada'" in text
    assert funnel_vs_map(steps, {"apply": 2500, "approved": 2058}, names, "en", "x") is None
    es = funnel_vs_map(steps, {"apply": 2500, "approved": 2246}, names, "es", "en 30 días")
    assert "2.246" in es and "2.058" in es


def test_a_share_short_of_everyone_is_never_100():
    assert format_percent(0.9987, "es") == "99,8 %"
    assert format_percent(0.9987, "en") == "99.8%"
    assert format_percent(0.99999, "en", decimals=1) == "99.9%"
    assert format_percent(1.0, "en") == "100%" and format_percent(0.35, "es") == "35 %"
    assert percent(0.9987, "es") == "99,8 %" and percent(0.5, "en") == "50%"
    from recorrido.cli.analytics_io import percent as cli_percent

    assert cli_percent(0.99987) == "99.9%" and cli_percent(1.0) == "100.0%"


def test_one_finding_is_singular():
    params = {"name": "m", "count": 1, "tested": 4, "customers": 9}
    assert "1 finding (" in message("insights_friction_title_one", "en", **params)
    assert "1 hallazgo (" in message("insights_friction_title_one", "es", **params)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_numeric_event_names_get_a_quote_hint(lang):
    text = """version: 1
name: t
stages:
  - id: s
    name: S
    touchpoints:
      - {id: a, name: A, match: {event: 404}}
      - {id: b, name: B, match: {event: [view, 2024]}}
"""
    problems, parsed = check_text(text, lang)
    assert parsed is None and [p.code for p in problems] == ["wrong_type", "wrong_type"]
    assert '"404"' in problems[0].message and '"2024"' in problems[1].message
    assert ("quotes" if lang == "en" else "comillas") in problems[0].message


def test_no_empty_lanes_and_channels_in_the_reader_language(otto):
    data = load_template("ecommerce", "es").model_dump(mode="json", exclude_none=True)
    for stage in data["stages"]:
        for lane in ("emotion", "notes", "pain_points"):
            stage.pop(lane, None)
    bare = JourneyMap.model_validate(data)
    lanes = build_context(otto.measure(bare), lang="es")["lanes"]
    assert "emotion" not in lanes and "notes" not in lanes and "pain_points" not in lanes
    assert "touchpoints" in lanes

    full = build_context(otto.measure(load_template("ecommerce", "es")), lang="es")
    assert "emotion" in full["lanes"]
    channels = {tp["id"]: tp["channel"] for s in full["stages"] for tp in s["touchpoints"]}
    assert channels["newsletter"] == "correo" and channels["ads"] == "redes sociales"
    english = build_context(otto.measure(load_template("ecommerce", "en")), lang="en")
    channels = {tp["id"]: tp["channel"] for s in english["stages"] for tp in s["touchpoints"]}
    assert channels["newsletter"] == "email"
