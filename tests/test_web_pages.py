"""The web app over real HTTP: a uvicorn server on a loopback port, a real workspace (the bundled
OTTO sample), real users with Argon2 hashes, signed cookies and CSRF tokens."""

from __future__ import annotations

import re
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

import recorrido.web
from recorrido import Workspace
from recorrido.demo import bundled
from recorrido.journey.templates import template_text
from recorrido.server.context import WorkspaceContext
from recorrido.web.users import UserStore

PASSWORD = "correct horse battery"
MAP_FILE = "journey-map.yaml"


def make_workspace(folder: Path, lang: str = "en") -> Path:
    """The OTTO sample ingested, the e-commerce map beside it, and one user per role."""
    with (
        Workspace.init(folder, timezone="UTC", language=lang) as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    (folder / MAP_FILE).write_text(template_text("ecommerce", lang), encoding="utf-8")
    store = UserStore(folder)
    for role in ("viewer", "editor", "admin"):
        store.add(role, PASSWORD, role)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(folder: Path):
    """The web app on a free loopback port; yields its base URL."""
    with serve_app(folder) as (base, _):
        yield base


@contextmanager
def serve_app(folder: Path):
    """As :func:`serve`, yielding the base URL and the app (its workspace: ``app.state.ctx``)."""
    app = FastAPI()
    app.state.ctx = WorkspaceContext(folder)
    recorrido.web.mount(app)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(5)
        app.state.ctx.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = make_workspace(tmp_path_factory.mktemp("web") / "ws")
    with serve(folder) as base:
        yield base, folder


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(base: str, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False)
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"name": name, "password": password, "csrf": csrf_of(form.text), "next": "/"},
    )
    assert answer.status_code == 303, answer.text
    return client


def test_pages_need_a_session(site):
    base, _ = site
    answer = httpx.get(base + "/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_login_refuses_wrong_password_and_missing_csrf(site):
    base, _ = site
    client = httpx.Client(base_url=base)
    form = client.get("/login")
    assert "Content-Security-Policy" in form.headers
    assert "script-src 'self'" in form.headers["content-security-policy"]
    wrong = client.post(
        "/login", data={"name": "admin", "password": "nope-nope", "csrf": csrf_of(form.text)}
    )
    assert wrong.status_code == 401
    no_token = client.post("/login", data={"name": "admin", "password": PASSWORD})
    assert no_token.status_code == 403


def test_session_cookie_is_signed_httponly_and_lax(site):
    base, folder = site
    client = httpx.Client(base_url=base)
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"name": "viewer", "password": PASSWORD, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert "recorrido_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    # A tampered cookie is no session.
    value = client.cookies["recorrido_session"]
    forged = httpx.get(
        base + "/",
        cookies={"recorrido_session": value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]},
        follow_redirects=False,
    )
    assert forged.status_code == 303
    stored = (folder / "users.json").read_text()
    assert PASSWORD not in stored and "$argon2id$" in stored


def test_home_shows_the_workspace_health(site):
    base, _ = site
    client = login(base, "viewer")
    home = client.get("/")
    assert home.status_code == 200
    assert 'id="kpi-events">862<' in home.text
    assert 'id="kpi-customers">20<' in home.text
    assert "Online shop" in home.text and MAP_FILE in home.text
    assert 'id="fig-per-day"' in home.text


def test_language_switch_is_remembered(site):
    base, _ = site
    client = login(base, "viewer")
    switched = client.get("/lang/es?next=/", follow_redirects=True)
    assert "Estado del espacio de trabajo" in switched.text
    assert "Estado del espacio de trabajo" in client.get("/").text
    client.get("/lang/en?next=/")
    assert "Workspace health" in client.get("/").text
    # An address of another site is never where the switch sends you.
    away = client.get("/lang/en?next=//evil.example/x")
    assert away.headers["location"] == "/"


def test_static_assets_come_from_the_package(site):
    base, _ = site
    htmx = httpx.get(base + "/static/htmx.min.js")
    assert htmx.status_code == 200 and "Zero-Clause BSD" in htmx.text[:400]
    plotly = httpx.get(base + "/static/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert httpx.get(base + "/static/..%2Fusers.py").status_code == 404


def _flow_count(html: str, stage: str) -> int:
    found = re.search(
        rf'flow-cell[^"]*" data-stage="{stage}"[^>]*>\s*<div class="flow-count"><strong>(\d+)<',
        html,
    )
    return int(found.group(1))


def test_map_view_draws_the_measured_map_and_opens_panels(site):
    base, _ = site
    client = login(base, "viewer")
    view = client.get(f"/maps/{MAP_FILE}")
    assert view.status_code == 200, view.text[:2000]
    assert 'id="journey-map"' in view.text and "Discovery" in view.text
    assert 'hx-get="/maps/journey-map.yaml/panel?stage=' in view.text
    stage = client.get(f"/maps/{MAP_FILE}/panel?stage=consider")
    assert stage.status_code == 200 and 'id="panel-customers"' in stage.text
    touchpoint = client.get(f"/maps/{MAP_FILE}/panel?touchpoint=add-to-cart")
    assert touchpoint.status_code == 200, touchpoint.text[:2000]
    assert client.get(f"/maps/{MAP_FILE}/panel?stage=nope").status_code == 404
    assert client.get("/maps/..%2Frecorrido.yaml").status_code == 404
    # Filters: a persona's customers (the decided buyer placed an order), a property, a channel.
    buyers = client.get(f"/maps/{MAP_FILE}?persona=decided-buyer")
    assert buyers.status_code == 200
    assert _flow_count(buyers.text, "buy") == 3  # the 3 sessions with an order
    assert _flow_count(view.text, "buy") == 7
    nobody = client.get(f"/maps/{MAP_FILE}?prop=aid%3D-1")
    assert nobody.status_code in (200, 422) and "Traceback" not in nobody.text
    bad = client.get(f"/maps/{MAP_FILE}?prop=no-equals-sign")
    assert bad.status_code == 422 and "key=value" in bad.text
    panel = client.get(f"/maps/{MAP_FILE}/panel?touchpoint=add-to-cart&persona=decided-buyer")
    assert panel.status_code == 200
    # A date range outside the data is said in words, not a traceback.
    empty = client.get(f"/maps/{MAP_FILE}?date_from=2001-01-01&date_to=2001-01-02")
    assert empty.status_code == 422 and 'role="alert"' in empty.text
    assert "Traceback" not in empty.text


def test_funnel_is_the_cli_object_with_a_drill_down(site):
    base, _ = site
    client = login(base, "viewer")
    query = "steps=clicks,carts,orders&window=14d"
    answer = client.get(f"/explore/funnel.json?{query}")
    assert answer.status_code == 200
    web = answer.json()
    # The same numbers as `recorrido funnel -w DIR --steps clicks,carts,orders --json`.
    assert set(web) >= {"kind", "window", "level", "count", "interval", "steps"}
    assert [s["customers"] for s in web["steps"]] == [20, 7, 2]
    page = client.get(f"/explore/funnel?{query}")
    assert page.status_code == 200 and 'id="fig-funnel"' in page.text
    dropped = client.get(f"/explore/funnel/dropped?{query}&step=2")
    assert "5" in dropped.text and 'id="dropped-customers"' in dropped.text
    assert dropped.text.count("<li>") >= 5
    csv = client.get(f"/explore/funnel/dropped.csv?{query}&step=2")
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 1 + 5


def test_mounted_in_the_server_app(tmp_path):
    """Inside ``recorrido serve``'s app (whose error handlers answer JSON to API clients), the
    pages still redirect to the login page and answer HTML errors."""
    create_app = pytest.importorskip("recorrido.server.app").create_app
    folder = tmp_path / "ws"
    with Workspace.init(folder, timezone="UTC", language="en"):
        pass
    UserStore(folder).add("admin", PASSWORD, "admin")
    app = create_app(folder)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        base = f"http://127.0.0.1:{port}"
        answer = httpx.get(base + "/", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
        client = login(base, "admin")
        assert "Workspace health" in client.get("/").text
        missing = client.get("/maps/nothing.yaml")
        assert missing.status_code == 404 and 'id="page-error"' in missing.text
    finally:
        server.should_exit = True
        thread.join(10)


def test_paths_are_the_cli_object(site):
    base, _ = site
    client = login(base, "viewer")
    answer = client.get("/explore/paths.json?start_at=carts&steps=3&variants=5")
    assert answer.status_code == 200, answer.text
    payload = answer.json()
    assert set(payload) == {"level", "edges", "flows", "variants"}
    pairs = {(e["source"], e["target"]): e for e in payload["edges"]}
    assert ("carts", "orders") in pairs and pairs[("clicks", "clicks")]["count"] > 0
    assert all(f["step"] >= 1 for f in payload["flows"])
    assert sum(v["customers"] for v in payload["variants"]) <= 20
    page = client.get("/explore/paths?start_at=carts&steps=3&variants=5")
    assert page.status_code == 200 and 'id="fig-sankey"' in page.text
    assert 'id="variants-table"' in page.text


def test_users_command(tmp_path):
    from typer.testing import CliRunner

    from recorrido.cli import app

    folder = tmp_path / "ws"
    with Workspace.init(folder, timezone="UTC", language="en"):
        pass
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["--lang", "en", "users", "add", "ana", "--role", "admin", "-w", str(folder)],
        env={"RECORRIDO_PASSWORD": PASSWORD},
    )
    assert added.exit_code == 0, added.output
    assert "ana" in added.output and "admin" in added.output
    user = UserStore(folder).authenticate("ana", PASSWORD)
    assert user is not None and user.role == "admin"
    short = runner.invoke(
        app, ["users", "add", "bo", "-w", str(folder)], env={"RECORRIDO_PASSWORD": "short"}
    )
    assert short.exit_code == 1 and "Traceback" not in short.output
    listed = runner.invoke(app, ["users", "list", "-w", str(folder)])
    assert "ana" in listed.output and PASSWORD not in listed.output
    assert runner.invoke(app, ["users", "remove", "ana", "-w", str(folder)]).exit_code == 0
    assert UserStore(folder).get("ana") is None
