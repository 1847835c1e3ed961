"""What every command shares: the Typer app, consoles, common options, language and errors.

Commands are thin: each calls the Python API and shows its result, as a Rich table for people or
as JSON (``--json``) for programs. Errors are shown as one clear sentence, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.errors import MarkupError
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from recorrido.errors import RecorridoError
from recorrido.i18n import message, resolve_language

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


# -- terminal output that never interprets data -------------------------------------------------
#: Style words the commands' own templates use; any other ``[...]`` in printed text is shown as is.
_STYLE_WORDS = frozenset(
    {"bold", "dim", "italic", "underline", "reverse", "strike", "not", "on", "grey50"}
    | {"red", "green", "yellow", "blue", "cyan", "magenta", "white", "black", "bright_black"}
)
_TAG = re.compile(r"(?<!\\)\[(/?)([^\[\]]*)\]")  # an escaped \[ is already text
#: C0 and C1 control characters (ANSI/OSC escape sequences start with them) and the bidirectional
#: overrides that can make a terminal show text in another order than it is stored.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """``text`` with control characters shown as visible escapes (``\\x1b``), never sent raw."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def safe_markup(text: str) -> Text:
    """A command's template (``[green]✓[/] {data}``) as styled text, where only known style tags
    are markup: ``[link=...]``, ``[export]`` or an unbalanced ``[/]`` from data print as is."""
    text = clean_text(text)

    def keep_or_escape(tag: re.Match) -> str:
        closing, content = tag.group(1), tag.group(2)
        words = content.split()
        if (closing and not content) or (words and all(w in _STYLE_WORDS for w in words)):
            return tag.group(0)
        return "\\" + tag.group(0)

    try:
        return Text.from_markup(_TAG.sub(keep_or_escape, text))
    except MarkupError:  # data held a bare [/] or [bold]: show the whole line plainly
        return Text(text)


class SafeConsole(Console):
    """A console on which data can never become markup, a link or a terminal escape sequence.

    Strings given to :meth:`print` are the commands' templates: only known style tags count (see
    :func:`safe_markup`); ``markup=False`` prints them literally. Every other string (table cells,
    titles, captions) is shown literally; control characters are always made visible.
    """

    def print(self, *objects: Any, markup: bool | None = None, **options: Any) -> None:
        literal = markup is False
        for table in objects:
            if isinstance(table, Table):
                _fold_long_cells(table)
        shown = [
            (Text(clean_text(o)) if literal else safe_markup(o)) if isinstance(o, str) else o
            for o in objects
        ]
        super().print(*shown, **options)

    def render_str(self, text: str, **options: Any) -> Text:
        options["markup"] = False
        options["emoji"] = False
        return super().render_str(clean_text(text), **options)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # The last gate before the terminal: text that reached a segment by another way (a Text
        # built by a command, a progress bar's description) loses its control characters too.
        # Control segments are Rich's own cursor moves, not data.
        return super()._render_buffer(
            segment if segment.control else Segment(clean_text(segment.text), segment.style)
            for segment in buffer
        )


def _fold_long_cells(table: Table) -> None:
    """Rich cuts a cell wider than its column with an ellipsis (ids at 80 columns, or whenever
    the output is piped); a cut id cannot be copied into the next command, so such cells wrap onto
    the next line instead. Columns that chose their own overflow keep it."""
    for column in table.columns:
        if column.overflow == "ellipsis":
            column.overflow = "fold"


out = SafeConsole(emoji=False)
err = SafeConsole(stderr=True, emoji=False)

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
