"""API tokens from the settings page, against the real server app (collection + JSON API + web):
an admin makes a read token, shown once, that opens /api/v1 with a Bearer header; revoking it
closes it again; editors and viewers cannot reach the page, and every change needs CSRF."""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

import recorrido.web
from recorrido import Workspace
from recorrido.server.app import create_app
from recorrido.web.users import UserStore
from tests.test_web_pages import PASSWORD, csrf_of, login


@contextmanager
def _server(folder):
    app = create_app(folder, parts=False)
    recorrido.web.mount(app)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-settings") / "ws"
    Workspace.init(folder, timezone="UTC", language="en").close()
    store = UserStore(folder)
    for role in ("viewer", "editor", "admin"):
        store.add(role, PASSWORD, role)
    with _server(folder) as base:
        yield base, folder


def test_admin_makes_a_token_that_opens_the_json_api(site):
    base, folder = site
    assert httpx.get(base + "/api/v1/maps").status_code == 401
    admin = login(base, "admin")
    page = admin.get("/settings")
    assert page.status_code == 200 and 'id="nav-settings"' in page.text
    made = admin.post(
        "/settings/tokens",
        data={"csrf": csrf_of(page.text), "name": "<b>nightly</b> export", "kind": "read"},
    )
    assert made.status_code == 201
    token = re.search(r'id="token-value" value="([^"]+)"', made.text).group(1)
    assert token.startswith("rr_") and "&lt;b&gt;nightly&lt;/b&gt;" in made.text
    assert token not in (folder / "keys.json").read_text()  # only its hash is kept
    listed = admin.get("/settings")
    assert token not in listed.text  # shown once
    key_id = re.search(r'id="token-([0-9a-f]+)"', listed.text).group(1)

    bearer = {"Authorization": f"Bearer {token}"}
    answer = httpx.get(base + "/api/v1/maps", headers=bearer)
    assert answer.status_code == 200 and isinstance(answer.json(), list | dict)

    revoked = admin.post(
        "/settings/tokens/revoke", data={"csrf": csrf_of(listed.text), "key_id": key_id}
    )
    assert revoked.status_code == 200 and 'id="revoked"' in revoked.text
    assert httpx.get(base + "/api/v1/maps", headers=bearer).status_code == 401


def test_only_admins_with_the_form_token_manage_tokens(site):
    base, folder = site
    for role in ("viewer", "editor"):
        client = login(base, role)
        assert client.get("/settings").status_code == 403
        assert 'id="nav-settings"' not in client.get("/").text
        page = client.get("/")
        refused = client.post("/settings/tokens", data={"csrf": csrf_of(page.text), "kind": "read"})
        assert refused.status_code == 403
    admin = login(base, "admin")
    before = (folder / "keys.json").read_text() if (folder / "keys.json").exists() else ""
    assert admin.post("/settings/tokens", data={"kind": "read"}).status_code == 403
    bad_kind = admin.post(
        "/settings/tokens", data={"csrf": csrf_of(admin.get("/settings").text), "kind": "root"}
    )
    assert bad_kind.status_code == 422 and 'role="alert"' in bad_kind.text
    after = (folder / "keys.json").read_text() if (folder / "keys.json").exists() else ""
    assert after == before
