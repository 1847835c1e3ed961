"""The report's feedback section: what customers said at each stage, as a CX team reads it.

From the measured emotion curve (:func:`recorrido.feedback.emotion_curve`, its ``to_dict()``):
per stage the number of answers, how many were positive / neutral / negative, the measured
emotion on the map's −2..+2 scale with its 95 % interval beside the designed one, NPS and mean
CSAT where asked; then the stages' main topics, those with the most negative texts first, each
with its share, its share of negative texts and an example quote.

Quotes and topic words are customers' text: they are handed to the template as plain strings
and the template's autoescape writes them as text (a quote holding ``<script>`` shows as typed).
A workspace without feedback gets no section (the emotion lane already says there is none).
"""

from __future__ import annotations

from recorrido.i18n import message
from recorrido.report.render import DASH, format_number, format_percent

#: Topics shown per stage, and quotes per topic: the report is a summary; ``emotions`` has all.
TOPICS_PER_STAGE = 3
QUOTES_PER_TOPIC = 1


def feedback_section(curve: dict | None, lang: str) -> dict | None:
    """The section's rows and topics, or None when there is no feedback to show."""
    if not curve:
        return None

    def t(key: str, **params) -> str:
        return message(f"report_feedback_{key}", lang, **params)

    stages = [_stage_row(stage, lang) for stage in curve["stages"]]
    answers = sum(s["answers_n"] for s in stages)
    unplaced = int((curve.get("unplaced") or {}).get("answers") or 0)
    if answers + unplaced == 0:
        return None
    topics = [
        {
            "stage": stage["name"],
            "topics": [
                {
                    "name": topic["name"],
                    "share": format_percent(topic["share"], lang),
                    "texts": format_number(topic["texts"], lang),
                    "negative": format_percent(
                        topic.get("negative", 0) / topic["texts"] if topic["texts"] else None,
                        lang,
                    ),
                    "quotes": topic["quotes"][:QUOTES_PER_TOPIC],
                }
                for topic in _worst_first(stage["topics"])[:TOPICS_PER_STAGE]
            ],
        }
        for stage in curve["stages"]
        if stage.get("topics")
    ]
    worse = [s["name"] for s in stages if s["worse"]]
    reading = t(
        "reading",
        answers=format_number(answers, lang),
        stages=format_number(sum(1 for s in stages if s["answers_n"]), lang),
    )
    if unplaced:
        reading += " " + t("unplaced", count=format_number(unplaced, lang))
    if worse:
        reading += " " + t("worse", stages=", ".join(worse))
    return {
        "reading": reading,
        "stages": [s for s in stages if s["answers_n"]],
        "has_nps": any(s["nps"] != DASH for s in stages),
        "has_csat": any(s["csat"] != DASH for s in stages),
        "topics": topics,
    }


def _worst_first(topics: list[dict]) -> list[dict]:
    """The topics with the most negative texts first (what hurts is what a CX team acts on),
    then the largest."""
    return sorted(topics, key=lambda t: (-t.get("negative", 0), -t["texts"], t["id"]))


def _stage_row(stage: dict, lang: str) -> dict:
    shares = stage.get("shares") or {}
    counts = {label: int((shares.get(label) or {}).get("count") or 0) for label in _LABELS}
    rated = sum(counts.values())
    measured = stage.get("measured_emotion")
    nps = stage.get("nps")
    csat = stage.get("csat")
    return {
        "name": stage["name"],
        "answers_n": int(stage.get("answers") or 0),
        "answers": format_number(int(stage.get("answers") or 0), lang),
        "counts": {
            label: {
                "n": format_number(counts[label], lang),
                "share": format_percent(counts[label] / rated, lang) if rated else DASH,
            }
            for label in _LABELS
        },
        "measured": _signed(measured["value"], lang) if measured else DASH,
        "measured_interval": _interval(measured, "value", lang, 1) if measured else "",
        "designed": DASH
        if stage.get("designed_emotion") is None
        else _signed(stage["designed_emotion"], lang),
        "worse": bool(stage.get("worse_than_designed")),
        "nps": _signed(nps["value"], lang, 0) if nps else DASH,
        "nps_interval": _interval(nps, "value", lang, 0) if nps else "",
        "csat": format_number(csat["mean"], lang, 1) if csat else DASH,
        "csat_interval": _interval(csat, "mean", lang, 1) if csat else "",
    }


_LABELS = ("positive", "neutral", "negative")


def _signed(value: float, lang: str, decimals: int = 1) -> str:
    text = format_number(abs(value), lang, decimals)
    if text.strip("0,.") == "":
        return text
    return ("+" if value > 0 else "−") + text


def _interval(figure: dict, key: str, lang: str, decimals: int) -> str:
    low, high = figure.get("low"), figure.get("high")
    if low is None or high is None:
        return ""
    if key == "mean":
        low_text, high_text = (
            format_number(low, lang, decimals),
            format_number(high, lang, decimals),
        )
    else:
        low_text, high_text = _signed(low, lang, decimals), _signed(high, lang, decimals)
    return f"{low_text} {'a' if lang == 'es' else 'to'} {high_text}"
