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
