"""After a load the server measures the workspace's maps itself, so the first ask after a data
change is a kept answer: the same answer a cold command gives on the same data (a real server on
loopback, real calls through /v1/batch, the real command line)."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace

import httpx
import pytest
from typer.testing import CliRunner

from recorrido.cli import app as cli
from recorrido.journey.templates import load_template
from recorrido.server import warm as warm_module
from recorrido.server.landing import LandingLog
from recorrido.server.loader import Loader
from recorrido.server.warm import WarmLanes, WarmWorker, register_warmer
from tests.server_helpers import event_ids, make_key, new_workspace, running_server, wait_for

MAP = "journey-map.yaml"
EVENTS = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed")


def _batch(client, url, key, start: int, count: int) -> None:
    calls = [
        {
            "type": "track",
            "userId": f"customer-{n % 7}",
            "event": EVENTS[n % len(EVENTS)],
            "messageId": f"warm-{n}",
            "timestamp": f"2026-01-{1 + n % 20:02d}T10:{n % 60:02d}:00Z",
            "context": {"channel": "web"},
        }
        for n in range(start, start + count)
    ]
    done = client.post(f"{url}/v1/batch", json={"batch": calls}, auth=(key, ""))
    assert done.status_code == 200, done.text


@pytest.fixture
def counted():
    """A registered warmer that counts its calls; unregistered afterwards."""
    calls: list[float] = []

    def count(app) -> None:
        calls.append(time.monotonic())

    register_warmer(count)
    register_warmer(count)  # registered once however often
    try:
        yield calls
    finally:
        warm_module._WARMERS.remove(count)


def test_first_ask_after_a_load_is_kept_and_a_new_load_replaces_it(tmp_path, counted):
    folder = new_workspace(tmp_path / "ws")
    load_template("ecommerce", "en").save(folder / MAP)
    write, read = make_key(folder), make_key(folder, "read")
    question = f"/api/v1/maps/{MAP}/measure"
    bearer = {"Authorization": f"Bearer {read}"}
    with running_server(folder) as (url, app), httpx.Client(timeout=60) as client:
        kept, worker = app.state.kept_answers, app.state.warm
        for lane in worker.lanes:
            lane.duty = 1.0  # no pause between warms: this test is about what they keep
        assert worker.wait_idle(30) and counted  # the start warms too
        warms = worker.warms
        _batch(client, url, write, 0, 40)
        # (events show before the loader tells the worker: wait for the warm itself)
        assert wait_for(lambda: worker.warms > warms, timeout=30) and worker.wait_idle(30)
        assert len(event_ids(app)) == 40
        computed, hits = kept.computed, kept.hits
        first = client.get(url + question, headers=bearer)
        assert first.status_code == 200
        assert (kept.computed, kept.hits) == (computed, hits + 1)  # the warm's answer
        assert json.loads(first.text)["summary"]["events"] == 40
        health = client.get(f"{url}/api/v1/health").json()
        assert health["warm"]["warms"] >= 2 and health["kept_answers"]["hits"] == hits + 1

        # a second change: the warm answer of the first no longer counts
        warms = worker.warms
        _batch(client, url, write, 40, 9)
        assert wait_for(lambda: worker.warms > warms, timeout=30) and worker.wait_idle(30)
        assert len(event_ids(app)) == 49 and len(counted) == worker.pages.warms
        computed, hits = kept.computed, kept.hits
        second = client.get(url + question, headers=bearer)
        assert (kept.computed, kept.hits) == (computed, hits + 1)
        assert json.loads(second.text)["summary"]["events"] == 49
    # the server has let the file go: the command line measures it cold
    done = CliRunner().invoke(
        cli, ["--lang", "en", "measure", str(folder / MAP), "-w", str(folder), "--json"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == json.loads(second.text)


def test_an_ask_during_a_warm_waits_for_it_instead_of_computing_again(tmp_path):
    folder = new_workspace(tmp_path / "ws")
    load_template("ecommerce", "en").save(folder / MAP)
    write, read = make_key(folder), make_key(folder, "read")
    with running_server(folder, warm=False) as (url, app), httpx.Client(timeout=60) as client:
        assert app.state.warm is None
        _batch(client, url, write, 0, 30)
        assert wait_for(lambda: len(event_ids(app)) == 30)
        kept = app.state.kept_answers
        computed, hits = kept.computed, kept.hits
        warming = threading.Thread(target=WarmWorker(app).run_once)
        warming.start()
        answer = client.get(
            f"{url}/api/v1/maps/{MAP}/measure", headers={"Authorization": f"Bearer {read}"}
        )
        warming.join(30)
        assert answer.status_code == 200
        # two askers (whichever came first), one computation
        assert (kept.computed, kept.hits) == (computed + 1, hits + 1)


def _fake_app(tmp_path):
    """An app with a workspace folder holding no map: only the registered warmers run."""
    ctx = SimpleNamespace(folder=tmp_path, return_memory=lambda: None)
    return SimpleNamespace(state=SimpleNamespace(ctx=ctx))


def test_changes_in_a_burst_make_one_warm_and_a_busy_loader_defers_it(tmp_path, counted):
    busy = threading.Event()
    worker = WarmWorker(_fake_app(tmp_path), quiet=0.3, busy=busy.is_set)
    worker.start()
    try:
        for _ in range(8):  # a load every 0.1 s: never still for 0.3 s
            worker.changed()
            time.sleep(0.1)
        assert counted == []
        assert worker.wait_idle(5) and len(counted) == 1
        busy.set()  # landed files wait for the loader: the data is about to change
        worker.changed()
        time.sleep(0.6)
        assert len(counted) == 1
        busy.clear()
        assert worker.wait_idle(5) and len(counted) == 2
    finally:
        worker.stop()


def test_sustained_changes_still_warm_every_max_wait(tmp_path, counted):
    # a load every 0.1 s never leaves the data still: the warm runs all the same, bounded
    worker = WarmWorker(_fake_app(tmp_path), quiet=0.3, max_wait=0.5, duty=1.0)
    worker.start()
    try:
        for _ in range(15):
            worker.changed()
            time.sleep(0.1)
        during = len(counted)
        assert 1 <= during <= 4, counted
    finally:
        worker.stop()


def test_pages_wait_for_a_pause_in_the_stream_while_measures_warm(tmp_path, counted):
    # The registered warmers (the web pages' rounds over every event) would be moot at the next
    # load: while events stream in they wait, even past max_wait; the measures do not.
    streaming = threading.Event()
    streaming.set()
    lanes = WarmLanes(
        _fake_app(tmp_path), quiet=0.1, max_wait=0.3, duty=1.0, collecting=streaming.is_set
    )
    lanes.start()
    try:
        for _ in range(12):
            lanes.changed()
            time.sleep(0.1)
        assert counted == []
        assert lanes.measures.warms >= 2  # forced by max_wait under the sustained changes
        streaming.clear()  # the stream paused
        assert lanes.wait_idle(5) and len(counted) == 1
    finally:
        lanes.stop()


def test_the_loader_tells_a_stream_from_a_pause(tmp_path):
    landing = LandingLog(tmp_path)
    loader = Loader(SimpleNamespace(folder=tmp_path), landing, [])
    try:
        assert not loader.collecting(pause=5)
        landing.append(b'{"type": "track"}\n')
        assert loader.collecting(pause=5)
        time.sleep(0.2)
        assert not loader.collecting(pause=0.1)
        landing.rotate()
        landing.flush()  # a closed file waits in ready/ for the loader
        assert loader.collecting(pause=0.1)
    finally:
        landing.close()
