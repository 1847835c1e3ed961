"""The map editor over real HTTP: rule edits with a live count, saves that keep the file's
comments, validation in `map validate`'s words, versions that restore, and roles that hold."""

from __future__ import annotations

import re

import httpx
import pytest

from recorrido.journey import JourneyMap
from tests.test_web_pages import MAP_FILE, login, make_workspace, serve


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = make_workspace(tmp_path_factory.mktemp("web-editor") / "ws")
    with serve(folder) as base:
        yield base, folder


def _csrf(client: httpx.Client) -> str:
    page = client.get(f"/maps/{MAP_FILE}/edit")
    assert page.status_code == 200, page.text[:3000]
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def _count(html: str) -> tuple[int, int]:
    found = re.search(r'data-events="(\d+)" data-customers="(\d+)"', html)
    return int(found.group(1)), int(found.group(2))


def test_live_count_follows_the_rule_being_typed(site):
    base, folder = site
    client = login(base, "viewer")  # trying a rule changes nothing: a viewer may
    token = _csrf(client)
    before = (folder / MAP_FILE).read_text()
    carts = client.post(
        f"/maps/{MAP_FILE}/rule-count",
        data={"touchpoint": "add-to-cart", "rule": "event: carts"},
        headers={"X-CSRF-Token": token},
    )
    clicks = client.post(
        f"/maps/{MAP_FILE}/rule-count",
        data={"touchpoint": "add-to-cart", "rule": "event: [carts, clicks]"},
        headers={"X-CSRF-Token": token},
    )
    assert _count(clicks.text)[0] > _count(carts.text)[0] > 0
    bad = client.post(
        f"/maps/{MAP_FILE}/rule-count",
        data={"touchpoint": "add-to-cart", "rule": "where: [{property: aid, gt: 1, lt: 2}]"},
        headers={"X-CSRF-Token": token},
    )
    assert 'class="error"' in bad.text
    no_token = client.post(
        f"/maps/{MAP_FILE}/rule-count", data={"touchpoint": "add-to-cart", "rule": "event: x"}
    )
    assert no_token.status_code == 403
    assert (folder / MAP_FILE).read_text() == before


def test_viewer_cannot_save(site):
    base, folder = site
    client = login(base, "viewer")
    token = _csrf(client)
    before = (folder / MAP_FILE).read_text()
    answer = client.post(
        f"/maps/{MAP_FILE}/edit",
        data={"csrf": token, "action": "rename", "id": "buy", "name": "Hacked"},
    )
    assert answer.status_code == 403
    assert (folder / MAP_FILE).read_text() == before


def test_editor_saves_keeping_comments_and_restores(site):
    base, folder = site
    path = folder / MAP_FILE
    original = path.read_text()
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    client = login(base, "editor")
    token = _csrf(client)
    saved = client.post(
        f"/maps/{MAP_FILE}/edit",
        data={
            "csrf": token,
            "action": "rule",
            "touchpoint": "add-to-cart",
            "rule": "event: [carts, clicks]  # any interest counts\n",
        },
    )
    assert saved.status_code == 303, saved.text[:3000]
    text = path.read_text()
    assert all(comment in text for comment in comments)
    assert "any interest counts" in text
    journey = JourneyMap.load(path)
    assert journey.touchpoint("add-to-cart").match.event == ["carts", "clicks"]
    # Rename and reorder: stages keep their comments and the file stays valid.
    for data in (
        {"action": "rename", "id": "buy", "name": "Compra <b>ya</b>"},
        {"action": "down", "id": "discover"},
        {"action": "add_stage", "name": "Reseña", "touchpoint": "Review mail", "channel": "email"},
        {"action": "add_touchpoint", "stage": "resena", "name": "Review site"},
    ):
        answer = client.post(f"/maps/{MAP_FILE}/edit", data={"csrf": token, **data})
        assert answer.status_code == 303, answer.text[:3000]
    journey = JourneyMap.load(path)
    assert [s.id for s in journey.stages][:2] == ["consider", "discover"]
    assert journey.stage("buy").name == "Compra <b>ya</b>"
    assert journey.stages[-1].id == "resena" and [
        tp.id for tp in journey.stages[-1].touchpoints
    ] == [
        "review-mail",
        "review-site",
    ]
    assert all(comment in path.read_text() for comment in comments)
    page = client.get(f"/maps/{MAP_FILE}/edit")
    assert "Compra &lt;b&gt;ya&lt;/b&gt;" in page.text and "<b>ya</b>" not in page.text
    assert 'id="version-5"' in page.text and "editor" in page.text
    # An invalid rule is refused with map validate's words; the file is unchanged.
    before = path.read_text()
    refused = client.post(
        f"/maps/{MAP_FILE}/edit",
        data={"csrf": token, "action": "rule", "touchpoint": "purchase", "rule": "{}"},
    )
    assert refused.status_code == 422 and 'id="problems"' in refused.text
    assert path.read_text() == before
    # Restore the original (version 0).
    restored = client.post(
        f"/maps/{MAP_FILE}/edit", data={"csrf": token, "action": "restore", "version": "0"}
    )
    assert restored.status_code == 303
    assert path.read_text() == original


def test_upload_previews_maps_columns_and_ingests(site):
    base, folder = site
    viewer = login(base, "viewer")
    assert viewer.get("/upload").status_code == 403
    client = login(base, "editor")
    form = client.get("/upload")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    data = (
        "user,when,action,plan\n"
        "u1,2022-08-02T10:00:00Z,signup,<b>pro</b>\n"
        "u2,2022-08-02T11:00:00Z,signup,basic\n"
        "u3,not a time,signup,basic\n"
    )
    sent = client.post(
        "/upload",
        data={"csrf": token, "format": ""},
        files={"file": ("../../<evil>.csv", data.encode(), "text/csv")},
    )
    assert sent.status_code == 200, sent.text[:2000]
    assert 'id="preview"' in sent.text and "&lt;b&gt;pro&lt;/b&gt;" in sent.text
    stored = re.search(r'name="stored" value="([^"]+)"', sent.text).group(1)
    assert "/" not in stored and "<" not in stored
    assert (folder / "uploads" / stored).read_text() == data
    done = client.post(
        "/upload/ingest",
        data={
            "csrf": token,
            "stored": stored,
            "format": "",
            "col_customer_id": "user",
            "col_timestamp": "when",
            "col_event": "action",
        },
    )
    assert done.status_code == 200, done.text[:3000]
    summary = re.search(r'id="ingest-summary">([^<]+)<', done.text).group(1)
    assert "4 rows read" not in summary and "3 rows read · 2 ingested" in summary
    assert "1 quarantined" in summary
    outside = client.post(
        "/upload/ingest", data={"csrf": token, "stored": "../users.json", "format": ""}
    )
    assert outside.status_code == 404


DETAILS_MAP = "details-map.yaml"


def _details_map(folder) -> str:
    """A map of its own, so these edits do not depend on the other tests' order."""
    from recorrido.journey.templates import template_text

    (folder / DETAILS_MAP).write_text(template_text("ecommerce", "en"), encoding="utf-8")
    return (folder / DETAILS_MAP).read_text()


def test_details_are_edited_in_place_and_a_viewer_cannot(site):
    base, folder = site
    path = folder / DETAILS_MAP
    original = _details_map(folder)
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    url = f"/maps/{DETAILS_MAP}/edit"
    viewer = login(base, "viewer")
    page = viewer.get(url)
    assert 'id="persona-browser"' in page.text and 'class="grip"' not in page.text
    for data in (
        {"action": "persona", "id": "browser", "name": "Hacked"},
        {"action": "move_to", "id": "purchase", "position": "0"},
    ):
        refused = viewer.post(
            url,
            data={"csrf": re.search(r'name="csrf" value="([^"]+)"', page.text).group(1), **data},
        )
        assert refused.status_code == 403
    assert path.read_text() == original

    client = login(base, "editor")
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(url).text).group(1)
    edits = (
        {
            "action": "persona",
            "id": "browser",
            "name": "Javi <i>el comparador</i>",
            "description": "",
            "demographics": "18-24, student",
            "income": "",
            "needs": "compare prices\nreviews",
            "tastes": "deals\nsocial media",
            "rule": "event: clicks",
        },
        {
            "action": "stage_details",
            "id": "buy",
            "emotion_score": "-2",
            "emotion_words": "hurry, anger",
            "pain_points": "long payment form\nno PayPal",
            "notes": "Walked it on a phone: 3 taps to pay",
        },
        {
            "action": "touchpoint_details",
            "id": "add-to-cart",
            "owner": "Checkout team",
            "resources": "cart service\nA/B tests",
            "mode": "self-service",
        },
        {
            "action": "objective",
            "id": "conversion",
            "text": "More visits end in a purchase",
            "metric": "goal_conversion",
            "target": "0,07",
            "stages_shown": "1",
            "stages": ["consider", "buy"],
        },
        {"action": "add_objective", "text": "Repeat buyers grow"},
        {"action": "add_persona", "name": "Lucía"},
        {"action": "move_to", "id": "purchase", "position": "0"},
    )
    for data in edits:
        answer = client.post(url, data={"csrf": token, **data})
        assert answer.status_code == 303, answer.text[:3000]
    text = path.read_text()
    assert all(comment in text for comment in comments)
    journey = JourneyMap.load(path)
    browser = journey.persona("browser")
    assert browser.name == "Javi <i>el comparador</i>" and browser.needs == [
        "compare prices",
        "reviews",
    ]
    assert browser.income is None and browser.rule.event == ["clicks"]
    assert journey.persona("lucia").name == "Lucía"
    buy = journey.stage("buy")
    assert (buy.emotion.score, buy.emotion.words) == (-2, ["hurry", "anger"])
    assert buy.pain_points == ["long payment form", "no PayPal"]
    assert buy.notes == ["Walked it on a phone: 3 taps to pay"]
    assert buy.opportunities == ["one-click payment"]  # a field the form did not send stays
    assert [tp.id for tp in buy.touchpoints][:2] == ["purchase", "add-to-cart"]
    cart = journey.touchpoint("add-to-cart")
    assert cart.owner == "Checkout team" and cart.resources == ["cart service", "A/B tests"]
    conversion = journey.objectives[0]
    assert conversion.target == 0.07 and conversion.stages == ["consider", "buy"]
    assert journey.objectives[-1].text == "Repeat buyers grow"
    # Untouched lines keep their exact text (flow style, comments).
    assert "emotion: {score: -2, words: [hurry, anger]}" in text
    assert "      event: orders       # whoever placed at least one order" in text
    page = client.get(url + "?open=browser")
    assert "Javi &lt;i&gt;el comparador&lt;/i&gt;" in page.text and "<i>el" not in page.text
    assert 'id="persona-browser" open' in page.text

    # Refused with map validate's words; nothing written.
    before = path.read_text()
    out_of_range = client.post(
        url, data={"csrf": token, "action": "stage_details", "id": "buy", "emotion_score": "5"}
    )
    assert out_of_range.status_code == 422 and 'id="problems"' in out_of_range.text
    assert "stages[2].emotion.score" in out_of_range.text
    dangling = client.post(url, data={"csrf": token, "action": "remove_persona", "id": "browser"})
    assert dangling.status_code == 422 and "browser" in dangling.text  # the ads touchpoint uses it
    not_a_number = client.post(
        url, data={"csrf": token, "action": "stage_details", "id": "buy", "emotion_score": "x"}
    )
    assert not_a_number.status_code == 422
    assert path.read_text() == before


def test_map_page_downloads_its_report(site):
    base, folder = site
    client = login(base, "viewer")
    client.timeout = 120
    page = client.get(f"/maps/{MAP_FILE}")
    assert f'href="/maps/{MAP_FILE}/report.html"' in page.text
    answer = client.get(f"/maps/{MAP_FILE}/report.html", params={"channel": "web"})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="journey-map-report.html"'
    assert answer.headers["content-security-policy"] == "sandbox allow-scripts"
    name = JourneyMap.load(folder / MAP_FILE).name
    assert f"<h1>{name}</h1>" in answer.text or f">{name}<" in answer.text
    assert client.get(f"/maps/{MAP_FILE}/report.exe").status_code == 404
    assert client.get("/maps/missing.yaml/report.html").status_code == 404


@pytest.mark.slow  # two headless Chromium renders: 10-25 s on a busy machine
def test_map_page_downloads_png_and_pdf(site):
    from recorrido.report.export import chromium_path

    pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    if chromium_path() is None:
        pytest.skip("Chromium not installed")
    base, _ = site
    client = login(base, "viewer")
    client.timeout = 180
    png = client.get(f"/maps/{MAP_FILE}/report.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png.content) > 50_000 and png.headers["content-type"] == "image/png"
    pdf = client.get(f"/maps/{MAP_FILE}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_a_persona_takes_another_id_through_the_editor(site):
    base, folder = site
    name = "persona-id-map.yaml"
    from recorrido.journey.templates import template_text

    (folder / name).write_text(template_text("ecommerce", "en"), encoding="utf-8")
    url = f"/maps/{name}/edit"
    client = login(base, "editor")
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(url).text).group(1)
    saved = client.post(
        url,
        data={"csrf": token, "action": "persona", "id": "browser", "new_id": "javi"},
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("#persona-javi")
    journey = JourneyMap.load(folder / name)
    assert [p.id for p in journey.personas] == ["decided-buyer", "javi"]
    assert journey.touchpoint("ads").personas == ["javi"]
    taken = client.post(
        url,
        data={"csrf": token, "action": "persona", "id": "javi", "new_id": "decided-buyer"},
    )
    assert taken.status_code == 422 and "already used" in taken.text
    assert [p.id for p in JourneyMap.load(folder / name).personas] == ["decided-buyer", "javi"]
