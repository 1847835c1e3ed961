"""Terminal output that never interprets data: the consoles every command prints on.

Kept apart from ``cli/common.py`` (which loads Typer and every command) so that the launcher
(``launcher/entry.py``) can print a forwarded answer exactly as the command would, with Rich
alone loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.errors import MarkupError
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

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
