"""The measured map: every stage and touchpoint figure against a plain-Python oracle that tags
events with the rules' own Python evaluation, on the bundled OTTO sample and on 100k real trivago
actions; plus the CLI and the errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recorrido import ColumnMapping, RecorridoError, Workspace
from recorrido.analytics.intervals import wilson
from recorrido.demo import bundled
from recorrido.journey import JourneyMap
from recorrido.journey.templates import load_template
from tests import test_analytics_oracle as oracle
from tests.conftest import FILES, SHARED_DATA

HOUR = 3_600_000_000
RECORRIDO = Path(sys.executable).with_name("recorrido")


def expected_figures(events_frame, journey: JourneyMap, inactivity_us: int, as_of_us=None):
    """Stage and touchpoint figures, one customer at a time, from the documented definitions."""
    measured = journey.measured()
    stage_ids = [s.id for s in journey.stages]
    goal = journey.goal.rule(journey) if journey.goal else None
    rows = []
    for row in events_frame.to_dict("records"):
        if row["customer_id"] is None:
            continue
        channel = row["channel"] if isinstance(row["channel"], str) else None  # pandas: NaN
        event = {"event": row["event"], "channel": channel, "properties": row["properties"]}
        hit = next(((s.id, tp.id) for s, tp, rule in measured if rule.matches(event)), None)
        rows.append(
            {
                "customer": row["customer_id"],
                "us": oracle.micros(row["timestamp"]),
                "id": row["event_id"],
                "stage": hit[0] if hit else None,
                "touchpoint": hit[1] if hit else None,
                "channel": channel,
                "goal": bool(goal and goal.matches(event)),
            }
        )
    rows.sort(key=lambda r: (r["customer"], r["us"], r["id"]))
    as_of = as_of_us if as_of_us is not None else max(r["us"] for r in rows)
    per_customer = defaultdict(list)
    for r in rows:
        per_customer[r["customer"]].append(r)

    visits = {}  # (customer, stage) -> (first us, entry touchpoint, exit touchpoint)
    for customer, own in per_customer.items():
        for stage in stage_ids:
            inside = [r for r in own if r["stage"] == stage]
            if inside:
                visits[customer, stage] = (
                    inside[0]["us"],
                    inside[0]["touchpoint"],
                    inside[-1]["touchpoint"],
                )
    stages = {}
    for index, stage in enumerate(stage_ids):
        reached = {c for (c, s) in visits if s == stage}
        figures = {"customers": len(reached)}
        if index:
            before = {c for (c, s) in visits if s == stage_ids[index - 1]}
            figures["conversion_from_previous"] = (
                len(before & reached) / len(before) if before else None
            )
        first = {c for (c, s) in visits if s == stage_ids[0]}
        figures["conversion_from_first"] = len(first & reached) / len(first) if first else None
        waits = []
        if index + 1 < len(stage_ids):
            for c in reached:
                nxt = visits.get((c, stage_ids[index + 1]))
                if nxt and nxt[0] >= visits[c, stage][0]:
                    waits.append(nxt[0] - visits[c, stage][0])
        waits.sort()
        figures["median_hours_to_next"] = oracle.median(waits) / HOUR if waits else None
        figures["p90_hours_to_next"] = (
            waits[math.ceil(0.9 * len(waits)) - 1] / HOUR if waits else None
        )
        dropped = 0
        for c, own in per_customer.items():
            reached_stages = [i for i, s in enumerate(stage_ids) if (c, s) in visits]
            if (
                reached_stages
                and max(reached_stages) == index
                and not any(r["goal"] for r in own)
                and own[-1]["us"] < as_of - inactivity_us
            ):
                dropped += 1
        figures["dropped"] = dropped
        entries = Counter(visits[c, stage][1] for c in reached)
        best = sorted(entries.items(), key=lambda kv: (-kv[1], kv[0]))
        figures["top_entry_touchpoint"] = best[0][0] if best else None
        stages[stage] = figures

    everyone = set(per_customer)
    winners = {c for c, own in per_customer.items() if any(r["goal"] for r in own)}
    touchpoints = {}
    for tp in journey.touchpoints:
        mine = [r for r in rows if r["touchpoint"] == tp.id]
        had = {r["customer"] for r in mine}
        figures = {"events": len(mine), "customers": len(had)}
        if journey.goal:
            figures["conversion_with"] = len(had & winners) / len(had) if had else None
            rest = everyone - had
            figures["conversion_without"] = len(rest & winners) / len(rest) if rest else None
        figures["channels"] = dict(Counter(r["channel"] for r in mine))
        touchpoints[tp.id] = figures
    unmapped = sum(r["touchpoint"] is None for r in rows) / len(rows)
    return stages, touchpoints, unmapped, len(winners)


def assert_matches(result, journey, expected):
    stages, touchpoints, unmapped, winners = expected
    got = {row["id"]: row for row in result.stage_rows()}
    for stage_id, figures in stages.items():
        for key, want in figures.items():
            assert got[stage_id][key] == pytest.approx(want), (stage_id, key)
    listed = result.to_dict()["touchpoints"]
    assert [t["id"] for t in listed] == [tp.id for tp in journey.touchpoints]
    for row in listed:
        want = touchpoints[row["id"]]
        for key in ("events", "customers", "conversion_with", "conversion_without"):
            if key in want:
                assert row[key] == pytest.approx(want[key]), (row["id"], key)
        assert {c["channel"]: c["events"] for c in row["channels"]} == want["channels"]
    assert result.summary["unmapped_share"] == pytest.approx(unmapped)
    if journey.goal:
        assert result.summary["converted_customers"] == winners


@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    with Workspace.init(tmp_path_factory.mktemp("otto") / "ws", language="en") as ws:
        with bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
            ws.ingest(data, mapping=mapping)
        yield ws


@pytest.fixture(scope="module")
def otto_folder(tmp_path_factory) -> str:
    """A closed workspace holding the OTTO sample, for commands run in another process."""
    folder = tmp_path_factory.mktemp("otto-cli") / "ws"
    with (
        Workspace.init(folder, language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    return str(folder)


@pytest.fixture(scope="module")
def trivago(tmp_path_factory):
    if not SHARED_DATA.is_dir():
        pytest.skip("shared datasets not found")
    with Workspace.init(tmp_path_factory.mktemp("trivago") / "ws", language="en") as ws:
        mapping = ColumnMapping(
            columns={"customer_id": "user_id", "event": "action_type", "timestamp": "timestamp"},
            timestamp_unit="s",
        )
        ws.ingest(
            SHARED_DATA / "trivago_recsys2019_100k" / "trivago_val_100k.parquet", mapping=mapping
        )
        yield ws


@pytest.mark.parametrize("lang", ["en", "es"])
def test_ecommerce_template_on_the_bundled_sample(otto, lang):
    journey = load_template("ecommerce", lang)
    result = otto.measure(journey, inactivity="3d")
    expected = expected_figures(otto.events.execute(), journey, 3 * 24 * HOUR)
    assert_matches(result, journey, expected)
    # What the sample holds, read by hand: 20 sessions all view products, 7 add to the cart,
    # 3 order; nothing of the sample is outside the map.
    stages = {row["id"]: row["customers"] for row in result.stage_rows()}
    assert (stages["consider"], stages["buy"]) == (20, 7)
    buy = next(row for row in result.stage_rows() if row["id"] == "buy")
    assert buy["conversion_from_previous_ci"] == pytest.approx(list(wilson(7, 20)))
    assert result.summary["converted_customers"] == 3


def test_hotel_search_on_real_trivago_actions(trivago):
    journey = JourneyMap.load(FILES / "trivago_map.yaml")
    result = trivago.measure(journey, inactivity="1d")
    expected = expected_figures(trivago.events.execute(), journey, 24 * HOUR)
    assert_matches(result, journey, expected)
    assert result.summary["customers"] == 6593


def test_date_range_and_breakdowns(trivago):
    journey = JourneyMap.load(FILES / "trivago_map.yaml")
    events = trivago.events.execute()
    start, end = "2018-11-08", "2018-11-08"
    lower = oracle.micros(datetime(2018, 11, 8, tzinfo=UTC))
    upper = lower + 24 * HOUR
    window = events[[lower <= oracle.micros(t) < upper for t in events["timestamp"]]]
    result = trivago.measure(journey, start=start, end=end, inactivity="2h")
    assert_matches(result, journey, expected_figures(window, journey, 2 * HOUR, as_of_us=upper))
    assert result.summary["events"] == len(window)

    personas = trivago.measure(journey, breakdown="persona")
    by_segment = {
        s["segment"]: {row["id"]: row["customers"] for row in s["stages"]}
        for s in personas.to_dict()["breakdown"]["segments"]
    }
    devices = defaultdict(set)
    for row in events.to_dict("records"):
        devices[row["properties"].get("device")].add(row["customer_id"])
    assert set(by_segment) == {"mobile", "desktop", "(none)"}
    clickers = set(events[events.event == "clickout item"].customer_id)
    assert by_segment["mobile"]["book"] == len(devices["mobile"] & clickers)
    assert by_segment["desktop"]["book"] == len(devices["desktop"] & clickers)


def test_clear_errors(otto, tmp_path):
    journey = load_template("ecommerce", "en")
    with pytest.raises(RecorridoError) as caught:
        otto.measure(journey, start="2030-01-01")
    assert caught.value.key == "analytics_empty_range"
    with pytest.raises(RecorridoError) as caught:
        otto.measure(journey, inactivity="pronto")
    assert caught.value.key == "analytics_bad_duration"
    with pytest.raises(RecorridoError) as caught:
        otto.measure(journey, breakdown="aide")
    assert caught.value.key == "analytics_unknown_property_close"
    assert "`aid`" in str(caught.value)
    with (
        Workspace.init(tmp_path / "empty", language="en") as empty,
        pytest.raises(RecorridoError) as caught,
    ):
        empty.measure(journey)
    assert caught.value.key == "analytics_no_events"


def test_measure_command_json_and_table(otto_folder, tmp_path):
    map_file = tmp_path / "map.yaml"
    load_template("ecommerce", "es").save(map_file)
    folder = otto_folder
    done = subprocess.run(
        [RECORRIDO, "measure", str(map_file), "-w", folder, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert [s["id"] for s in payload["stages"]][:3] == ["discover", "consider", "buy"]
    for stage in payload["stages"]:
        assert {
            "id",
            "customers",
            "conversion_from_previous",
            "dropped",
            "median_hours_to_next",
        } <= set(stage)
    for tp in payload["touchpoints"]:
        assert {"id", "events", "customers"} <= set(tp)
    assert payload["stages"][2]["conversion_from_previous"] == pytest.approx(7 / 20)
    done = subprocess.run(
        [RECORRIDO, "--lang", "es", "measure", str(map_file), "-w", folder],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "Puntos de contacto" in done.stdout


@pytest.mark.spark
@pytest.mark.parametrize("dataset", ["otto", "trivago"])
def test_same_figures_on_spark(dataset, request, spark_backend, tmp_path):
    ws = request.getfixturevalue(dataset)
    if dataset == "otto":
        journey, options = load_template("ecommerce", "en"), {"breakdown": "persona"}
    else:
        journey, options = JourneyMap.load(FILES / "trivago_map.yaml"), {"inactivity": "1d"}
    parquet = tmp_path / "events.parquet"
    ws.events.to_parquet(parquet)
    on_spark = spark_backend.read_parquet(str(parquet))
    from recorrido.measured import measure

    duck = measure(ws, journey, **options).to_dict()
    spark = measure(on_spark, journey, **options).to_dict()
    assert spark == duck


def test_paths_and_funnel_at_stage_level_with_a_map(otto_folder, tmp_path):
    map_file = tmp_path / "map.yaml"
    load_template("ecommerce", "en").save(map_file)
    folder = otto_folder
    done = subprocess.run(
        [RECORRIDO, "paths", "-w", folder, "--map", str(map_file), "--level", "stage", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    edges = {(e["source"], e["target"]): e for e in json.loads(done.stdout)["edges"]}
    # OTTO sessions move between viewing (consider) and the cart (buy) and back.
    assert {("consider", "buy"), ("buy", "consider")} <= set(edges)
    done = subprocess.run(
        [
            RECORRIDO,
            "funnel",
            "-w",
            folder,
            "--map",
            str(map_file),
            "--level",
            "touchpoint",
            "--steps",
            "product-view,add-to-cart,purchase",
            "--window",
            "30d",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    steps = [s["customers"] for s in json.loads(done.stdout)["steps"]]
    assert steps[0] == 20 and steps[1] <= 7 and steps[2] <= 3


def test_figures_show_the_measured_numbers(otto):
    result = otto.measure(load_template("ecommerce", "es"))
    funnel = result.figure(lang="es")
    [trace] = funnel.data
    assert list(trace.x) == [row["customers"] for row in result.stage_rows()]
    assert list(trace.y)[:3] == ["Descubrimiento", "Consideración", "Compra"]
    volumes = result.touchpoint_figure(lang="es")
    events = dict(zip(volumes.data[0].x, volumes.data[0].y, strict=True))
    assert (events["product-view"], events["add-to-cart"], events["purchase"]) == (800, 52, 10)
