"""Run the chosen attribution models on one path table and put them side by side."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from recorrido.analytics.attribution import heuristics
from recorrido.analytics.attribution.bootstrap import (
    DEFAULT_LEVEL,
    BootstrapResult,
    Progress,
    check_bootstrap,
    resample,
)
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
    bootstrap: int = 0,
    level: float = DEFAULT_LEVEL,
    progress: Progress | None = None,
) -> AttributionResult:
    """Attribute the conversions and value of ``paths`` to channels under each model.

    ``paths`` is a :class:`PathTable` or a DataFrame with a path column (strings split on
    ``separator``, or lists of touches) and conversions / value / nulls columns. ``models``
    defaults to all of :data:`MODELS`. ``order`` is the Markov order (1–3), ``half_life`` the time
    decay's half-life in touches, ``position`` the (first, middle, last) shares.

    ``bootstrap`` > 0 adds percentile intervals at ``level`` from that many resamples
    of the journeys (seeded by ``seed``; see :mod:`.bootstrap`): ``<model>_low``/``_high``,
    ``<model>_share`` with ``_share_low``/``_share_high`` and ``<model>_value_low``/``_high``
    columns, and :attr:`AttributionResult.differences`. ``progress(done, total)`` is called as
    resamples finish.
    """
    chosen = check_models(models)
    check_bootstrap(bootstrap, level)
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
    found = None
    if bootstrap:
        found = resample(
            table,
            chosen,
            bootstrap,
            seed=seed,
            level=level,
            progress=progress,
            order=order,
            half_life=half_life,
            position=position,
            shapley_characteristic=shapley_characteristic,
            shapley_exact_max=shapley_exact_max,
            shapley_samples=shapley_samples,
        )
        frame = _with_intervals(frame, found, chosen, table.total_conversions, table.has_value)
    return AttributionResult(
        table=frame,
        models=chosen,
        totals=totals,
        settings=settings,
        removal_effects=removal_effects,
        shapley=shapley_info,
        has_value=table.has_value,
        bootstrap=found.settings() if found is not None else None,
        differences=found.differences if found is not None else None,
    )


def _with_intervals(
    frame: pd.DataFrame, found: BootstrapResult, models: list[str], total: float, has_value: bool
) -> pd.DataFrame:
    """``frame`` with each model's interval and share columns next to its point estimates."""
    intervals = found.intervals.set_index("channel").loc[frame["channel"]].reset_index(drop=True)
    columns: dict[str, object] = {"channel": frame["channel"]}
    for model in models:
        columns[model] = frame[model]
        columns[f"{model}_low"] = intervals[f"{model}_low"]
        columns[f"{model}_high"] = intervals[f"{model}_high"]
        columns[f"{model}_share"] = frame[model] / total if total else 0.0 * frame[model]
        columns[f"{model}_share_low"] = intervals[f"{model}_share_low"]
        columns[f"{model}_share_high"] = intervals[f"{model}_share_high"]
        if has_value:
            columns[f"{model}_value"] = frame[f"{model}_value"]
            columns[f"{model}_value_low"] = intervals[f"{model}_value_low"]
            columns[f"{model}_value_high"] = intervals[f"{model}_value_high"]
    return pd.DataFrame(columns)
