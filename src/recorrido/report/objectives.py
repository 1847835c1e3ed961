"""Objectives on the report: the target as written and, where recorrido can compute the metric,
the measured value and whether the target is met.

A map's ``metric`` is free text ("tasa de conversión de sesión a pedido"); recorrido does not
guess what a sentence means. It measures an objective only when its ``metric`` is one of these
names (the report says so for any other):

- ``goal_conversion``: customers who reached the map's goal / customers;
- ``customers``, ``converted_customers``: counts of the measured period;
- ``unmapped_share``: events no touchpoint matches / events (lower is better);
- ``stage_customers``, ``stage_conversion`` (from the previous stage), ``stage_dropped``
  (lower is better): for the one stage the objective's ``stages`` names.

A numeric target is compared with ``>=`` (``<=`` for lower-is-better metrics); a text target such
as ``"< 60 %"`` or ``">= 0.05"`` states its comparison; shares can be written as ``0.05`` or
``5 %``.
"""

from __future__ import annotations

import re

from recorrido.analytics.intervals import wilson_or_none

KNOWN = (
    "goal_conversion",
    "customers",
    "converted_customers",
    "unmapped_share",
    "stage_customers",
    "stage_conversion",
    "stage_dropped",
)
SHARES = {"goal_conversion", "unmapped_share", "stage_conversion"}
LOWER_IS_BETTER = {"unmapped_share", "stage_dropped"}
_TARGET = re.compile(r"^\s*(<=|>=|<|>|≤|≥|=)?\s*(-?[\d.,]+)\s*(%)?\s*$")


def parse_target(target, metric: str) -> tuple[str, float] | None:
    """``(comparison, value)`` of a target, shares as 0..1; ``None`` when it is not a number."""
    if isinstance(target, bool) or target is None:
        return None
    default = "<=" if metric in LOWER_IS_BETTER else ">="
    if isinstance(target, int | float):
        return default, float(target)
    found = _TARGET.match(str(target))
    if not found:
        return None
    op, number, percent = found.groups()
    number = number.replace(",", ".") if number.count(",") == 1 and "." not in number else number
    try:
        value = float(number.replace(",", ""))
    except ValueError:
        return None
    if percent:
        value /= 100
    op = {"≤": "<=", "≥": ">=", "=": ">=" if default == ">=" else "<="}.get(op or "", op)
    return op or default, value


def measured_value(metric: str | None, stages: list[str], measured) -> float | None:
    """The value of a known metric on ``measured`` (``None`` for any other metric)."""
    summary = measured.summary
    if metric == "goal_conversion":
        converted = summary.get("converted_customers")
        if converted is None or not summary["customers"]:
            return None
        return converted / summary["customers"]
    if metric in ("customers", "converted_customers", "unmapped_share"):
        value = summary.get(metric)
        return None if value is None else float(value)
    if metric in ("stage_customers", "stage_conversion", "stage_dropped") and len(stages) == 1:
        rows = {r["id"]: r for r in measured.stage_rows()}
        row = rows.get(stages[0])
        if row is None:
            return None
        column = {
            "stage_customers": "customers",
            "stage_conversion": "conversion_from_previous",
            "stage_dropped": "dropped",
        }[metric]
        value = row.get(column)
        return None if value is None else float(value)
    return None


def measured_interval(metric: str | None, stages: list[str], measured) -> list[float] | None:
    """The 95 % Wilson interval of a measured share of customers (``goal_conversion``,
    ``stage_conversion``); ``None`` for other metrics (``unmapped_share`` counts events, which
    are not independent draws)."""
    summary = measured.summary
    if metric == "goal_conversion":
        return wilson_or_none(summary.get("converted_customers"), summary["customers"])
    if metric == "stage_conversion" and len(stages) == 1:
        row = {r["id"]: r for r in measured.stage_rows()}.get(stages[0])
        return None if row is None else row.get("conversion_from_previous_ci")
    return None


def evaluate(objective, measured) -> dict:
    """``value`` (or None), ``ci`` (its 95 % interval for a share of customers, or None),
    ``is_share``, ``met`` (True/False/None) and ``known`` for one objective."""
    metric = (objective.metric or "").strip()
    known = metric in KNOWN
    value = measured_value(metric, list(objective.stages), measured) if known else None
    met = None
    target = parse_target(objective.target, metric) if known else None
    if value is not None and target is not None:
        op, goal = target
        met = {"<": value < goal, "<=": value <= goal, ">": value > goal, ">=": value >= goal}[op]
    ci = measured_interval(metric, list(objective.stages), measured) if value is not None else None
    return {"value": value, "ci": ci, "is_share": metric in SHARES, "met": met, "known": known}
