"""A small hand-written Spanish polarity lexicon: the offline fallback when a team has no labels.

No maintained Spanish lexicon package that runs offline is installed, so this list of word
stems (written for customer service: delays, lost bags, refunds, kindness) stands in for one.
It is weak, and ``docs/feedback.md`` states its measured accuracy: a trained model on the team's
own labels is the default whenever labels exist.

A stem matches a word that starts with it (``cancel`` matches ``cancelado``, ``cancelaron``).
A negator (``no``, ``nunca``, ``ni``, ``sin``) flips the polarity of the next three words.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache


def _split(words: str) -> list[str]:
    return words.split()


POSITIVE_STEMS = tuple(
    _split(
        """
    gracias agradec genial excelent estupend fantastic maravill perfect encant encanta
    buen buena buenis mejor mejore feliz felic alegr amabl amable simpat atent profesional
    rapid rápid puntual comod cómod limpi recomiend recomend satisf content ilusion
    increibl increíbl guap bonit precios divin top gust disfrut ayud solucion resuelt
    eficien facil fácil correct agradabl cariñ enhorabuen felicid felicit premi ganad
    bien favorit grande impecabl encantad magnific magnífic espectacular love 😍 😊 ❤ 👏 👍 🙏 😁
    """
    )
)

NEGATIVE_STEMS = tuple(
    _split(
        """
    retras retraso demor cancel perdid perdier perdí extravi roto rota dañ queja quej reclam
    vergüenz verguenz vergonz pesim pésim horribl terribl fatal mal malo mala peor desastr
    asco asquer indign vergon engañ estaf rob timo caos lament lamentabl inacept inútil inutil
    sucio sucia incompet nefast penos ridícul ridicul cabre enfad harto harta hart molest
    tarde esper esperando problem fallo falla error imposibl dificil difícil
    huelg caro abusiv cobr denunci devol devuélv devuelv reembols ruid incomod incómod
    grosero grosera maleducad desastros overbooking pierd odi triste decepcion decepcion
    😡 😠 😤 😭 😢 👎 🤬
    """
    )
)

NEGATORS = frozenset({"no", "nunca", "ni", "sin", "jamás", "jamas", "tampoco"})
_TOKEN = re.compile(r"[\wáéíóúüñ]+|[^\w\s]", re.UNICODE)
_DROP = re.compile(r"(https?://\S+|@\w+)")


def _starts_with_any(stems: tuple[str, ...]) -> re.Pattern:
    # One compiled alternation tests every stem in C (a Python loop over 200 stems per word
    # made the fallback the slowest step of scoring); match() anchors it like startswith.
    return re.compile("|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True)))


_NEGATIVE = _starts_with_any(NEGATIVE_STEMS)
_POSITIVE = _starts_with_any(POSITIVE_STEMS)


@lru_cache(maxsize=65_536)
def _polarity(word: str) -> int:
    if _NEGATIVE.match(word):
        return -1
    if _POSITIVE.match(word):
        return 1
    return 0


def spanish_counts(text: str | None) -> tuple[int, int]:
    """Positive and negative hits in ``text``, a negator flipping the next three words."""
    if not text:
        return 0, 0
    tokens = _TOKEN.findall(_DROP.sub(" ", text.lower()))
    positive, negative, flip = 0, 0, 0
    for token in tokens:
        if token in NEGATORS:
            flip = 3
            continue
        polarity = _polarity(token)
        if flip:
            polarity, flip = -polarity, flip - 1
        if polarity > 0:
            positive += 1
        elif polarity < 0:
            negative += 1
    return positive, negative


def spanish_score(text: str | None) -> float:
    """A polarity in [-1, 1]: positive minus negative hits, negation flipped, squashed by tanh."""
    positive, negative = spanish_counts(text)
    return math.tanh((positive - negative) / 2)
