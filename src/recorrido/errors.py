"""The one error type that faces (CLI, web) show to people instead of a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class RecorridoError(Exception):
    """A problem the user can fix: the message says what, where, and what to do.

    ``key`` names a message in :mod:`recorrido.i18n` so faces can show it in the user's language;
    ``params`` fill its placeholders.
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        from recorrido.i18n import message

        super().__init__(message(key, "en", **params))

    def localized(self, lang: str) -> str:
        from recorrido.i18n import message

        return message(self.key, lang, **self.params)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """The closest known names to ``name``, formatted for a message ('' when none is close)."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return ", ".join(f"`{c}`" for c in close)
