"""Durable before acknowledged: ``recorrido serve`` killed with SIGKILL while clients send.

After a restart every call that got a 200 is in ``events`` exactly once (by ``messageId``), the
workspace opens, and the clients' retries of every call (answered or not) change nothing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from recorrido import Workspace
from tests.server_helpers import make_key, new_workspace, wait_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(folder, port):
    process = subprocess.Popen(
        [sys.executable, "-m", "recorrido.cli", "serve", "-w", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "RECORRIDO_LANG": "en"},
    )
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    assert wait_for(up, timeout=60, step=0.1) and process.poll() is None, process.stdout.read()
    return process, url


def _batch(sender: int, number: int) -> list[dict]:
    return [
        {
            "type": "track",
            "userId": f"c{sender}-{i % 7}",
            "event": "Clicked",
            "messageId": f"s{sender}-b{number}-{i}",
            "timestamp": "2026-06-01T10:00:00Z",
        }
        for i in range(25)
    ]


def _sql_ids(url: str, token: str) -> list[str]:
    answer = httpx.get(
        f"{url}/api/v1/query",
        params={"sql": "select event_id from events"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return [row["event_id"] for row in answer.json()]


@pytest.mark.slow
def test_sigkill_while_sending_loses_no_acknowledged_call(tmp_path):
    folder = new_workspace(tmp_path / "ws")
    write, read = make_key(folder), make_key(folder, "read")
    port = _free_port()
    server, url = _start(folder, port)

    sent: list[list[dict]] = []
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def sender(number: int) -> None:
        with httpx.Client(auth=(write, ""), timeout=5) as client:
            for count in range(10_000):
                if stop.is_set():
                    return
                batch = _batch(number, count)
                with lock:
                    sent.append(batch)
                try:
                    answer = client.post(f"{url}/v1/batch", json={"batch": batch})
                except httpx.HTTPError:
                    return  # the server is gone: this batch stays unanswered
                if answer.status_code == 200:
                    with lock:
                        acknowledged.update(call["messageId"] for call in batch)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(acknowledged) >= 750, timeout=30)
    time.sleep(0.3)  # some load runs while the server dies
    server.send_signal(signal.SIGKILL)
    server.wait(10)
    stop.set()
    for thread in threads:
        thread.join(10)
    assert len(acknowledged) >= 750
    pending = [p.stat().st_size for p in (folder / "landing" / "open").glob("*.ndjson")]
    print(f"bytes left in open landing files at the kill: {sum(pending)}")

    server, url = _start(folder, port)
    try:
        after_restart = wait_for(
            lambda: acknowledged <= set(_sql_ids(url, read)), timeout=15, step=0.3
        )
        assert after_restart, "an acknowledged call is missing after the restart"
        # the clients retry everything they sent, answered or not, as one batch of batches
        calls = [call for batch in sent for call in batch]
        with httpx.Client(auth=(write, ""), timeout=30) as client:
            for start in range(0, len(calls), 1000):
                chunk = {"batch": calls[start : start + 1000]}
                assert client.post(f"{url}/v1/batch", json=chunk).status_code == 200
        every = {call["messageId"] for batch in sent for call in batch}
        assert wait_for(lambda: set(_sql_ids(url, read)) == every, timeout=20, step=0.3)
    finally:
        server.send_signal(signal.SIGINT)  # a clean stop: the loader finishes, the file closes
        server.wait(60)
    with Workspace.open(folder, read_only=True) as ws:
        counts = ws.query(
            "select count(*) as events, count(distinct event_id) as ids from events"
        ).to_pylist()[0]
        quarantined = ws.query("select count(*) as n from quarantine").to_pylist()[0]["n"]
    assert counts == {"events": len(every), "ids": len(every)}
    assert quarantined == 0
