"""Asking the server that holds a workspace, with the standard library alone.

``DIR/server.json`` (``server/runfile.py``) gives the address and the local token that reads the
JSON API. Both the launcher and the commands (``cli/forward.py``) ask through :func:`get`, so a
forwarded command is asked the same way however it started.
"""

from __future__ import annotations

import http.client
import urllib.parse
from pathlib import Path

from recorrido.server.runfile import read_run_file

#: A measure over millions of events may take a while on the server; past this, say so.
TIMEOUT_SECONDS = 600


def running_server(workspace: str | Path) -> dict | None:
    """The run file of the server holding ``workspace`` (a live pid, an address and a token),
    or None when none runs."""
    info = read_run_file(workspace)
    if info is None or not info.get("token") or not info.get("address"):
        return None
    return info


def get(
    info: dict,
    endpoint: str,
    params: dict | None,
    lang: str,
    timeout: float = TIMEOUT_SECONDS,
) -> tuple[int, bytes]:
    """``GET /api/v1{endpoint}?params`` at the server of ``info``: its status and body.

    Parameters that are None are left out; a list is sent as repeated parameters. Raises
    ``OSError`` (``TimeoutError`` among them) when the server cannot be reached or answer in
    time. No proxy from the environment is used: the local token goes to the server and nowhere
    else.
    """
    query = urllib.parse.urlencode(
        {k: v for k, v in (params or {}).items() if v is not None}, doseq=True
    )
    address = urllib.parse.urlsplit(str(info["address"]))
    if address.scheme != "http" or not address.hostname:
        raise ConnectionError(f"not an address this client reaches: {info['address']!r}")
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
    try:
        connection.request(
            "GET",
            f"{address.path.rstrip('/')}/api/v1{endpoint}" + (f"?{query}" if query else ""),
            headers={
                "Authorization": f"Bearer {info['token']}",
                "Accept-Language": lang,
                "Accept": "application/json",
            },
        )
        response = connection.getresponse()
        return response.status, response.read()
    except http.client.HTTPException as exc:  # a broken answer: as if nobody answered
        raise ConnectionError(str(exc)) from exc
    finally:
        connection.close()
