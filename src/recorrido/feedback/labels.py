"""Sentiment labels: the three classes, what a team's label column may say, and scores as labels.

A survey score is the customer's own verdict, so it serves as a label where no one wrote one:
NPS 0–6 negative (detractor), 7–8 neutral (passive), 9–10 positive (promoter); stars and CSAT
(1–5) 1–2 negative, 3 neutral, 4–5 positive; CES (1–7, "it was easy") 1–3 negative, 4 neutral,
5–7 positive.
"""

from __future__ import annotations

import math

LABELS = ("negative", "neutral", "positive")

#: The scale of each kind of answer: (lowest, highest); ``text`` carries no score.
KINDS: dict[str, tuple[float, float] | None] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "stars": (1, 5),
    "text": None,
}

_WORDS = {
    "negative": "negative",
    "negativo": "negative",
    "negativa": "negative",
    "neg": "negative",
    "-1": "negative",
    "bad": "negative",
    "malo": "negative",
    "detractor": "negative",
    "neutral": "neutral",
    "neutro": "neutral",
    "neu": "neutral",
    "0": "neutral",
    "passive": "neutral",
    "pasivo": "neutral",
    "positive": "positive",
    "positivo": "positive",
    "positiva": "positive",
    "pos": "positive",
    "1": "positive",
    "+1": "positive",
    "good": "positive",
    "bueno": "positive",
    "promoter": "positive",
    "promotor": "positive",
}


def normalise_label(value: object) -> str | None:
    """``negative``/``neutral``/``positive`` from a team's label (either language), or None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return _WORDS.get(str(value).strip().lower())


def label_from_score(kind: str | None, score: float | None) -> str | None:
    """The label a score implies (see the module's docstring), or None without one."""
    if score is None or kind is None or (isinstance(score, float) and math.isnan(score)):
        return None
    if kind == "nps":
        return "negative" if score <= 6 else "neutral" if score <= 8 else "positive"
    if kind in ("csat", "stars"):
        return "negative" if score <= 2 else "neutral" if score < 4 else "positive"
    if kind == "ces":
        return "negative" if score <= 3 else "neutral" if score < 5 else "positive"
    return None


def in_range(kind: str, score: float) -> bool:
    scale = KINDS.get(kind)
    return scale is not None and scale[0] <= score <= scale[1]
