"""The map's columns: each stage with its touchpoint cards, its figures (customers, conversion
from the previous stage with its interval, drop-off, time to the next stage) and the reading of
the gap to the next stage."""

from __future__ import annotations

from recorrido.i18n import message
from recorrido.report import comparisons, readings
from recorrido.report.headline import target_text
from recorrido.report.icons import channel_kind, channel_label
from recorrido.report.render import (
    format_hours,
    format_interval,
    format_number,
    format_percent,
    format_points,
    format_points_interval,
    format_rate,
)


def stage_cards(
    measured, rows: list[dict], lang: str, *, stage_color: dict, tp_names: dict
) -> list:
    """One dict per stage of the map, in order, for the template."""
    journey = measured.journey
    summary = measured.summary
    tp_figures = {r["id"]: r for r in measured.to_dict()["touchpoints"]}
    busiest = max((r["events"] for r in tp_figures.values()), default=0) or 1
    stages = []
    for index, (stage, row) in enumerate(zip(journey.stages, rows, strict=True)):
        touchpoints = [
            _touchpoint(tp, tp_figures.get(tp.id), busiest, lang, summary)
            for tp in stage.touchpoints
        ]
        owners = sorted({tp.owner for tp in stage.touchpoints if tp.owner})
        resources = []
        for tp in stage.touchpoints:
            for item in tp.resources:
                if item not in resources:
                    resources.append(item)
        nxt = rows[index + 1] if index + 1 < len(rows) else None
        stages.append(
            {
                "id": stage.id,
                "name": stage.name,
                "description": stage.description,
                "phase": stage.phase,
                "color": stage_color[stage.id],
                "goals": stage.goals,
                "needs": stage.needs,
                "activities": stage.activities,
                "pain_points": stage.pain_points,
                "opportunities": stage.opportunities,
                "moments_of_truth": stage.moments_of_truth,
                "notes": stage.notes,
                "touchpoints": touchpoints,
                "owners": owners,
                "resources": resources,
                "customers": format_number(row["customers"] or 0, lang),
                "customers_value": row["customers"] or 0,
                "from_previous": format_rate(
                    row.get("conversion_from_previous"),
                    row.get("conversion_from_previous_ci"),
                    lang,
                ),
                "dropped": format_number(row.get("dropped") or 0, lang),
                "median_to_next": format_hours(row.get("median_hours_to_next"), lang),
                "p90_to_next": format_hours(row.get("p90_hours_to_next"), lang),
                "has_time": row.get("median_hours_to_next") is not None,
                "entry": tp_names.get(row.get("top_entry_touchpoint")),
                "exit": tp_names.get(row.get("top_exit_touchpoint")),
                "gap_reading": readings.stage_reading(
                    {**row, "name": stage.name},
                    {**nxt, "name": journey.stages[index + 1].name} if nxt else {},
                    lang,
                )
                if nxt
                else None,
                "next_share": format_percent(nxt.get("conversion_from_previous"), lang)
                if nxt
                else None,
                "next_interval": format_interval(nxt.get("conversion_from_previous_ci"), lang)
                if nxt
                else None,
                "is_measured": any(tp.match is not None for tp in stage.touchpoints),
            }
        )
    return stages


def _touchpoint(
    tp, figures_row: dict | None, busiest: int, lang: str, summary: dict | None = None
) -> dict:
    kind = channel_kind(tp.channel)
    measured = tp.match is not None
    events = (figures_row or {}).get("events") or 0
    customers = (figures_row or {}).get("customers") or 0
    channels = [
        f"{channel_label(c['channel'], lang) or '—'} {format_percent(c['share'], lang)}"
        for c in (figures_row or {}).get("channels", [])
    ]
    difference = None
    if summary is not None and measured:
        difference = comparisons.touchpoint_difference(
            figures_row, summary["customers"], summary.get("converted_customers")
        )
    return {
        "id": tp.id,
        "name": tp.name,
        "channel": channel_label(tp.channel, lang),
        "kind": kind,
        "mode": tp.mode,
        "owner": tp.owner,
        "kpi": None
        if tp.kpi is None
        else (
            tp.kpi.metric
            + ("" if tp.kpi.target is None else " → " + target_text(tp.kpi.target, lang))
        ),
        "measured": measured,
        "events": format_number(events, lang),
        "customers": format_number(customers, lang),
        "volume": round(100 * events / busiest, 1) if measured else 0,
        "zero": measured and events == 0,
        "conversion_with": format_rate(
            (figures_row or {}).get("conversion_with"),
            (figures_row or {}).get("conversion_with_ci"),
            lang,
        ),
        "conversion_without": format_rate(
            (figures_row or {}).get("conversion_without"),
            (figures_row or {}).get("conversion_without_ci"),
            lang,
        ),
        "has_conversion": (figures_row or {}).get("conversion_with") is not None,
        "not_significant": difference is not None and not difference["significant"],
        "difference": None
        if difference is None
        else message(
            "report_difference",
            lang,
            diff=format_points(difference["difference"], lang),
            interval=format_points_interval(difference["interval"], lang),
        ),
        "channels": channels if len(channels) > 1 else [],
    }
