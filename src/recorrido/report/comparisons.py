"""The report's comparisons of two rates, and whether the data tell them apart.

- **Touchpoint with vs without**: the goal conversion of the customers who had the touchpoint
  against that of those who did not, both from the measured map; the counts are recovered from the
  shares and their denominators (``customers`` of the touchpoint, the map's customers and
  converted customers), and the difference gets Newcombe's 95 % interval.
- **Segments**: with a breakdown, each segment's conversion from the previous stage against the
  rest of the customers (:func:`recorrido.measured.segments.versus_rest`: the measured map's
  columns when it has them, else computed here).

A difference is **significant** when its 95 % interval excludes 0; the page marks the others
"not significant".
"""

from __future__ import annotations

import math

import pandas as pd

from recorrido.analytics.intervals import diff_interval
from recorrido.i18n import message
from recorrido.measured.segments import NONE, stage_totals, versus_rest
from recorrido.report.render import (
    format_number,
    format_percent,
    format_points,
    format_points_interval,
    format_rate,
)

_COMPARED = (
    "rest_conversion_from_previous",
    "difference_from_rest",
    "difference_from_rest_ci",
    "significant",
)


def _count(share, n: int) -> int | None:
    if share is None or (isinstance(share, float) and math.isnan(share)) or not n:
        return None
    return round(float(share) * n)


def touchpoint_difference(row: dict | None, customers: int, converted: int | None) -> dict | None:
    """With vs without one touchpoint: ``difference``, ``interval`` (Newcombe 95 %) and
    ``significant``; ``None`` when either side has nobody or the map has no goal."""
    if not row or converted is None:
        return None
    n_with = int(row.get("customers") or 0)
    n_without = int(customers) - n_with
    k_with = _count(row.get("conversion_with"), n_with)
    k_without = _count(row.get("conversion_without"), n_without)
    if k_with is None or k_without is None or n_without <= 0:
        return None
    low, high = diff_interval(k_with, n_with, k_without, n_without)
    return {
        "difference": k_with / n_with - k_without / n_without,
        "interval": [low, high],
        "significant": bool(low > 0 or high < 0),
    }


def compared_stages(measured, tagged=None) -> pd.DataFrame | None:
    """The measured map's stage figures with the comparison to the rest (see
    :func:`~recorrido.measured.segments.versus_rest`); ``None`` without a breakdown of two or more
    segments, or for personas (which overlap) when the measured map lacks the columns and no
    ``tagged`` events (filtered as the map was measured) are given."""
    options = measured.options or {}
    if not options.get("breakdown") or len(measured.summary["segments"]) < 2:
        return None
    stages = measured.stages
    if all(column in stages.columns for column in _COMPARED):
        return stages
    if options["breakdown"] == "persona":
        if tagged is None:
            return None
        return versus_rest(stages, stage_totals(tagged))
    return versus_rest(stages)


def segment_table(measured, frame: pd.DataFrame, lang: str) -> dict:
    """Rows (segments) × stages for the template, and the reading: the largest significant
    difference, or that none is."""
    journey = measured.journey
    by = measured.options["breakdown"]
    by_text = message(f"report_breakdown_{by}", lang) if by in ("persona", "channel") else by
    persona_names = {p.id: p.name for p in journey.personas}
    stage_names = [s.name for s in journey.stages]
    rows, best = [], None
    for segment in measured.summary["segments"]:
        own = frame[frame.segment == segment].sort_values("stage_index")
        if segment == NONE:
            label = message("report_segment_none", lang)
        elif by == "persona":
            label = persona_names.get(segment, segment)
        else:
            label = segment
        cells = []
        for row in own.to_dict("records"):
            cell = {
                "customers": format_number(int(row["customers"] or 0), lang),
                "rate": None,
                "versus": None,
                "title": None,
                "significant": None,
                "direction": None,
            }
            share = _value(row.get("conversion_from_previous"))
            if share is not None and row["stage_index"] > 0:
                cell["rate"] = format_rate(share, row.get("conversion_from_previous_ci"), lang)
            difference = _value(row.get("difference_from_rest"))
            if cell["rate"] and difference is not None:
                significant = bool(row.get("significant"))
                cell["significant"] = significant
                cell["direction"] = "up" if difference > 0 else "down" if difference < 0 else None
                cell["versus"] = message(
                    "report_vs_rest", lang, diff=format_points(difference, lang)
                )
                cell["title"] = message(
                    "report_vs_rest_title",
                    lang,
                    rest=format_percent(row.get("rest_conversion_from_previous"), lang),
                    diff=format_points(difference, lang),
                    interval=format_points_interval(row.get("difference_from_rest_ci"), lang),
                )
                if significant and (best is None or abs(difference) > abs(best[0])):
                    best = (difference, label, int(row["stage_index"]), share, row)
            cells.append(cell)
        rows.append({"segment": label, "cells": cells})
    if best is None:
        reading = message("report_reading_segments_none", lang)
    else:
        difference, label, index, share, row = best
        reading = message(
            "report_reading_segments",
            lang,
            segment=label,
            source=stage_names[index - 1],
            target=stage_names[index],
            share=format_percent(share, lang),
            rest=format_percent(row.get("rest_conversion_from_previous"), lang),
            diff=format_points(difference, lang),
        )
    return {
        "by": message("report_segments_by", lang, by=by_text),
        "stages": stage_names,
        "rows": rows,
        "reading": reading,
    }


def _value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)
