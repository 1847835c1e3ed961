"""Multi-touch attribution: which channels and touchpoints earn the conversions.

Two entries, one set of models:

- :func:`attribute` on an aggregated path table (a DataFrame or :class:`PathTable`), and
  :func:`attribute_file` on a path file as marketing tools export it (``path, conversions, value,
  nulls``);
- :func:`attribute_workspace` on a workspace's events: the paths are built in the engine
  (:mod:`.workspace_paths`) and only the aggregated table comes to Python.

Models (:data:`MODELS`): first touch, last touch, linear, time decay, position based, Markov
removal effect (order 1–3, solved exactly) and Shapley value. ``bootstrap=N`` adds percentile
intervals from ``N`` resamples of the journeys (:mod:`.bootstrap`). See ``docs/attribution.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recorrido.analytics.attribution.bootstrap import BootstrapResult, resample
from recorrido.analytics.attribution.journeys import (
    DEFAULT_SEPARATOR,
    PathTable,
    join_path,
    split_path,
)
from recorrido.analytics.attribution.markov import MarkovResult, markov, transition_matrix
from recorrido.analytics.attribution.models import attribute
from recorrido.analytics.attribution.paths_file import read_paths
from recorrido.analytics.attribution.result import MODELS, AttributionResult
from recorrido.analytics.attribution.shapley import ShapleyResult, shapley
from recorrido.analytics.attribution.workspace_paths import (
    DEFAULT_CONVERSION,
    DEFAULT_LOOKBACK,
    LEVELS,
    WorkspacePaths,
    journeys,
    workspace_paths,
)


def attribute_file(
    file: str | Path,
    *,
    path_column: str | None = None,
    conversions: str | None = None,
    value: str | None = None,
    nulls: str | None = None,
    separator: str = DEFAULT_SEPARATOR,
    delimiter: str | None = None,
    **options: Any,
) -> AttributionResult:
    """Attribute an aggregated path file; ``options`` are those of :func:`attribute`."""
    table = read_paths(
        file,
        path_column=path_column,
        conversions=conversions,
        value=value,
        nulls=nulls,
        separator=separator,
        delimiter=delimiter,
    )
    return attribute(table, **options)


def attribute_workspace(
    source,
    *,
    by: str = "channel",
    conversion: str | None = None,
    lookback: str = DEFAULT_LOOKBACK,
    journey=None,
    kept=None,
    **options: Any,
) -> AttributionResult:
    """Attribute a workspace's conversions (see :func:`workspace_paths` for the journeys).

    ``source`` is a :class:`~recorrido.Workspace` or an Ibis events table (DuckDB, Spark, ...);
    ``journey`` a :class:`~recorrido.journey.JourneyMap` for ``by="touchpoint"`` or its goal;
    ``kept`` the journeys' touches made earlier (``workspace_paths.touches``).
    """
    built = workspace_paths(
        source, by=by, conversion=conversion, lookback=lookback, journey=journey, kept=kept
    )
    result = attribute(built.table, **options)
    result.totals["unattributed_conversions"] = built.unattributed_conversions
    result.totals["unattributed_value"] = built.unattributed_value
    result.settings["paths"] = {
        "by": built.by,
        "conversion": built.conversion,
        "lookback": built.lookback,
    }
    return result


__all__ = [
    "DEFAULT_CONVERSION",
    "DEFAULT_LOOKBACK",
    "DEFAULT_SEPARATOR",
    "LEVELS",
    "MODELS",
    "AttributionResult",
    "BootstrapResult",
    "MarkovResult",
    "PathTable",
    "ShapleyResult",
    "WorkspacePaths",
    "attribute",
    "attribute_file",
    "attribute_workspace",
    "join_path",
    "journeys",
    "markov",
    "read_paths",
    "resample",
    "shapley",
    "split_path",
    "transition_matrix",
    "workspace_paths",
]
