"""A real uvicorn server on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from recorrido import Workspace
from recorrido.server.app import create_app
from recorrido.server.keys import KeyStore


def new_workspace(folder: Path) -> Path:
    Workspace.init(folder, timezone="UTC", language="en").close()
    return folder


def make_key(folder: Path, kind: str = "write") -> str:
    return KeyStore(folder).create(kind, "tests")[1]


@contextmanager
def running_server(folder: Path, **options):
    """``(base_url, app)`` while a real server runs for ``folder``; stopped (and the landing log
    loaded) on exit."""
    options.setdefault("parts", False)
    app = create_app(folder, **options)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(30)


def wait_for(condition, timeout: float = 10.0, step: float = 0.05):
    """Poll ``condition()`` until it is truthy; its value (or the last one on time-out)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def event_ids(app) -> list[str]:
    return app.state.ctx.run(lambda ws: ws.events.event_id.to_pyarrow().to_pylist())
