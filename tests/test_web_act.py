"""The Act page and the stage panel's feedback and predictions, over real HTTP on a real
workspace (events, feedback, a published automation with passes, scores)."""

from __future__ import annotations

import re

import pytest

from recorrido.automations.store import Store
from recorrido.web.users import UserStore
from tests.test_api_listen_act import build_shop
from tests.test_web_pages import PASSWORD, csrf_of, login, make_workspace, serve


@pytest.fixture(scope="module")
def shop_site(tmp_path_factory):
    folder = build_shop(tmp_path_factory.mktemp("act") / "ws")
    store = UserStore(folder)
    for role in ("viewer", "editor"):
        store.add(role, PASSWORD, role)
    with serve(folder) as base:
        yield base, folder


def test_act_page_draws_each_automation_with_its_counts(shop_site):
    base, _ = shop_site
    viewer = login(base, "viewer")
    home = viewer.get("/")
    assert 'href="/act"' in home.text
    answer = viewer.get("/act")
    assert answer.status_code == 200
    html = answer.text
    assert "<svg" in html and "nudge.yaml" in html
    # The figures of `automations status`: 3 passes, holdout entered 3, call entered 2.
    assert "Published, version 1, live · 3 passes" in html
    assert "entered 3 · waiting 0 · proceeded 2 · goal 0 · holdout 1 · treated 2" in html
    assert "entered 2 · waiting 0 · proceeded 2 · goal 0" in html
    # A viewer reads only: no publish / pause, and the confirmation page is refused.
    assert "confirm?action=publish" not in html
    assert viewer.get("/act/nudge.yaml/confirm?action=pause").status_code == 403
    assert viewer.post("/act/nudge.yaml/pause", data={"csrf": csrf_of(html)}).status_code == 403
    # Only automation files of the folder can be named.
    assert viewer.get("/act/shop.yaml/dry-run").status_code == 404
    assert viewer.get("/act/..%2Frecorrido.yaml/dry-run").status_code == 404


def test_dry_run_from_the_page_is_the_cli_result(shop_site):
    base, _ = shop_site
    viewer = login(base, "viewer")
    answer = viewer.get(
        "/act/nudge.yaml/dry-run", params={"start": "2024-05-01", "end": "2024-05-01"}
    )
    assert answer.status_code == 200, answer.text[-500:]
    # c1..c5 reach the cart touchpoint on 1 May: five passes.
    assert "5 passes, 5 customers" in answer.text
    assert 'id="dry-run-steps"' in answer.text
    # The same counts drawn on the step graph: the holdout split takes all five and sends
    # three on (two held out); the call step gets those three and sends three e-mails.
    graph = answer.text[answer.text.index('id="dry-run-graph"') :]
    assert "entered 5 · waiting 0 · proceeded 3 · goal 0 · treated 3 · holdout 2" in graph
    assert "entered 3 · waiting 0 · proceeded 3 · goal 0 · sent 3" in graph
    # each step's bar is its share of the busiest step's entries
    bars = [float(w) for w in re.findall(r'class="step-share"[^>]*width="([0-9.]+)"', graph)]
    assert len(bars) == 2 and bars[1] == pytest.approx(bars[0] * 3 / 5, abs=0.2)


def test_pause_and_publish_behind_a_confirmation_with_csrf(shop_site):
    base, folder = shop_site
    editor = login(base, "editor")
    act = editor.get("/act").text
    assert "confirm?action=publish" in act and "confirm?action=pause" in act
    confirm = editor.get("/act/nudge.yaml/confirm?action=pause")
    assert confirm.status_code == 200 and 'id="act-confirm"' in confirm.text
    assert editor.post("/act/nudge.yaml/pause", data={}).status_code == 403  # no CSRF token
    assert Store.for_folder(folder).listing()[0]["state"] == "live"
    done = editor.post("/act/nudge.yaml/pause", data={"csrf": csrf_of(confirm.text)})
    assert done.status_code == 303
    assert Store.for_folder(folder).listing()[0]["state"] == "paused"
    assert "paused · 3 passes" in editor.get("/act").text
    token = csrf_of(editor.get("/act/nudge.yaml/confirm?action=resume").text)
    editor.post("/act/nudge.yaml/pause", data={"csrf": token, "resume": "yes"})
    assert Store.for_folder(folder).listing()[0]["state"] == "live"
    # Publishing an unchanged file keeps the version; a changed one makes version 2.
    path = folder / "nudge.yaml"
    path.write_text(path.read_text().replace("holdout: 50", "holdout: 40"))
    token = csrf_of(editor.get("/act/nudge.yaml/confirm?action=publish").text)
    assert editor.post("/act/nudge.yaml/publish", data={"csrf": token}).status_code == 303
    assert Store.for_folder(folder).listing()[0]["version"] == 2


def test_user_text_in_automations_renders_inert(shop_site):
    base, _ = shop_site
    html = login(base, "editor").get("/act").text
    assert "<script>alert(1)</script>" not in html
    assert "Nudge &lt;script&gt;alert(1)&lt;/script&gt;" in html
    confirm = login(base, "editor").get("/act/nudge.yaml/confirm?action=publish").text
    assert "<script>alert" not in confirm


def test_stage_panel_shows_feedback_and_predictions(shop_site):
    base, _ = shop_site
    viewer = login(base, "viewer")
    buy = viewer.get("/maps/shop.yaml/panel", params={"stage": "buy"})
    assert buy.status_code == 200, buy.text[-500:]
    html = buy.text
    # Four NPS answers at "buy": promoters 1 (10), detractors 2 (3, 2): NPS -25.
    assert 'id="panel-feedback"' in html and 'id="panel-nps">-25' in html
    # The two most recent comments; the script one is text.
    assert "Fine" in html and "&lt;script&gt;alert(&#39;quote&#39;)&lt;/script&gt; too slow" in html
    assert "<script>alert" not in html
    # c1..c5 reached "buy" (their furthest stage); their scores .9 .5 .7 .3 .3: mean 0.54.
    assert 'id="panel-predictions"' in html
    assert re.search(r"<td>convert</td><td class=\"num\">5</td><td class=\"num\">0[.,]54", html)
    browse = viewer.get("/maps/shop.yaml/panel", params={"stage": "browse"}).text
    assert re.search(r"<td>convert</td><td class=\"num\">1</td><td class=\"num\">0[.,]1", browse)


def test_stage_panel_without_feedback_or_predictions(tmp_path):
    from tests.test_api_listen_act import MAP_TEXT

    folder = make_workspace(tmp_path / "plain")
    (folder / "shop.yaml").write_text(MAP_TEXT, encoding="utf-8")
    with serve(folder) as base:
        viewer = login(base, "viewer")
        panel = viewer.get("/maps/shop.yaml/panel", params={"stage": "buy"})
        assert panel.status_code == 200
        assert "panel-feedback" not in panel.text and "panel-predictions" not in panel.text
        assert viewer.get("/act").status_code == 200
        assert 'id="act-none"' in viewer.get("/act").text
