"""The map's stage and touchpoint panels show the friction findings located there, read from the
friction page's kept answer for the same map and filter (never worked out by the panel), and
the feedback and predictions of a touchpoint as of a stage."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido.journey import JourneyMap
from recorrido.web.panel_friction import located
from recorrido.web.users import UserStore
from tests import journey_generator as gen
from tests.test_web_pages import MAP_FILE, PASSWORD, login, make_workspace, serve

SHOP_FILE = "shop.yaml"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = make_workspace(tmp_path_factory.mktemp("web-panel") / "ws")
    with serve(folder) as base:
        yield base, folder


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The generated shop with its planted problems: friction finds them."""
    folder = tmp_path_factory.mktemp("web-panel-shop") / "ws"
    gen.workspace(folder.parent, 2000, planted=True).close()  # made in folder.parent / "ws"
    (folder / SHOP_FILE).write_text(gen.SHOP_MAP, encoding="utf-8")
    for role in ("viewer",):
        UserStore(folder).add(role, PASSWORD, role)
    with serve(folder) as base:
        yield base


def _friction_block(page: str) -> str:
    start = page.index('id="panel-friction"')
    return page[start : page.index("</div>", start)]


def test_panels_show_the_kept_friction_found_there(shop):
    client = login(shop, "viewer")
    stage_ids = [s.id for s in JourneyMap.loads(gen.SHOP_MAP).stages]
    first = client.get(f"/maps/{SHOP_FILE}/panel?stage={stage_ids[0]}")
    assert first.status_code == 200, first.text[:2000]
    assert "not worked out yet" in _friction_block(first.text)
    # the engine runs here: give it time on a loaded machine (httpx waits 5 s by default)
    answer = client.get(f"/explore/friction.json?map={SHOP_FILE}", timeout=300)
    assert answer.status_code == 200
    findings = answer.json()["findings"]
    stages = {f["where"].get("stage") for f in findings} - {None}
    assert stages, "the planted shop gives friction findings at some stage"
    stage = next(s for s in stage_ids if s in stages)
    here = [f for f in findings if located(f, stage=stage, touchpoint=None)]
    block = html.unescape(
        _friction_block(client.get(f"/maps/{SHOP_FILE}/panel?stage={stage}").text)
    )
    assert here[0]["text"]["en"] in block
    assert block.count("<li>") == min(3, len(here))
    assert f"/explore/friction?map={SHOP_FILE}" in block
    quiet = [s for s in stage_ids if s not in stages]
    if quiet:
        panel = client.get(f"/maps/{SHOP_FILE}/panel?stage={quiet[0]}")
        assert "found nothing here" in _friction_block(panel.text)
    touchpoints = {f["where"].get("touchpoint") for f in findings} - {None}
    if touchpoints:
        tp = sorted(touchpoints)[0]
        panel = client.get(f"/maps/{SHOP_FILE}/panel?touchpoint={tp}")
        assert "<li>" in _friction_block(panel.text)
    # Another filter is another question: the panel does not borrow the unfiltered answer.
    narrowed = client.get(f"/maps/{SHOP_FILE}/panel?stage={stage}&date_from=2024-02-01")
    block = _friction_block(narrowed.text)
    assert "not worked out yet" in block and "date_from=2024-02-01" in block


def test_located_reads_where_a_finding_happens():
    finding = {"where": {"stage": "buy", "touchpoint": "add-to-cart", "to_touchpoints": ["pay"]}}
    assert located(finding, stage="buy", touchpoint=None)
    assert located(finding, stage=None, touchpoint="add-to-cart")
    assert located(finding, stage=None, touchpoint="pay")
    assert not located(finding, stage="consider", touchpoint=None)
    assert not located({"where": {"events": ["a", "b"]}}, stage="buy", touchpoint=None)


def test_touchpoint_panel_shows_the_predictions_of_who_is_there(site):
    from recorrido.analytics.tagging import tag_events

    base, folder = site
    with Workspace.open(folder) as ws:
        tagged = tag_events(ws.events, folder / MAP_FILE).to_pandas()
        customers = sorted(tagged["customer_id"].dropna().unique())[:60]
        ws.con.create_table(
            "predictions",
            pd.DataFrame({"customer_id": customers, "model": "convert", "score": 0.25}),
            overwrite=True,
        )
    # who is "at" a touchpoint: their latest tagged event (the one order) is there
    tagged = tagged[tagged["touchpoint"].notna()].sort_values(
        ["customer_id", "timestamp", "source_order", "event_id"]
    )
    latest = tagged.groupby("customer_id").tail(1)
    at = latest[latest["customer_id"].isin(customers)]["touchpoint"].value_counts()
    touchpoint = at.index[0]
    client = login(base, "viewer")
    panel = client.get(f"/maps/{MAP_FILE}/panel?touchpoint={touchpoint}")
    assert panel.status_code == 200
    table = panel.text[panel.text.index('id="panel-predictions"') :]
    row = table[table.index("<tbody>") : table.index("</tbody>")]
    assert f'<td class="num">{at.iloc[0]}</td>' in row
    assert "latest touchpoint is this one" in panel.text
