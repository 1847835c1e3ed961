"""Run the chosen attribution models on one path table and put them side by side."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from recorrido.analytics.attribution import heuristics
from recorrido.analytics.attribution.journeys import DEFAULT_SEPARATOR, PathTable
from recorrido.analytics.attribution.markov import markov
from recorrido.analytics.attribution.result import MODELS, AttributionResult
from recorrido.analytics.attribution.shapley import EXACT_MAX, SAMPLES, shapley
from recorrido.errors import RecorridoError, did_you_mean


def check_models(models: Sequence[str] | None) -> list[str]:
    if models is None:
        return list(MODELS)
    chosen: list[str] = []
    for name in models:
        for part in str(name).split(","):
            part = part.strip()
            if not part:
                continue
            if part not in MODELS:
                raise RecorridoError(
                    "attribution_unknown_model",
                    name=part,
                    suggestion=did_you_mean(part, MODELS) or ", ".join(MODELS),
                )
            if part not in chosen:
                chosen.append(part)
    if not chosen:
        raise RecorridoError("attribution_no_model", known=", ".join(MODELS))
    return chosen


def attribute(
    paths: PathTable | pd.DataFrame,
    *,
    models: Sequence[str] | None = None,
    order: int = 1,
    half_life: float = 1.0,
    position: Sequence[float] = heuristics.DEFAULT_POSITION,
    shapley_characteristic: str = "conversions",
    shapley_exact_max: int = EXACT_MAX,
    shapley_samples: int = SAMPLES,
    seed: int = 0,
    path_column: str = "path",
    conversions: str = "conversions",
    value: str | None = "value",
    nulls: str | None = "nulls",
    separator: str = DEFAULT_SEPARATOR,
) -> AttributionResult:
    """Attribute the conversions and value of ``paths`` to channels under each model.

    ``paths`` is a :class:`PathTable` or a DataFrame with a path column (strings split on
    ``separator``, or lists of touches) and conversions / value / nulls columns. ``models``
    defaults to all of :data:`MODELS`. ``order`` is the Markov order (1–3), ``half_life`` the time
    decay's half-life in touches, ``position`` the (first, middle, last) shares.
    """
    chosen = check_models(models)
    table = (
        paths
        if isinstance(paths, PathTable)
        else PathTable.from_frame(
            paths,
            path=path_column,
            conversions=conversions,
            value=value,
            nulls=nulls,
            separator=separator,
        )
    )
    if not table.paths:
        raise RecorridoError("attribution_no_paths")
    rules = {
        "first_touch": heuristics.first_touch,
        "last_touch": heuristics.last_touch,
        "linear": heuristics.linear,
        "time_decay": heuristics.time_decay(half_life),
        "position_based": heuristics.position_based(position),
    }
    columns: dict[str, dict[str, float]] = {}
    settings: dict = {}
    removal_effects = None
    shapley_info = None
    for model in chosen:
        if model in rules:
            conv, val = heuristics.attribute_rule(table, rules[model])
        elif model == "markov":
            found = markov(table, order)
            conv, val = found.conversions, found.value
            removal_effects = found.removal_effects
            settings["markov"] = {
                "order": found.order,
                "states": found.states,
                "conversion_probability": found.conversion_probability,
                "method": "exact",
            }
        else:
            found = shapley(
                table,
                shapley_characteristic,
                exact_max=shapley_exact_max,
                samples=shapley_samples,
                seed=seed,
            )
            conv, val = found.conversions, found.value
            shapley_info = {
                "characteristic": found.characteristic,
                "method": found.method,
                "permutations": found.permutations,
                "standard_error": found.standard_error,
            }
        columns[model] = conv
        columns[f"{model}_value"] = val
    if "time_decay" in chosen:
        settings["time_decay"] = {"half_life_touches": half_life}
    if "position_based" in chosen:
        settings["position_based"] = dict(
            zip(("first", "middle", "last"), heuristics.check_position(position), strict=True)
        )
    channels = table.channels
    frame = pd.DataFrame({"channel": channels})
    for model in chosen:
        frame[model] = [columns[model].get(c, 0.0) for c in channels]
        if table.has_value:
            frame[f"{model}_value"] = [columns[f"{model}_value"].get(c, 0.0) for c in channels]
    totals = {
        "conversions": table.total_conversions,
        "value": table.total_value if table.has_value else None,
        "nulls": table.total_nulls,
        "journeys": table.total_conversions + table.total_nulls,
        "paths": len(table.paths),
        "channels": len(channels),
    }
    return AttributionResult(
        table=frame,
        models=chosen,
        totals=totals,
        settings=settings,
        removal_effects=removal_effects,
        shapley=shapley_info,
        has_value=table.has_value,
    )
