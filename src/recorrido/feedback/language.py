"""Which language a text is in: Spanish or English, by counting each language's stopwords.

Short texts (a tweet, a survey comment) rarely carry enough letters for character statistics,
but nearly every sentence holds a few function words ("de", "que", "el" / "the", "to", "and").
A text is the language with more of its stopwords; accents and ``ñ``/``¿``/``¡`` count for
Spanish; a tie, or no evidence at all, gives ``None`` (unknown). Measured accuracy on the airline
tweets is in ``docs/feedback.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _split(words: str) -> list[str]:
    return words.split()


LANGUAGES = ("es", "en")

SPANISH_STOPWORDS = frozenset(
    _split(
        """
    a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante
    e el ella ellas ellos en entre era eran es esa esas ese eso esos esta estaba estado estamos
    estan estar este esto estos estoy fue fueron ha habia han has hasta hay la las le les lo los
    mas me mi mis mucho muy nada ni no nos nosotros nuestra nuestro o os otra otro para pero poco
    por porque que quien se sea ser si sin sobre somos son su sus tambien te tengo tiene tienen
    todo todos tu tus un una uno unos usted vosotros y ya yo vuestro vuestra hola gracias
    """
    )
)

ENGLISH_STOPWORDS = frozenset(
    _split(
        """
    a about after again all am an and any are as at be because been before being but by can
    could did do does doing don down during each few for from had has have having he her here
    hers him his how i if in into is it its just me more most my no nor not now of off on once
    only or other our out over own same she should so some such than that the their them then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours thanks thank please
    """
    )
)

#: Words that are stopwords in both lists say nothing about the language.
_SHARED = SPANISH_STOPWORDS & ENGLISH_STOPWORDS
_ES = SPANISH_STOPWORDS - _SHARED
_EN = ENGLISH_STOPWORDS - _SHARED
_ACCENTS = re.compile(r"[áéíóúñ¿¡]")
_WORD = re.compile(r"[a-záéíóúüñ']+")
_DROP = re.compile(r"(https?://\S+|@\w+|#\w+)")
_FOLD = str.maketrans("áéíóúü", "aeiouu")


def detect_language(text: str | None) -> str | None:
    """``"es"``, ``"en"`` or ``None`` when the text gives no evidence either way."""
    if not text:
        return None
    lowered = _DROP.sub(" ", text.lower())
    words = [w.translate(_FOLD) for w in _WORD.findall(lowered)]
    spanish = sum(w in _ES for w in words) + 2 * len(_ACCENTS.findall(lowered))
    english = sum(w.replace("'", "") in _EN or w in _EN for w in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return None


def detect_languages(texts: Iterable[str | None]) -> list[str | None]:
    return [detect_language(t) for t in texts]


def stopwords(language: str | None) -> frozenset[str]:
    """Stopwords for topics and word comparisons (both lists when the language is unknown)."""
    if language == "es":
        return SPANISH_STOPWORDS
    if language == "en":
        return ENGLISH_STOPWORDS
    return SPANISH_STOPWORDS | ENGLISH_STOPWORDS
