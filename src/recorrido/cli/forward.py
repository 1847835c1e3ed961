"""Asking the running server: while ``recorrido serve`` holds a workspace's DuckDB file (its one
writer), the read commands send their question to its JSON API instead of opening the file.

The API answers the same objects as the commands' ``--json`` (``server/api.py``), so a command
prints the answer's text as it is, or shows the decoded object with its usual renderer. The run
file ``DIR/server.json`` gives the address and the local token that reads the API; the asking
itself (standard library only) is ``launcher/ask.py``, shared with the launcher, which answers
``measure`` this way before the command line loads.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from recorrido.errors import RecorridoError
from recorrido.launcher.ask import get, running_server


@dataclass
class Answer:
    """The server's answer: ``text`` exactly as sent (what ``--json`` prints), ``lang`` the
    language the command speaks."""

    text: str
    lang: str

    @property
    def data(self):
        return json.loads(self.text)


class ServerProblem(RecorridoError):
    """A problem the server answered (4xx/5xx with its problem JSON), already worded in the
    language the command asked for."""

    def __init__(self, key: str, text: str) -> None:
        Exception.__init__(self, text)
        self.key, self.params, self.text = key, {}, text

    def localized(self, lang: str) -> str:
        return self.text


def map_name(workspace: Path, map_path: Path | None) -> str | None:
    """The name the API knows ``map_path`` by: the API reaches only YAML files directly in the
    workspace folder, so a map elsewhere (None here) cannot be asked about."""
    if map_path is None:
        return None
    path = Path(map_path)
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return None
    if path.resolve().parent != Path(workspace).resolve():
        return None
    return path.name


def ask_server(workspace: Path, endpoint: str, params: dict | None = None) -> Answer | None:
    """The answer of the server running for ``workspace`` to ``GET /api/v1{endpoint}``, or None
    when none runs (or it cannot be reached): the command then opens the workspace itself.

    Parameters that are None are left out; a list is sent as repeated parameters."""
    from recorrido.cli.common import lang_of
    from recorrido.settings import Settings

    info = running_server(workspace)
    if info is None:
        return None
    try:
        lang = lang_of(preferred=Settings.load(Path(workspace)).language)
    except RecorridoError:
        lang = lang_of()
    try:
        status, body = get(info, endpoint, params, lang)
    except TimeoutError:
        raise RecorridoError("server_forward_timeout", address=info["address"]) from None
    except OSError:
        return None  # a run file left by a server that no longer listens: open it here
    if status != 200:
        raise _problem(status, body)
    return Answer(body.decode("utf-8"), lang)


def ask_for_events(
    workspace: Path, backend: str, map_path: Path | None, endpoint: str, params: dict
) -> Answer | None:
    """:func:`ask_server` for an analysis of the events (tagged with ``map_path`` when given);
    None when the server cannot answer this one (another backend, a map outside the folder)."""
    if backend != "duckdb":
        return None
    name = map_name(workspace, map_path)
    if map_path is not None and name is None:
        return None
    return ask_server(workspace, endpoint, {**params, "map": name})


def ask_about_map(
    workspace: Path, backend: str, map_path: Path, question: str, params: dict
) -> Answer | None:
    """:func:`ask_server` for ``/maps/{name}/{question}`` (measure, friction, moments); None when
    the server cannot answer this one (another backend, a map outside the folder)."""
    name = map_name(workspace, map_path) if backend == "duckdb" else None
    if name is None:
        return None
    return ask_server(workspace, f"/maps/{urllib.parse.quote(name)}/{question}", params)


def frame_of(rows: list[dict]):
    """An answer's records as the data frame the command's table renderer reads."""
    import pandas as pd

    return pd.DataFrame(rows)


def _problem(status: int, body: bytes) -> RecorridoError:
    try:
        problem = json.loads(body.decode("utf-8"))
        return ServerProblem(str(problem["error"]), str(problem["message"]))
    except (ValueError, KeyError, TypeError):
        return RecorridoError("server_http_status", status=status)
