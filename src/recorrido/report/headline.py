"""The figures above the map: the headline KPIs (customers, events, converted with its interval,
events the map does not cover) and the map's objectives, measured and marked met or not."""

from __future__ import annotations

from recorrido.analytics.intervals import wilson_or_none
from recorrido.i18n import message
from recorrido.report.objectives import evaluate
from recorrido.report.render import format_number, format_percent, format_rate, to_text


def kpis(summary: dict, goal_text: str | None, lang: str) -> list[dict]:
    """The KPI tiles: label, value and a line below it (or ``None``)."""

    def t(key: str, **params) -> str:
        return message(f"report_{key}", lang, **params)

    customers = summary["customers"]
    converted = summary.get("converted_customers")
    kpis = [
        {"label": t("kpi_customers"), "value": format_number(customers, lang), "sub": None},
        {"label": t("kpi_events"), "value": format_number(summary["events"], lang), "sub": None},
    ]
    if converted is not None:
        kpis.append(
            {
                "label": t("kpi_converted", goal=goal_text),
                "value": format_number(converted, lang),
                "sub": format_rate(
                    converted / customers if customers else None,
                    wilson_or_none(converted, customers),
                    lang,
                ),
            }
        )
    kpis.append(
        {
            "label": t("kpi_unmapped"),
            "value": format_percent(summary["unmapped_share"], lang),
            "sub": t("kpi_unmapped_events", n=format_number(summary["unmapped_events"], lang)),
        }
    )
    return kpis


def objectives(measured, rows: list[dict], stage_names: dict, lang: str) -> list[dict]:
    """Each objective of the map with its measured value, whether it is known and met, and the
    customers at the stages it names."""

    def t(key: str, **params) -> str:
        return message(f"report_{key}", lang, **params)

    journey = measured.journey
    objectives = []
    for objective in journey.objectives:
        result = evaluate(objective, measured)
        value = result["value"]
        if value is None:
            shown = None
        elif result["is_share"]:
            shown = format_rate(value, result.get("ci"), lang)
        else:
            shown = format_number(value, lang)
        context_figures = [
            t(
                "objective_stage",
                stage=stage_names.get(sid, sid),
                customers=format_number(
                    next((r["customers"] for r in rows if r["id"] == sid), 0), lang
                ),
            )
            for sid in objective.stages
        ]
        objectives.append(
            {
                "text": objective.text,
                "metric": objective.metric,
                "target": None if objective.target is None else target_text(objective.target, lang),
                "measured": shown,
                "known": result["known"],
                "met": result["met"],
                "stages": context_figures,
            }
        )
    return objectives


def target_text(target, lang: str) -> str:
    if isinstance(target, int | float) and not isinstance(target, bool):
        if 0 < abs(float(target)) < 1:
            return format_percent(target, lang)
        return format_number(target, lang)
    return to_text(target)
