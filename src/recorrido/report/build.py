"""Gathering the report: the measured map's figures, the charts' analytics results and the texts,
into one context that the template draws; and writing the file.

The map part needs only the :class:`~recorrido.measured.MeasuredMap`. The charts below it (stage
funnel, Sankey of the first steps, top paths, retention) need the events too: pass the workspace
(or the Ibis events table) the map was measured on as ``source``; without it they say so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup

from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.journey.model import PHASES
from recorrido.measured.scratch import Scratch
from recorrido.report import charts_below, comparisons, headline, readings
from recorrido.report.emotion import emotion_lane
from recorrido.report.feedback_section import feedback_section
from recorrido.report.icons import icon
from recorrido.report.overlays import flow_pieces
from recorrido.report.predictions_section import predictions_section
from recorrido.report.render import (
    format_date,
    format_duration,
    format_number,
    render,
    script_text,
    static_text,
)
from recorrido.report.stage_cards import stage_cards

PHASE_COLORS = {"before": "#2563eb", "during": "#d97706", "after": "#059669", None: "#64748b"}
LANES = (
    "goals",
    "needs",
    "activities",
    "touchpoints",
    "emotion",
    "pain_points",
    "opportunities",
    "moments_of_truth",
    "resources",
    "notes",
)


def write_report(
    measured,
    path: str | Path,
    *,
    source=None,
    lang: str | None = None,
    measured_emotion: dict[str, float] | None = None,
    feedback: dict | None = None,
    funnel_window: str = "30d",
    sankey_steps: int = 4,
    top_paths: int = 8,
    retention_period: str = "week",
) -> Path:
    """Write the report of ``measured`` to ``path`` (one self-contained HTML file)."""
    html = report_html(
        measured,
        source=source,
        lang=lang,
        measured_emotion=measured_emotion,
        feedback=feedback,
        funnel_window=funnel_window,
        sankey_steps=sankey_steps,
        top_paths=top_paths,
        retention_period=retention_period,
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def report_html(measured, *, source=None, lang: str | None = None, **options) -> str:
    """The report as HTML text."""
    context = build_context(measured, source=source, lang=lang, **options)
    return render("report.html.j2", context)


def build_context(
    measured,
    *,
    source=None,
    lang: str | None = None,
    measured_emotion: dict[str, float] | None = None,
    feedback: dict | None = None,
    funnel_window: str = "30d",
    sankey_steps: int = 4,
    top_paths: int = 8,
    retention_period: str = "week",
) -> dict:
    """Everything the template shows, as plain values (texts still unescaped: the template
    escapes them). ``feedback`` is the measured emotion curve's ``to_dict()``
    (:func:`recorrido.feedback.curve.report_feedback`): the feedback section, and the measured
    emotion lane when ``measured_emotion`` is not given."""
    journey = measured.journey
    lang = lang if lang in ("es", "en") else journey.language

    def t(key: str, **params) -> str:
        return message(f"report_{key}", lang, **params)

    segment = "all" if "all" in measured.summary["segments"] else measured.summary["segments"][0]
    rows = measured.stage_rows(segment)
    summary = measured.summary
    stage_names = {s.id: s.name for s in journey.stages}
    tp_names = {tp.id: tp.name for tp in journey.touchpoints}
    stage_color = {s.id: PHASE_COLORS.get(s.phase, PHASE_COLORS[None]) for s in journey.stages}
    tp_color = {tp.id: stage_color[journey.stage_of(tp.id).id] for tp in journey.touchpoints}

    stages = stage_cards(measured, rows, lang, stage_color=stage_color, tp_names=tp_names)

    goal_text = None
    if journey.goal is not None:
        goal_text = (
            tp_names.get(journey.goal.touchpoint, journey.goal.touchpoint)
            if journey.goal.touchpoint
            else journey.goal.event
        )
    kpis = headline.kpis(summary, goal_text, lang)

    objectives = headline.objectives(measured, rows, stage_names, lang)

    personas = [_persona(p, source, journey, lang) for p in journey.personas]

    options = measured.options or {}
    segments = None
    # One scan, many answers: the events are tagged once for this report (a temporary table on
    # DuckDB, a cached DataFrame on Spark) and every chart reads that; it is dropped here, at
    # the end of the report, so the next report (another map, new events) tags afresh.
    with Scratch() as scratch:
        tagged = (
            None
            if source is None
            else charts_below.tagged_once(
                source, journey, scratch, breakdown=options.get("breakdown")
            )
        )
        compared = comparisons.compared_stages(
            measured,
            charts_below.measured_events(tagged, options)
            if tagged is not None and options.get("breakdown")
            else None,
        )
        if compared is not None:
            segments = comparisons.segment_table(measured, compared, lang)
        charts = charts_below.chart_list(
            measured,
            tagged,
            lang,
            names={**stage_names, **tp_names},
            stage_color=stage_color,
            tp_color=tp_color,
            funnel_window=funnel_window,
            sankey_steps=sankey_steps,
            top_paths=top_paths,
            retention_period=retention_period,
            options=options,
            scratch=scratch,
        )

    phases = _phase_groups(journey.stages, lang, purchase=_goal_is_purchase(journey, goal_text))
    period = None
    if options.get("start") or options.get("end"):
        period = t(
            "period_range",
            start=options.get("start") or "…",
            end=options.get("end") or "…",
        )
    if measured_emotion is None and feedback:
        measured_emotion = {
            s["stage"]: s["measured_emotion"]["value"]
            for s in feedback["stages"]
            if s.get("measured_emotion")
        }
    emotion = emotion_lane(journey, measured_emotion or None)
    return {
        "lang": lang,
        "t": t,
        "icon": icon,
        "journey_name": journey.name,
        "description": journey.description,
        "measured_at": format_date(summary["measured_at"], lang, with_time=True),
        "generated_at": format_date(datetime.now(UTC), lang, with_time=True),
        "period": period,
        "segment": None if segment == "all" else segment,
        "inactivity": format_duration(options["inactivity"], lang)
        if options.get("inactivity")
        else None,
        "kpis": kpis,
        "unmapped_reading": readings.unmapped_reading(summary, lang),
        "goal": goal_text,
        "personas": personas,
        "objectives": objectives,
        "segments": segments,
        "phases": phases,
        "stages": stages,
        "stage_count": len(stages),
        "lanes": [lane for lane in LANES if _lane_has_content(lane, stages, emotion)],
        "flow": flow_pieces(rows),
        "emotion": emotion,
        "feedback": feedback_section(feedback, lang),
        "predictions": predictions_section(source, lang),
        "charts": charts,
        "css": Markup(static_text("report.css")),
        "script": script_text(static_text("report.js")),
        "plotly_js": script_text(_plotly_js()) if any(c["figure"] for c in charts) else None,
    }


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _lane_has_content(lane: str, stages: list[dict], emotion: dict) -> bool:
    """Whether the lane has something to draw: an empty lane is not drawn (touchpoints always
    are, the map's subject; emotion when the map or the measurement gives a curve)."""
    if lane == "touchpoints":
        return True
    if lane == "emotion":
        return bool(emotion["has_designed"] or emotion["has_measured"] or any(emotion["words"]))
    if lane == "resources":
        return any(s["resources"] or s["owners"] for s in stages)
    return any(s[lane] for s in stages)


def _goal_is_purchase(journey, goal_text: str | None) -> bool:
    """Whether "before / during / after the purchase" fits the map: its goal reads as a purchase
    (by name, id or event). A loan approved or a claim settled gets neutral phase names."""
    from recorrido.insights.discovery import looks_like_purchase

    if journey.goal is None:
        return False
    names = [goal_text, journey.goal.touchpoint, journey.goal.event]
    if journey.goal.touchpoint:
        rule = journey.touchpoint(journey.goal.touchpoint).match
        events = getattr(rule, "event", None) if rule is not None else None
        names += events if isinstance(events, list) else [events]
    return any(looks_like_purchase(n) for n in names if isinstance(n, str))


def _phase_groups(stages, lang: str, purchase: bool = True) -> list[dict]:
    suffix = "" if purchase else "_goal"
    groups: list[dict] = []
    for stage in stages:
        if groups and groups[-1]["phase"] == stage.phase:
            groups[-1]["span"] += 1
            continue
        groups.append(
            {
                "phase": stage.phase,
                "label": message(
                    f"report_phase_{stage.phase}{suffix}" if stage.phase else "report_phase_none",
                    lang,
                ),
                "color": PHASE_COLORS.get(stage.phase, PHASE_COLORS[None]),
                "span": 1,
            }
        )
    return groups


def _persona(persona, source, journey, lang: str) -> dict:
    count = None
    if persona.rule is not None and source is not None:
        try:
            from recorrido.analytics.sequence import events_of

            events = events_of(source)
            count = int(journey.persona_customers(events, persona.id).count().execute())
        except RecorridoError:
            count = None
    return {
        "name": persona.name,
        "initial": (persona.name.strip()[:1] or "?").upper(),
        "description": persona.description,
        "demographics": persona.demographics,
        "income": persona.income,
        "needs": persona.needs,
        "tastes": persona.tastes,
        "has_rule": persona.rule is not None,
        "customers": None if count is None else format_number(count, lang),
    }


__all__ = ["PHASES", "build_context", "report_html", "write_report"]
