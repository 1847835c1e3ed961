"""The notebook face of the explorations the web app shows: the same objects, as results that a
Jupyter cell shows as a table (``_repr_html_``), draw as a Plotly figure (``.figure()``) and hand
over as pandas (``.to_pandas()``) or as the CLI's ``--json`` object (``.to_dict()``).

``Workspace.funnel(...)`` and ``Workspace.paths(...)`` return them; see ``docs/notebook.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class Result:
    """One exploration's answer: ``frame`` (the table), ``payload`` (the CLI's JSON object)."""

    kind: str
    frame: pd.DataFrame
    payload: dict[str, Any]
    draw: Callable[[str], Any] = field(repr=False)

    def to_pandas(self) -> pd.DataFrame:
        return self.frame.copy()

    def to_dict(self) -> dict[str, Any]:
        return self.payload

    def figure(self, lang: str = "en"):
        """The Plotly figure (shown by Jupyter; ``.write_html(path)`` writes it offline)."""
        return self.draw(lang)

    def _repr_html_(self) -> str:
        # pandas escapes the cells' text.
        return f"<p><strong>recorrido · {self.kind}</strong></p>" + self.frame.to_html(
            index=False, escape=True, max_rows=60
        )

    def __len__(self) -> int:
        return len(self.frame)


def _events(workspace, level: str, journey_map):
    if level == "event" and journey_map is None:
        return workspace.events
    from recorrido.analytics.tagging import tag_events

    return tag_events(workspace.events, journey_map)


def funnel(workspace, steps: Sequence[str], *, journey_map=None, **options) -> Result:
    """:func:`recorrido.analytics.funnel` on the workspace (tagged with ``journey_map`` for
    ``level='touchpoint'|'stage'``)."""
    from recorrido.analytics import charts
    from recorrido.analytics import funnel as run_funnel
    from recorrido.web.pages import clean

    events = _events(workspace, options.get("level", "event"), journey_map)
    frame = run_funnel(events, list(steps), **options)
    payload = {
        "kind": options.get("kind", "ordered"),
        "window": options.get("window", "14d"),
        "level": options.get("level", "event"),
        "count": options.get("count", "customers"),
        "interval": "wilson-95",
        "steps": clean(frame.to_dict("records")),
    }
    return Result("funnel", frame, payload, lambda lang: charts.funnel_figure(frame, lang=lang))


def paths(
    workspace,
    level: str = "event",
    *,
    journey_map=None,
    start_at: str | None = None,
    steps: int = 4,
    variants: int = 10,
    start=None,
    end=None,
) -> Result:
    """Directly-follows pairs (the table); with ``start_at`` the Sankey of the first ``steps``
    from it (the figure), else the pairs' heatmap; the top ``variants`` in the payload."""
    from recorrido.analytics import charts, flows, transitions
    from recorrido.analytics import variants as top_variants
    from recorrido.web.pages import clean

    events = _events(workspace, level, journey_map)
    edges = transitions(events, level, start=start, end=end)
    payload: dict[str, Any] = {"level": level, "edges": clean(edges.to_dict("records"))}
    flow = None
    if start_at:
        flow = flows(events, level, start_at=start_at, steps=steps, start=start, end=end)
        payload["flows"] = clean(flow.to_dict("records"))
    if variants:
        top = top_variants(events, level, top=variants, start=start, end=end)
        payload["variants"] = clean(top.drop(columns="steps").to_dict("records"))

    def draw(lang: str):
        if flow is not None:
            return charts.flows_figure(flow, lang=lang)
        return charts.transitions_figure(edges, lang=lang)

    return Result("paths", edges, payload, draw)
