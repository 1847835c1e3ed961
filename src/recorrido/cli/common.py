"""What every command shares: the Typer app, consoles, common options, language and errors.

Commands are thin: each calls the Python API and shows its result, as a Rich table for people or
as JSON (``--json``) for programs. Errors are shown as one clear sentence, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.text import Text

from recorrido.errors import RecorridoError
from recorrido.i18n import message, resolve_language

# Terminal output that never interprets data lives with the launcher, which loads no Typer.
from recorrido.launcher.terminal import (  # noqa: F401  (re-exported for the commands)
    SafeConsole,
    clean_text,
    err,
    out,
    safe_markup,
)

if TYPE_CHECKING:
    from recorrido.workspace import Workspace


class SafeTyper(typer.Typer):
    """The root app: the last net under every command, so no traceback ever reaches a user.

    Commands turn the problems a user can fix into :class:`RecorridoError` and :func:`fail`;
    anything else that escapes (a bug, an engine's unforeseen error) is shown here as one
    sentence saying so, and exit status 1. ``RECORRIDO_DEBUG=1`` lets the traceback through.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            command = typer.main.get_command(self)
            words = kwargs.get("args") or (args[0] if args else None) or sys.argv[1:]
            help_language = _chosen_language(list(words))
            if help_language:
                localize_help(command, help_language)
            return command(*args, **kwargs)
        except Exception as exc:
            if os.environ.get("RECORRIDO_DEBUG"):
                raise
            if isinstance(exc, RecorridoError):  # one a command forgot to catch: still a sentence
                text = exc.localized(lang_of())
            else:
                detail = (str(exc).strip().splitlines() or [""])[0][:300]
                kind = type(exc).__name__
                text = message("hardening_unexpected", lang_of(), kind=kind, detail=detail)
            err.print(Text.assemble(("✗", "bold red"), " ", clean_text(text)))
            sys.exit(1)


def _chosen_language(words: list[str]) -> str | None:
    """The language a person chose on this command line (``--lang``) or in RECORRIDO_LANG."""
    for index, word in enumerate(words):
        if word == "--lang" and index + 1 < len(words):
            return resolve_language(words[index + 1])
        if word.startswith("--lang="):
            return resolve_language(word.split("=", 1)[1])
    return resolve_language() if os.environ.get("RECORRIDO_LANG") else None


def localize_help(command: Any, lang: str) -> None:
    """Keep one side of every bilingual help text (``English / español``) in the whole tree.

    Help is written ``English text / texto en español`` so both languages show when none was
    chosen; once ``--lang`` or RECORRIDO_LANG says which, ``--help`` shows that one alone. Texts
    without exactly one `` / `` (command docstrings, mostly English) are left as they are.
    """
    for item in [command, *getattr(command, "params", [])]:
        for attribute in ("help", "short_help"):
            text = getattr(item, attribute, None)
            if isinstance(text, str) and text.count(" / ") == 1:
                english, spanish = text.split(" / ")
                setattr(item, attribute, spanish if lang == "es" else english)
    for sub in getattr(command, "commands", {}).values():
        localize_help(sub, lang)


app = SafeTyper(
    add_completion=False,
    no_args_is_help=True,
    help="recorrido: customer journeys — design the map, measure it, act on it. "
    "/ recorrido: el recorrido del cliente — diseña el mapa, mídelo, actúa.",
)


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
        err.print(Text.assemble(("✗", "bold red"), " ", clean_text(text)))
    raise typer.Exit(1)


def plain(params: dict) -> dict:
    return {k: v for k, v in params.items() if isinstance(v, str | int | float)}


def json_default(value: object) -> object:
    """JSON for values the standard encoder refuses: dates as ISO text, the rest as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
