"""Every user-facing message exists in Spanish and English with the same placeholders."""

from __future__ import annotations

import string

import pytest

from recorrido.i18n import LANGUAGES, all_messages, resolve_language

MESSAGES = all_messages()


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_message_in_both_languages(key):
    texts = MESSAGES[key]
    assert set(texts) == set(LANGUAGES)
    fields = [
        {name for _, name, _, _ in string.Formatter().parse(texts[lang]) if name}
        for lang in LANGUAGES
    ]
    assert fields[0] == fields[1]
    assert texts["es"] != texts["en"] or not any(c.isalpha() for c in texts["en"])


def test_every_quarantine_reason_has_a_message():
    codes = {
        "missing_id",
        "empty_timestamp",
        "bad_timestamp",
        "timestamp_too_old",
        "timestamp_in_future",
        "empty_event",
        "bad_value",
        "malformed_line",
    }
    assert {f"reason_{c}" for c in codes} <= set(MESSAGES)


def test_language_choice(monkeypatch):
    monkeypatch.setenv("RECORRIDO_LANG", "es")
    assert resolve_language() == "es"
    assert resolve_language("en") == "en"
    monkeypatch.delenv("RECORRIDO_LANG")
    assert resolve_language(None, "es") == "es"
