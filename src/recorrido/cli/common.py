"""What every command shares: the Typer app, consoles, common options, language and errors.

Commands are thin: each calls the Python API and shows its result, as a Rich table for people or
as JSON (``--json``) for programs. Errors are shown as one clear sentence, never a traceback.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from recorrido.errors import RecorridoError
from recorrido.i18n import resolve_language

if TYPE_CHECKING:
    from recorrido.workspace import Workspace

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="recorrido: customer journeys — design the map, measure it, act on it. "
    "/ recorrido: el recorrido del cliente — diseña el mapa, mídelo, actúa.",
)
out = Console()
err = Console(stderr=True)

_state: dict[str, str | None] = {"lang": None}

WorkspaceOption = Annotated[
    Path, typer.Option("--workspace", "-w", help="Workspace folder / carpeta del espacio")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout / salida JSON")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="First day, YYYY-MM-DD or ISO time (UTC) / desde")
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last day (included) or ISO time (UTC) / hasta")
]
BackendOption = Annotated[
    str, typer.Option("--backend", help="duckdb | pyspark (local Spark over a Parquet export)")
]
InactivityOption = Annotated[
    str, typer.Option(help="No events for this long counts as stopped (e.g. 30d, 12h)")
]


@app.callback()
def main(
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of messages: es | en / idioma")
    ] = None,
) -> None:
    _state["lang"] = lang


def lang_of(workspace: Workspace | None = None, preferred: str | None = None) -> str:
    """The language for messages: ``--lang``, then the environment, workspace or file setting."""
    default = preferred or (workspace.settings.language if workspace else None)
    return resolve_language(_state["lang"], default)


def fail(exc: RecorridoError, as_json: bool, lang: str) -> NoReturn:
    """Show ``exc`` as one sentence (or one JSON object) and exit with status 1."""
    text = exc.localized(lang)
    if as_json:
        print(json.dumps({"error": exc.key, "message": text, **plain(exc.params)}))
    else:
        err.print(f"[bold red]✗[/] {text}", highlight=False)
    raise typer.Exit(1)


def plain(params: dict) -> dict:
    return {k: v for k, v in params.items() if isinstance(v, str | int | float)}


def json_default(value: object) -> object:
    """JSON for values the standard encoder refuses: dates as ISO text, the rest as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
