"""The report tags the events once and every chart reads that one relation (issue 20).

On the bundled OTTO sample (a real DuckDB workspace): the charts from the kept tagged relation
and the shared step table equal the per-chart computation from the raw events (each chart
tagging again, as before); the temporary tables are gone when the report is done; and a map
whose rule changed gives the next report the new rule's answer (no stale tagging).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from recorrido import Workspace, analytics
from recorrido.analytics.paths import shared_steps
from recorrido.analytics.tagging import tag_events
from recorrido.demo import bundled
from recorrido.journey import JourneyMap
from recorrido.journey.templates import load_template
from recorrido.measured.scratch import Scratch
from recorrido.report import build, charts_below

TEMP_PREFIX = "_recorrido_tmp_"


@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    folder = tmp_path_factory.mktemp("otto") / "ws"
    with (
        Workspace.init(folder, timezone="UTC", language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    return folder


def _per_chart_answers(source, tagged, steps=None) -> dict[str, pd.DataFrame]:
    """The four charts' analytics questions, as the report asks them."""
    shared = {} if steps is None else {"steps_table": steps}
    return {
        "funnel": analytics.funnel(tagged, ["consider", "buy"], window="30d", level="stage"),
        "sankey": analytics.flows(tagged, "touchpoint", steps=4, include_end=True, **shared),
        "paths": analytics.variants(tagged, "touchpoint", top=8, **shared),
        "retention": analytics.retention(tagged, "week"),
    }


def _charts_json(context: dict) -> str:
    return json.dumps(context["charts"], sort_keys=True, default=str)


def _charts_from_raw_events(measured, ws, journey) -> str:
    """The charts as each one computed them before: from the tagging expression over the raw
    events, nothing kept (no scratch)."""
    tagged = tag_events(ws.events, journey)
    names = {s.id: s.name for s in journey.stages} | {t.id: t.name for t in journey.touchpoints}
    stage_color = {s.id: build.PHASE_COLORS.get(s.phase) for s in journey.stages}
    stage_color = {k: v or build.PHASE_COLORS[None] for k, v in stage_color.items()}
    tp_color = {tp.id: stage_color[journey.stage_of(tp.id).id] for tp in journey.touchpoints}
    charts = charts_below.chart_list(
        measured,
        tagged,
        "en",
        names=names,
        stage_color=stage_color,
        tp_color=tp_color,
        options=measured.options or {},
        funnel_window="30d",
        sankey_steps=4,
        top_paths=8,
        retention_period="week",
    )
    return json.dumps(charts, sort_keys=True, default=str)


def test_kept_relation_gives_the_raw_events_answers(otto):
    journey = load_template("ecommerce", "en")
    with Workspace.open(otto, read_only=True) as ws:
        raw = _per_chart_answers(ws, tag_events(ws.events, journey))
        with Scratch() as scratch:
            kept = charts_below.tagged_once(ws, journey, scratch)
            steps = shared_steps(kept, "touchpoint", keep=scratch.keep)
            once = _per_chart_answers(ws, kept, steps)
    for key, frame in raw.items():
        assert not frame.empty, key
        pd.testing.assert_frame_equal(once[key], frame, check_exact=True, obj=key)


def test_report_charts_equal_the_per_chart_computation_and_leave_no_tables(otto):
    journey = load_template("ecommerce", "en")
    with Workspace.open(otto, read_only=True) as ws:
        measured = ws.measure(journey)
        context = build.build_context(measured, source=ws, lang="en")
        assert all(c["figure"] is not None for c in context["charts"]), context["charts"]
        assert _charts_json(context) == _charts_from_raw_events(measured, ws, journey)
        left = [name for name in ws.con.list_tables() if name.startswith(TEMP_PREFIX)]
        assert left == []


def test_a_changed_rule_changes_the_next_report(otto, tmp_path):
    original = load_template("ecommerce", "en")
    path = tmp_path / "map.yaml"
    original.save(path)
    # Add to cart now matches the orders too: more customers reach it, the paths change.
    text = path.read_text(encoding="utf-8")
    assert text.count("event: carts") == 1
    path.write_text(text.replace("event: carts", "event: [carts, orders]"), encoding="utf-8")
    edited = JourneyMap.load(path)
    with Workspace.open(otto, read_only=True) as ws:
        before = build.build_context(ws.measure(original), source=ws, lang="en")
        measured = ws.measure(edited)
        after = build.build_context(measured, source=ws, lang="en")
        assert _charts_json(after) != _charts_json(before)
        assert _charts_json(after) == _charts_from_raw_events(measured, ws, edited)


@pytest.mark.spark
def test_kept_relation_on_spark_gives_duckdbs_answers(otto, spark_backend, tmp_path):
    """On Spark the tagged relation and the step table are cached DataFrames: the answers are
    DuckDB's, from the raw events, exactly."""
    journey = load_template("ecommerce", "en")
    with Workspace.open(otto, read_only=True) as ws:
        duck = _per_chart_answers(ws, tag_events(ws.events, journey))
        parquet = tmp_path / "events.parquet"
        ws.events.to_parquet(parquet)
    on_spark = spark_backend.read_parquet(str(parquet))
    with Scratch() as scratch:
        kept = charts_below.tagged_once(on_spark, journey, scratch)
        steps = shared_steps(kept, "touchpoint", keep=scratch.keep)
        spark = _per_chart_answers(on_spark, kept, steps)
    for key, frame in duck.items():
        pd.testing.assert_frame_equal(
            spark[key].reset_index(drop=True),
            frame.reset_index(drop=True),
            check_exact=True,
            obj=key,
        )
