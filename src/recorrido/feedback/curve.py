"""The measured emotion curve: what customers said, per stage of a journey map, beside the
emotion the team designed.

Per stage (and per persona, source and period):
- **answers**: feedback rows placed at the stage;
- **NPS** (answers of kind ``nps``): % promoters (9–10) − % detractors (0–6), with a 95 % normal
  interval from the variance of the per-answer score (+1 promoter, 0 passive, −1 detractor);
- **mean CSAT** (kind ``csat``, 1–5) and **mean stars** with a 95 % t interval;
- **shares** positive / neutral / negative of the rows' sentiment with Wilson intervals;
- **net sentiment** (share positive − share negative, interval as for NPS) and the **measured
  emotion** on the map's −2..+2 scale: twice the net sentiment. A stage is flagged **worse than
  designed** when the upper end of its measured interval is below the map's ``emotion.score``.

Over time: a **drop** is a run of periods in which a stage's net sentiment is significantly lower
than in its other periods; a **rising topic** is a run of periods in which a stage's topic takes
a significantly larger share of its texts than in its other periods (both Bonferroni-corrected
over the periods tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recorrido.analytics.intervals import Z95, diff_interval, wilson, z_for
from recorrido.errors import RecorridoError
from recorrido.feedback.store import read_feedback
from recorrido.feedback.topics import distinguishing_words, find_topics

PERIODS = {"day": "D", "week": "W-SUN", "month": "M"}
#: A period with fewer sentiment-bearing rows than this is not tested for a drop or a rise.
MIN_PERIOD_ROWS = 10
ALPHA = 0.05


# -- figures ------------------------------------------------------------------------------------
def trinomial(plus: int, minus: int, n: int, z: float = Z95) -> dict | None:
    """``plus/n − minus/n`` with a normal interval (NPS and net sentiment), or None for n = 0."""
    if n <= 0:
        return None
    p, m = plus / n, minus / n
    value = p - m
    half = z * math.sqrt(max(p + m - value * value, 0.0) / n)
    return {"value": value, "low": max(-1.0, value - half), "high": min(1.0, value + half), "n": n}


def mean_interval(values: pd.Series) -> dict | None:
    values = values.dropna().astype(float)
    n = len(values)
    if n == 0:
        return None
    mean = float(values.mean())
    if n == 1:
        return {"mean": mean, "low": None, "high": None, "n": 1}
    from scipy.stats import t

    half = float(t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": n}


def shares(sentiments: pd.Series) -> dict:
    sentiments = sentiments.dropna()
    n = len(sentiments)
    result = {}
    for label in ("positive", "neutral", "negative"):
        k = int((sentiments == label).sum())
        low, high = wilson(k, n) if n else (None, None)
        result[label] = {"count": k, "share": k / n if n else None, "low": low, "high": high}
    return result


def figures(rows: pd.DataFrame) -> dict:
    """The emotion figures of a group of feedback rows."""
    nps_rows = rows[rows["kind"] == "nps"]["score"].dropna()
    nps = trinomial(int((nps_rows >= 9).sum()), int((nps_rows <= 6).sum()), len(nps_rows))
    if nps is not None:
        nps = {k: (v * 100 if k != "n" else v) for k, v in nps.items()}
    sentiment = rows["sentiment"].dropna()
    net = trinomial(
        int((sentiment == "positive").sum()), int((sentiment == "negative").sum()), len(sentiment)
    )
    measured = None
    if net is not None:
        measured = {"value": 2 * net["value"], "low": 2 * net["low"], "high": 2 * net["high"]}
    return {
        "answers": len(rows),
        "texts": int(rows["text"].notna().sum()),
        "nps": nps,
        "csat": mean_interval(rows[rows["kind"] == "csat"]["score"]),
        "stars": mean_interval(rows[rows["kind"] == "stars"]["score"]),
        "shares": shares(sentiment),
        "net_sentiment": net,
        "measured_emotion": measured,
    }


# -- the result ---------------------------------------------------------------------------------
@dataclass
class StageEmotion:
    stage: str
    name: str
    designed: int | None
    figures: dict
    worse_than_designed: bool
    topics: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "stage": self.stage,
            "name": self.name,
            "designed_emotion": self.designed,
            **_rounded(self.figures),
            "worse_than_designed": self.worse_than_designed,
            "topics": [t.to_dict() for t in self.topics],
        }


@dataclass
class EmotionCurve:
    """The measured emotion curve of one map; :meth:`to_dict` is the JSON every face shows."""

    map_name: str
    period: str
    stages: list[StageEmotion]
    unplaced: dict
    breakdowns: dict = field(default_factory=dict)
    drops: list = field(default_factory=list)
    rising_topics: list = field(default_factory=list)
    words: dict = field(default_factory=dict)
    drivers: list = field(default_factory=list)
    sentiment_model: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "map": self.map_name,
            "period": self.period,
            "stages": [s.to_dict() for s in self.stages],
            "unplaced": _rounded(self.unplaced),
            "breakdowns": _rounded(self.breakdowns),
            "drops": _rounded(self.drops),
            "rising_topics": _rounded(self.rising_topics),
            "words": self.words,
            "drivers": _rounded(self.drivers),
            "sentiment_model": self.sentiment_model,
        }


def _rounded(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return _rounded(float(value))
    return value


# -- the curve ----------------------------------------------------------------------------------
def emotion_curve(workspace, journey_map, *, period: str = "week", topics: bool = True):
    """The measured emotion curve of ``journey_map`` (a map or a YAML path) on the workspace's
    feedback; see the module's docstring for every figure."""
    from recorrido.analytics.tagging import load_map
    from recorrido.feedback.scoring import sentiment_summary

    if period not in PERIODS:
        raise RecorridoError("feedback_period_unknown", period=period)
    journey = load_map(journey_map)
    rows = read_feedback(workspace.con)
    if rows.empty:
        raise RecorridoError("feedback_none")
    rows["timestamp"] = pd.to_datetime(rows["timestamp"], utc=True)
    rows["period"] = rows["timestamp"].dt.tz_localize(None).dt.to_period(PERIODS[period])
    stages = []
    for stage in journey.stages:
        at = rows[rows["stage"] == stage.id]
        found = figures(at)
        designed = stage.emotion.score if stage.emotion is not None else None
        measured = found["measured_emotion"]
        worse = bool(designed is not None and measured is not None and measured["high"] < designed)
        stage_topics = []
        if topics:
            texts = at[at["text"].notna()]
            stage_topics, assignment = find_topics(texts["text"].tolist())
            rows.loc[texts.index, "topic"] = assignment
            negative = texts["sentiment"].eq("negative").to_numpy()
            for topic in stage_topics:
                topic.negative = int(negative[np.asarray(assignment) == topic.id].sum())
        stages.append(StageEmotion(stage.id, stage.name, designed, found, worse, stage_topics))
    known = {s.id for s in journey.stages}
    curve = EmotionCurve(
        map_name=journey.name,
        period=period,
        stages=stages,
        unplaced=figures(rows[~rows["stage"].isin(known)]),
        sentiment_model=sentiment_summary(workspace.folder),
    )
    curve.breakdowns = _breakdowns(workspace, journey, rows)
    curve.drops = _drops(rows, journey)
    if topics and "topic" in rows:
        curve.rising_topics = _rising(rows, journey, stages)
    curve.words = _words(rows)
    curve.drivers = _drivers(rows, journey)
    return curve


def _breakdowns(workspace, journey, rows: pd.DataFrame) -> dict:
    groups: dict[str, dict[str, pd.Series]] = {"source": {}, "period": {}, "persona": {}}
    for value in sorted(rows["source"].dropna().unique()):
        groups["source"][str(value)] = rows["source"] == value
    for value in sorted(rows["period"].dropna().unique()):
        groups["period"][str(value.start_time.date())] = rows["period"] == value
    for persona in journey.personas:
        if persona.rule is None:
            continue
        customers = journey.persona_customers(workspace.events, persona.id)
        ids = set(customers.to_pandas()["customer_id"])
        groups["persona"][persona.id] = rows["customer_id"].isin(ids)
    result: dict = {}
    for dimension, members in groups.items():
        result[dimension] = []
        for value, mask in members.items():
            for stage in journey.stages:
                at = rows[mask & (rows["stage"] == stage.id)]
                if len(at):
                    result[dimension].append({"value": value, "stage": stage.id, **figures(at)})
    return result


def _runs(flags: list[tuple[pd.Period, bool, dict]]) -> list[tuple[pd.Period, pd.Period, list]]:
    """Consecutive flagged periods merged: ``(first, last, their details)``."""
    runs, current = [], None
    for when, flagged, detail in flags:
        if flagged and current is not None and when == current[1] + 1:
            current = (current[0], when, current[2] + [detail])
        elif flagged:
            if current is not None:
                runs.append(current)
            current = (when, when, [detail])
        elif current is not None:
            runs.append(current)
            current = None
    if current is not None:
        runs.append(current)
    return runs


def _drops(rows: pd.DataFrame, journey) -> list[dict]:
    found = []
    with_sentiment = rows[rows["sentiment"].notna()]
    for stage in journey.stages:
        at = with_sentiment[with_sentiment["stage"] == stage.id]
        periods = sorted(p for p, n in at["period"].value_counts().items() if n >= MIN_PERIOD_ROWS)
        if len(periods) < 2:
            continue
        z = z_for(ALPHA, len(periods))
        flags = []
        for when in periods:
            inside, outside = at[at["period"] == when], at[at["period"] != when]
            a, b = _net(inside["sentiment"]), _net(outside["sentiment"])
            diff = a["value"] - b["value"]
            se = math.sqrt(a["var"] / a["n"] + b["var"] / b["n"])
            high = diff + z * se
            flags.append((when, high < 0, None))
        for first, last, _ in _runs(flags):
            span = at[(at["period"] >= first) & (at["period"] <= last)]
            rest = at[(at["period"] < first) | (at["period"] > last)]
            a, b = _net(span["sentiment"]), _net(rest["sentiment"])
            found.append(
                {
                    "stage": stage.id,
                    "start": str(first.start_time.date()),
                    "end": str(last.end_time.date()),
                    "net_inside": a["value"],
                    "net_outside": b["value"],
                    "rows_inside": a["n"],
                    "rows_outside": b["n"],
                }
            )
    return found


def _net(sentiments: pd.Series) -> dict:
    n = len(sentiments)
    p = float((sentiments == "positive").mean()) if n else 0.0
    m = float((sentiments == "negative").mean()) if n else 0.0
    value = p - m
    return {"value": value, "var": max(p + m - value * value, 1e-9), "n": max(n, 1)}


def _rising(rows: pd.DataFrame, journey, stages: list[StageEmotion]) -> list[dict]:
    found = []
    for stage, emotion in zip(journey.stages, stages, strict=True):
        at = rows[(rows["stage"] == stage.id) & rows["text"].notna() & rows["topic"].notna()]
        periods = sorted(p for p, n in at["period"].value_counts().items() if n >= MIN_PERIOD_ROWS)
        if len(periods) < 2 or not emotion.topics:
            continue
        z = z_for(ALPHA, len(periods) * len(emotion.topics))
        for topic in emotion.topics:
            flags = []
            for when in periods:
                inside, outside = at[at["period"] == when], at[at["period"] != when]
                k1, n1 = int((inside["topic"] == topic.id).sum()), len(inside)
                k2, n2 = int((outside["topic"] == topic.id).sum()), len(outside)
                low, _ = diff_interval(k1, n1, k2, n2, z)
                flags.append((when, low > 0, None))
            for first, last, _ in _runs(flags):
                span = at[(at["period"] >= first) & (at["period"] <= last)]
                rest = at[(at["period"] < first) | (at["period"] > last)]
                found.append(
                    {
                        "stage": stage.id,
                        "topic": topic.name,
                        "words": topic.words,
                        "start": str(first.start_time.date()),
                        "end": str(last.end_time.date()),
                        "share_inside": float((span["topic"] == topic.id).mean()),
                        "share_outside": float((rest["topic"] == topic.id).mean())
                        if len(rest)
                        else None,
                    }
                )
    return found


def _words(rows: pd.DataFrame) -> dict:
    """Detractors against promoters (NPS), or negative against positive texts without NPS."""
    texts = rows[rows["text"].notna()]
    nps = texts[texts["kind"] == "nps"]
    detractors, promoters = nps[nps["score"] <= 6], nps[nps["score"] >= 9]
    basis = "nps"
    if len(detractors) < 10 or len(promoters) < 10:
        detractors = texts[texts["sentiment"] == "negative"]
        promoters = texts[texts["sentiment"] == "positive"]
        basis = "sentiment"
    words = distinguishing_words(detractors["text"].tolist(), promoters["text"].tolist())
    return {"basis": basis, "detractors": words["first"], "promoters": words["second"]}


def _drivers(rows: pd.DataFrame, journey) -> list[dict]:
    """Stages and touchpoints whose feedback is more often negative than the rest's (Newcombe
    interval of the difference, Bonferroni over the places tested)."""
    judged = rows[rows["sentiment"].notna()]
    places = [("stage", s.id) for s in journey.stages] + [
        ("touchpoint", tp.id) for s in journey.stages for tp in s.touchpoints
    ]
    z = z_for(ALPHA, len(places))
    negative = judged["sentiment"] == "negative"
    found = []
    for level, place in places:
        mask = judged[level] == place
        n1, n2 = int(mask.sum()), int((~mask).sum())
        if n1 == 0 or n2 == 0:
            continue
        k1, k2 = int((negative & mask).sum()), int((negative & ~mask).sum())
        low, high = diff_interval(k1, n1, k2, n2, z)
        found.append(
            {
                "level": level,
                "id": place,
                "negative_share": k1 / n1,
                "negative_share_elsewhere": k2 / n2,
                "difference": k1 / n1 - k2 / n2,
                "low": low,
                "high": high,
                "rows": n1,
                "significant": low > 0,
            }
        )
    found.sort(key=lambda d: -d["difference"])
    return found


def report_feedback(workspace, journey_map) -> dict | None:
    """The measured emotion curve with its topics as the report shows it (``to_dict()``), or
    None when the workspace holds no feedback (the report then has no feedback section)."""
    if read_feedback(workspace.con).empty:
        return None
    return emotion_curve(workspace, journey_map).to_dict()


def measured_emotions(workspace, journey_map) -> dict[str, float]:
    """``{stage id: measured emotion}`` on the map's -2..+2 scale, for the stages whose feedback
    gives one: what the report draws beside the designed curve. Empty when the workspace holds
    no feedback, so that the report then shows the designed curve alone."""
    if read_feedback(workspace.con).empty:
        return {}
    curve = emotion_curve(workspace, journey_map, topics=False)
    return {
        stage.stage: stage.figures["measured_emotion"]["value"]
        for stage in curve.stages
        if stage.figures["measured_emotion"] is not None
    }
