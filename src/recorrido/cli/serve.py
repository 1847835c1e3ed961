"""``recorrido serve`` and ``recorrido keys``: the server and its access keys."""

from __future__ import annotations

import ipaddress
import json
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.common import JsonOption, WorkspaceOption, app, err, fail, lang_of, out
from recorrido.errors import RecorridoError
from recorrido.i18n import message

keys_app = typer.Typer(
    no_args_is_help=True,
    help="Access keys: write keys for collection, read tokens for the JSON API / claves de acceso",
)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    workspace: WorkspaceOption,
    host: Annotated[str, typer.Option(help="Address to listen on / dirección")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port / puerto")] = 8321,
    rate_limit: Annotated[
        float, typer.Option(help="Requests per second per key (0: no limit) / peticiones por s")
    ] = 5000.0,
    collect_only: Annotated[
        bool,
        typer.Option(
            help="Only collect into the shared landing folder, beside the workspace's server "
            "(scale-out) / solo recoger"
        ),
    ] = False,
    warm: Annotated[
        bool,
        typer.Option(
            help="After each load, compute the likely answers (measure of each map) in the "
            "background / tras cada carga, calcular de antemano las respuestas probables"
        ),
    ] = True,
) -> None:
    """Run the server: Segment-compatible collection API, JSON API, web app."""
    import secrets

    from recorrido.server.keys import KeyStore
    from recorrido.server.runfile import read_run_file, remove_run_file, write_run_file

    lang = lang_of()
    try:
        folder = _workspace_folder(workspace)
        running = None if collect_only else read_run_file(folder)
        if running is not None:
            raise RecorridoError(
                "server_already_running",
                pid=running["pid"],
                folder=str(folder),
                address=running["address"],
            )
        if not _is_loopback(host) and not KeyStore(folder).has_keys():
            raise RecorridoError("server_public_without_keys", host=host, folder=str(folder))
        listener = _listen(host, port)
        from recorrido.server.app import create_app

        local_token = secrets.token_urlsafe(32)
        application = create_app(
            folder,
            rate_limit=rate_limit,
            local_token=local_token,
            collect_only=collect_only,
            warm=warm,
        )
    except RecorridoError as exc:
        fail(exc, False, lang)
    import uvicorn

    address = f"http://{_url_host(host)}:{listener.getsockname()[1]}"
    info = None if collect_only else write_run_file(folder, address, local_token)
    out.print(f"[green]✓[/] {message('server_listening', lang, address=address, folder=folder)}")
    out.print(message("server_collect_hint", lang, address=address, folder=folder))
    if not KeyStore(folder).has_keys("write"):
        err.print(message("server_no_keys_yet", lang, folder=folder))
    try:
        config = uvicorn.Config(application, log_level="warning", access_log=False)
        _server(config).run(sockets=[listener])
    finally:
        if info is not None:
            remove_run_file(folder, info)
    out.print(message("server_stopped", lang, folder=folder), highlight=False)


def _server(config):
    """A uvicorn server whose ``run`` returns once SIGTERM or Ctrl+C has shut it down.

    uvicorn raises the signal again after its graceful shutdown (so that the process ends as the
    signal says): that ended the process before ``serve`` removed its run file, and Ctrl+C
    printed a traceback. By then the shutdown is done (requests answered, the loader's last load,
    the database closed), so the signal is let go and ``serve`` cleans up and says so."""
    import contextlib

    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            with super().capture_signals():
                try:
                    yield
                finally:
                    self._captured_signals.clear()

    return Server(config)


def _workspace_folder(workspace: Path) -> Path:
    from recorrido.settings import SETTINGS_FILE

    if not (workspace / SETTINGS_FILE).exists():
        raise RecorridoError("workspace_missing", path=str(workspace))
    return workspace


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a busy port is one clear sentence."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise RecorridoError("server_port_busy", host=host, port=port) from exc
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


@keys_app.command("create")
def keys_create(
    workspace: WorkspaceOption,
    kind: Annotated[str, typer.Option(help="write (collection) | read (JSON API)")] = "write",
    name: Annotated[str, typer.Option(help="A note: who uses it / para quién")] = "",
    as_json: JsonOption = False,
) -> None:
    """Create a key; its token is shown once (the workspace keeps only its hash)."""
    from recorrido.server.keys import KeyStore

    lang = lang_of()
    try:
        record, token = KeyStore(_workspace_folder(workspace)).create(kind, name)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps({"key_id": record.key_id, "kind": record.kind, "token": token}))
        return
    out.print(message("server_keys_created", lang, kind=record.kind, key_id=record.key_id))
    out.print(token, highlight=False, soft_wrap=True)


@keys_app.command("list")
def keys_list(workspace: WorkspaceOption, as_json: JsonOption = False) -> None:
    """List the keys (never their tokens)."""
    from recorrido.server.keys import KeyStore

    lang = lang_of()
    try:
        records = KeyStore(_workspace_folder(workspace)).records()
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    rows = [
        {
            "key_id": r.key_id,
            "kind": r.kind,
            "name": r.name,
            "created_at": r.created_at,
            "revoked_at": r.revoked_at,
        }
        for r in records
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        out.print(message("server_keys_none", lang, folder=workspace))
        return
    view = Table()
    for key in (
        "server_keys_col_id",
        "server_keys_col_kind",
        "server_keys_col_name",
        "server_keys_col_created",
    ):
        view.add_column(message(key, lang))
    view.add_column(message("server_keys_col_state", lang))
    for row in rows:
        state = "server_keys_active" if row["revoked_at"] is None else "server_keys_revoked_state"
        view.add_row(
            row["key_id"], row["kind"], row["name"], row["created_at"], message(state, lang)
        )
    out.print(view)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see keys list)")],
    workspace: WorkspaceOption,
) -> None:
    """Revoke a key: it stops working at once, also in a running server."""
    from recorrido.server.keys import KeyStore

    lang = lang_of()
    try:
        KeyStore(_workspace_folder(workspace)).revoke(key_id)
    except RecorridoError as exc:
        fail(exc, False, lang)
    out.print(f"[green]✓[/] {message('server_keys_revoked', lang, key_id=key_id)}")
