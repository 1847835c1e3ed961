"""Property keys as process-mining and analytics exports write them (``case:platform``,
``concept:name``, ``país cliente``, ``page.url`` as one flat column) work in every command: a
funnel breakdown, a map's match rule and friction's automatic property scan, which never stops on
a key the engine cannot read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ibis
import pyarrow as pa
import pytest

from recorrido import Workspace
from recorrido import analytics as A
from recorrido.insights.concentration import _auto_keys, unreadable_keys
from recorrido.insights.findings import FrictionOptions, friction
from recorrido.journey import JourneyMap
from tests import journey_generator as gen

RECORRIDO = str(Path(sys.executable).parent / "recorrido")
SHOP = JourneyMap.loads(gen.SHOP_MAP)
RENAMED = {"platform": "case:platform", "country": "país cliente"}


def _obj(properties) -> dict:
    """An event's properties as a dict, however the driver hands JSON back."""
    return properties if isinstance(properties, dict) else json.loads(properties)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The planted synthetic shop, its property columns renamed the way exports name them."""
    root = tmp_path_factory.mktemp("keys")
    frame = gen.generate(4000, planted=True).rename(columns=RENAMED)
    frame["page.url"] = "/shop/" + frame["event"]
    data = root / "events.parquet"
    frame.to_parquet(data, index=False)
    with Workspace.init(root / "ws", timezone="UTC", language="en") as ws:
        ws.ingest(data)
    return root / "ws"


@pytest.fixture(scope="module")
def ws(folder):
    with Workspace.open(folder, read_only=True) as opened:
        yield opened


def test_keys_are_stored_as_written(ws):
    keys = _obj(ws.events.properties.execute().iloc[0])
    assert {"case:platform", "país cliente", "page.url"} <= set(keys)


def test_funnel_breakdown_by_a_key_with_a_colon(ws):
    result = A.funnel(ws, ["product_view", "order_completed"], breakdown="case:platform")
    assert set(result["breakdown"]) == {"android", "ios", "web"}
    reached = result[result.step_index == 1].set_index("breakdown")["customers"]
    events = ws.events.filter(lambda t: t.event == "product_view").execute()
    platforms = events.properties.map(lambda p: _obj(p)["case:platform"])
    by_platform = events.assign(p=platforms).groupby("p").customer_id.nunique()
    assert reached.to_dict() == by_platform.to_dict()


def test_cli_breakdown_accepts_the_key(folder):
    done = subprocess.run(
        [
            RECORRIDO,
            "funnel",
            "--steps",
            "product_view,order_completed",
            "--workspace",
            str(folder),
            "--breakdown",
            "case:platform",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "not a valid property name" not in done.stdout + done.stderr
    payload = json.loads(done.stdout)
    assert {r["breakdown"] for r in payload["breakdown"]["rows"]} == {"android", "ios", "web"}


def test_match_rules_read_the_keys(ws):
    rule_map = JourneyMap.model_validate(
        {
            "name": "keys",
            "stages": [
                {
                    "id": "s",
                    "name": "S",
                    "touchpoints": [
                        {
                            "id": "ios-order",
                            "name": "iOS order",
                            "match": {
                                "event": "order_completed",
                                "where": [{"key": "case:platform", "equals": "ios"}],
                            },
                        },
                        {
                            "id": "flat-url",
                            "name": "Cart page",
                            "match": {
                                "where": [{"key": "page.url", "equals": "/shop/add_to_cart"}]
                            },
                        },
                    ],
                }
            ],
        }
    )
    events = ws.events
    tagged = events.mutate(tp=rule_map.touchpoint_expr(events))
    counts = tagged.group_by("tp").aggregate(n=tagged.count()).execute()
    got = {r.tp: int(r.n) for r in counts.itertuples() if isinstance(r.tp, str)}
    rows = events.select("event", "properties").execute()
    props, names = rows.properties.map(_obj), rows.event
    ios = sum(
        1
        for p, e in zip(props, names, strict=True)
        if e == "order_completed" and p["case:platform"] == "ios"
    )
    cart = sum(1 for e in names if e == "add_to_cart")
    assert got == {"ios-order": ios, "flat-url": cart}


def test_friction_locates_a_finding_in_a_colon_key(ws):
    report = friction(ws, SHOP, options=FrictionOptions(kinds=("failure",)))
    assert report.skipped_properties == []
    (failure,) = report.findings
    assert (failure.segment["dimension"], failure.segment["value"]) == ("case:platform", "ios")


def test_the_scan_skips_a_key_it_cannot_read_with_a_note():
    docs = [json.dumps({"case:platform": p, "bad\nkey": p}) for p in ("ios", "web", "ios")]
    table = ibis.memtable(
        pa.table({"properties": docs, "seq": [0, 0, 0], "customer_id": ["a", "b", "c"]})
    )
    con = ibis.duckdb.connect()
    first = con.create_table("first", table)
    assert _auto_keys(first) == ["case:platform"]

    class Journeys:  # the one attribute unreadable_keys reads
        events = first

    assert unreadable_keys(Journeys) == ["bad\nkey"]
