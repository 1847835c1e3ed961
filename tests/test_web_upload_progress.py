"""An upload's ingest runs as a job the page follows: while it runs the page shows a progress
bar and the time elapsed, refreshing itself through htmx (or a link without script); when it
ends, ingest's report. Only the person who started it sees it; a failure is shown in its words."""

from __future__ import annotations

import re
import time

import pytest

from recorrido.web import upload
from tests.test_web_pages import login, make_workspace, serve_app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = make_workspace(tmp_path_factory.mktemp("web-upload") / "ws")
    with serve_app(folder) as (base, app):
        yield base, app


def _send(client, text: str) -> tuple[str, str]:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/upload").text).group(1)
    sent = client.post(
        "/upload", data={"csrf": token, "format": ""}, files={"file": ("e.csv", text.encode())}
    )
    assert sent.status_code == 200, sent.text[:2000]
    return token, re.search(r'name="stored" value="([^"]+)"', sent.text).group(1)


def _ingest(client, token: str, stored: str):
    return client.post(
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


CSV = "user,when,action\nu1,2022-08-03T10:00:00Z,signup\nu2,2022-08-03T11:00:00Z,signup\n"


def test_a_running_ingest_shows_progress_then_its_report(site, monkeypatch):
    base, app = site
    monkeypatch.setattr(upload, "WAIT_S", 0.0)
    client = login(base, "editor")
    token, stored = _send(client, CSV)
    ctx = app.state.ctx
    # The workspace is busy (another page's query, a load of collected events): the job waits
    # for it, and the page shows it running meanwhile.
    with ctx._lock:
        running = _ingest(client, token, stored)
        assert running.status_code == 200, running.text[:2000]
        assert 'id="ingest-progress"' in running.text and 'aria-busy="true"' in running.text
        job = re.search(r'hx-get="/upload/jobs/([^"]+)"', running.text).group(1)
        fragment = client.get(f"/upload/jobs/{job}", headers={"HX-Request": "true"})
        assert fragment.text.lstrip().startswith('<section class="card" id="ingest-report"')
        assert "<html" not in fragment.text and "ingest-progress" in fragment.text
        # nobody else sees it
        other = login(base, "admin")
        assert other.get(f"/upload/jobs/{job}").status_code == 404
    deadline = time.monotonic() + 30
    while True:
        done = client.get(f"/upload/jobs/{job}", headers={"HX-Request": "true"})
        if "ingest-summary" in done.text or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "hx-get" not in done.text  # it stops polling
    summary = re.search(r'id="ingest-summary">([^<]+)<', done.text).group(1)
    assert "2 rows read · 2 ingested" in summary
    whole = client.get(f"/upload/jobs/{job}")  # the link's page, without htmx
    assert whole.status_code == 200 and "<html" in whole.text and "ingest-summary" in whole.text


def test_a_failed_ingest_says_why(site):
    base, _ = site
    client = login(base, "editor")
    token, stored = _send(client, "who,what\nu1,signup\n")
    answer = client.post(
        "/upload/ingest",
        data={"csrf": token, "stored": stored, "format": "", "col_customer_id": "who"},
    )
    assert answer.status_code == 422
    assert 'class="error" role="alert"' in answer.text
    assert "timestamp" in answer.text  # the missing field is named
    assert client.get("/upload/jobs/not-a-job").status_code == 404


def test_the_page_names_the_step_it_is_in(site, monkeypatch):
    """Held in its fourth step, the job's page says which step of how many it is, in the
    page's language; the step is forgotten when the ingest ends."""
    import threading

    from recorrido.events import ingest, ingest_steps

    base, app = site
    monkeypatch.setattr(upload, "WAIT_S", 0.0)
    held, release = threading.Event(), threading.Event()
    real = ingest.updated_customers

    def slow(*args, **kwargs):
        held.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "updated_customers", slow)
    client = login(base, "editor")
    token, stored = _send(client, CSV.replace("u1", "u3").replace("u2", "u4"))
    job = re.search(r'hx-get="/upload/jobs/([^"]+)"', _ingest(client, token, stored).text)
    assert held.wait(30)
    try:
        page = client.get(f"/upload/jobs/{job.group(1)}", headers={"HX-Request": "true"})
        step = re.search(r'id="ingest-step">([^<]+)<', page.text).group(1)
        assert step == "Step 4 of 5: updating the customers"
        client.cookies.set("recorrido_lang", "es")
        page = client.get(f"/upload/jobs/{job.group(1)}", headers={"HX-Request": "true"})
        assert "Paso 4 de 5: actualizar los clientes" in page.text
    finally:
        release.set()
    deadline = time.monotonic() + 30
    while ingest_steps.current(app.state.ctx.workspace.con) is not None:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_an_ingest_goes_through_its_steps_in_order(tmp_path, monkeypatch):
    from recorrido import Workspace
    from recorrido.events import ingest_steps

    seen = []
    real = ingest_steps.enter
    monkeypatch.setattr(
        ingest_steps, "enter", lambda store, step: (seen.append(step), real(store, step))
    )
    data = tmp_path / "e.csv"
    data.write_text(CSV.replace("user,when,action", "customer_id,timestamp,event"))
    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest(data)
        assert ingest_steps.current(ws.con) is None
    assert seen == list(ingest_steps.STEPS), seen
