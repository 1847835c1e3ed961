"""Each finding in plain words, in Spanish and English, from its message key and parameters."""

from __future__ import annotations

import math

from recorrido.i18n import message

_RATES = (
    "rate_affected",
    "rate_comparable",
    "share",
    "normal",
    "rate",
    "baseline",
    "share_long",
    "share_long_rest",
)


def percent(value: float, lang: str) -> str:
    share = 100 * value
    if 99.5 <= share < 100:  # never "100 %" for a share short of everyone: 99.87 → 99.8
        number = f"{math.floor(share * 10) / 10:.1f}"
        number = number.replace(".", ",") if lang == "es" else number
    else:
        number = f"{share:.0f}"
    return f"{number} %" if lang == "es" else f"{number}%"


def points(value: float, lang: str) -> str:
    number = f"{100 * value:+.1f}".replace("-", "−")
    if lang == "es":
        return number.replace(".", ",") + " puntos"
    return number + " points"


def sentence(finding, lang: str) -> str:
    """The finding's sentence: what, where, how many, the effect, when and who."""
    params = dict(finding.message.get("params", {}))
    params.update(
        customers=finding.customers,
        rate_affected=finding.rate_affected,
        rate_comparable=finding.rate_comparable,
        effect=points(finding.effect, lang),
        start=finding.start or "",
        end=finding.end or "",
    )
    for key in _RATES:
        if isinstance(params.get(key), float):
            params[key] = percent(params[key], lang)
    text = message(finding.message.get("key", f"insight_{finding.kind}"), lang, **params)
    if finding.start and finding.kind != "drift":
        text += " " + message("insight_period", lang, start=finding.start, end=finding.end)
    if finding.segment:
        seg = finding.segment
        text += " " + message(
            "insight_segment",
            lang,
            dimension=seg["dimension"],
            value=seg["value"],
            share=percent(seg["share_affected"], lang),
            pool=percent(seg["share_comparable"], lang),
        )
    parts = getattr(finding, "parts", None)
    if parts:
        text += " " + message("insight_parts", lang, count=len(parts))
    return text
