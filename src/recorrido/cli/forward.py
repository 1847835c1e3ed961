"""Asking the running server: while ``recorrido serve`` holds a workspace's DuckDB file (its one
writer), the read commands send their question to its JSON API instead of opening the file.

The API answers the same objects as the commands' ``--json`` (``server/api.py``), so a command
prints the answer's text as it is, or shows the decoded object with its usual renderer. The run
file ``DIR/server.json`` gives the address and the local token that reads the API. Only the
standard library is used here: no HTTP client becomes a runtime dependency.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from recorrido.errors import RecorridoError

#: A measure over millions of events may take a while on the server; past this, say so.
TIMEOUT_SECONDS = 600


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
    from recorrido.server.runfile import read_run_file
    from recorrido.settings import Settings

    info = read_run_file(workspace)
    if info is None or not info.get("token") or not info.get("address"):
        return None
    try:
        lang = lang_of(preferred=Settings.load(Path(workspace)).language)
    except RecorridoError:
        lang = lang_of()
    query = urllib.parse.urlencode(
        {k: v for k, v in (params or {}).items() if v is not None}, doseq=True
    )
    url = f"{str(info['address']).rstrip('/')}/api/v1{endpoint}" + (f"?{query}" if query else "")
    request = urllib.request.Request(
        url,
        headers={
            "Authorization": f"Bearer {info['token']}",
            "Accept-Language": lang,
            "Accept": "application/json",
        },
    )
    try:
        # No proxy from the environment: the local token goes to the server and nowhere else.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return Answer(response.read().decode("utf-8"), lang)
    except urllib.error.HTTPError as exc:
        raise _problem(exc) from None
    except (urllib.error.URLError, ConnectionError):
        return None  # a run file left by a server that no longer listens: open it here
    except TimeoutError:
        raise RecorridoError("server_forward_timeout", address=info["address"]) from None


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


def _problem(exc: urllib.error.HTTPError) -> RecorridoError:
    try:
        body = json.loads(exc.read().decode("utf-8"))
        return ServerProblem(str(body["error"]), str(body["message"]))
    except (ValueError, KeyError, TypeError, OSError):
        return RecorridoError("server_http_status", status=exc.code)
