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
