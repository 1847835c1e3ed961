"""A stage or touchpoint takes another id in the editor (``web/map_ids.py``): the goal and the
objectives follow it and the file keeps its comments; an id an automation file or stored
feedback names is refused in words, and the file is left as it was."""

from __future__ import annotations

import re

import pytest

from recorrido.journey import JourneyMap
from recorrido.journey.templates import template_text
from tests.test_web_pages import login, make_workspace, serve_app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = make_workspace(tmp_path_factory.mktemp("web-map-ids") / "ws")
    with serve_app(folder) as (base, app):
        yield base, folder, app


def _post(client, url: str, **data):
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(url).text).group(1)
    return client.post(url, data={"csrf": token, **data})


def _fresh(folder, name: str) -> str:
    (folder / name).write_text(template_text("ecommerce", "en"), encoding="utf-8")
    return f"/maps/{name}/edit"


def test_the_goal_and_the_objectives_follow_a_new_id(site):
    base, folder, _ = site
    url = _fresh(folder, "ids.yaml")
    client = login(base, "editor")
    editor = client.get(url).text
    assert 'id="touchpoint-id-purchase"' in editor and 'id="stage-id-buy"' in editor
    saved = _post(client, url, action="touchpoint_details", id="purchase", new_id="order")
    assert saved.status_code == 303, saved.text[:2000]
    assert "open=order" in saved.headers["location"]
    saved = _post(client, url, action="stage_details", id="buy", new_id="checkout")
    assert saved.status_code == 303, saved.text[:2000]
    journey = JourneyMap.load(folder / "ids.yaml")
    assert [s.id for s in journey.stages][2] == "checkout"
    assert journey.goal.touchpoint == "order"
    assert journey.stage_of("order").id == "checkout"
    stages = {o.id: o.stages for o in journey.objectives}
    assert stages == {"conversion": ["consider", "checkout"], "cart-abandonment": ["checkout"]}
    text = (folder / "ids.yaml").read_text(encoding="utf-8")
    assert "# Customer journey map of an online shop." in text  # comments kept
    assert "# whoever placed at least one order" in text
    # an id already used, or not an id, is refused and nothing is written
    before = text
    taken = _post(client, url, action="stage_details", id="checkout", new_id="order")
    assert taken.status_code == 422 and "already used" in taken.text
    bad = _post(client, url, action="touchpoint_details", id="order", new_id="no spaces")
    assert bad.status_code == 422 and "cannot be an id" in bad.text
    assert (folder / "ids.yaml").read_text(encoding="utf-8") == before


def test_an_id_named_outside_the_map_keeps_its_name(site):
    base, folder, app = site
    url = _fresh(folder, "named.yaml")
    (folder / "remind.yaml").write_text(
        "# remind who left a cart\n"
        "id: remind\nname: Remind\nmap: named.yaml\n"
        "entry: {touchpoint: add-to-cart}\n"
        "steps:\n  - wait: 1d\n",
        encoding="utf-8",
    )
    client = login(base, "editor")
    before = (folder / "named.yaml").read_text(encoding="utf-8")
    refused = _post(client, url, action="touchpoint_details", id="add-to-cart", new_id="cart")
    assert refused.status_code == 422
    assert "named outside the map" in refused.text and "remind.yaml" in refused.text
    assert (folder / "named.yaml").read_text(encoding="utf-8") == before
    # the automation names another map: this map's touchpoint is free to change
    other = (folder / "remind.yaml").read_text().replace("map: named.yaml", "map: other.yaml")
    (folder / "remind.yaml").write_text(other, encoding="utf-8")
    moved = _post(client, url, action="touchpoint_details", id="add-to-cart", new_id="cart")
    assert moved.status_code == 303
    # stored feedback placed at a stage holds its id
    data = folder / "reviews.csv"
    data.write_text(
        "customer_id,timestamp,text,stage\nc1,2024-03-01T10:00:00Z,Slow delivery,receive\n"
        "c2,2024-03-02T10:00:00Z,Fine,receive\n",
        encoding="utf-8",
    )

    def ingest(workspace):
        from recorrido.feedback.ingest import ingest_feedback

        return ingest_feedback(workspace, data, journey_map=folder / "named.yaml")

    app.state.ctx.run(ingest)
    refused = _post(client, url, action="stage_details", id="receive", new_id="delivered")
    assert refused.status_code == 422
    assert "stored feedback rows: 2" in refused.text
    assert JourneyMap.load(folder / "named.yaml").stages[3].id == "receive"
    client.cookies.set("recorrido_lang", "es")
    spanish = _post(client, url, action="stage_details", id="receive", new_id="delivered")
    assert "se nombra fuera del mapa" in spanish.text


def test_a_viewer_cannot_change_an_id(site):
    base, folder, _ = site
    url = _fresh(folder, "viewer.yaml")
    editor = login(base, "editor")
    token = re.search(r'name="csrf" value="([^"]+)"', editor.get(url).text).group(1)
    viewer = login(base, "viewer")
    answer = viewer.post(
        url, data={"csrf": token, "action": "stage_details", "id": "buy", "new_id": "x"}
    )
    assert answer.status_code == 403
    assert JourneyMap.load(folder / "viewer.yaml").stages[2].id == "buy"
