"""`recorrido serve` stopped by SIGTERM or Ctrl+C (SIGINT), as a real process: it answers what it
acknowledged, loads it, removes its run file, lets go of the workspace and exits 0 without a
traceback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from recorrido import Workspace
from tests.server_helpers import make_key, new_workspace, wait_for


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_shuts_the_server_down_cleanly(tmp_path, stop):
    folder = new_workspace(tmp_path / "ws")
    key = make_key(folder)
    command = ["--lang", "en", "serve", "-w", str(folder), "--port", "0"]
    server = subprocess.Popen(
        [sys.executable, "-m", "recorrido.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    run_file = folder / "server.json"
    try:
        assert wait_for(run_file.exists, timeout=120), server.stderr
        address = json.loads(run_file.read_text())["address"]

        def healthy() -> bool:
            try:
                return httpx.get(f"{address}/api/v1/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_for(healthy, timeout=60)
        call = {"userId": "ana", "event": "Signed Up", "messageId": "before-the-signal"}
        done = httpx.post(f"{address}/v1/track", json=call, auth=(key, ""), timeout=30)
        assert done.status_code == 200, done.text
        started = time.monotonic()
        server.send_signal(stop)
        stdout, stderr = server.communicate(timeout=90)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, stderr[-2000:]
    assert time.monotonic() - started < 60
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr[-2000:]
    assert "recorrido stopped" in stdout
    assert not run_file.exists()
    # the DuckDB file is free (a second writer can open it) and holds the acknowledged call once
    with Workspace.open(folder) as ws:
        ids = ws.events.event_id.to_pyarrow().to_pylist()
    assert ids == ["before-the-signal"]
