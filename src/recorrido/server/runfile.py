"""``DIR/server.json``: how other processes find the server that holds a workspace.

Written when the server starts (readable by its owner only) and removed when it stops: the
address, the pid and a local token that reads the JSON API. A file left by a killed server is
recognised by its dead pid and ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path

from recorrido.server.keys import write_private

RUN_FILE = "server.json"


def write_run_file(folder: str | Path, address: str, token: str | None = None) -> dict:
    info = {"address": address, "pid": os.getpid(), "token": token or secrets.token_urlsafe(32)}
    write_private(Path(folder) / RUN_FILE, json.dumps(info))
    return info


def read_run_file(folder: str | Path) -> dict | None:
    """The running server's record, or None when none runs for ``folder``."""
    path = Path(folder) / RUN_FILE
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return info


def remove_run_file(folder: str | Path, info: dict | None) -> None:
    current = read_run_file(folder)
    if info is not None and current is not None and current.get("token") != info.get("token"):
        return  # another server's file
    with contextlib.suppress(FileNotFoundError):
        (Path(folder) / RUN_FILE).unlink()
