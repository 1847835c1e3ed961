"""Plotly figures of a measured map (they read its small tables, never events)."""

from __future__ import annotations

import plotly.graph_objects as go

from recorrido.i18n import message


def stage_funnel_figure(measured, segment: str | None = None, *, lang: str = "en") -> go.Figure:
    """Customers per stage in map order, as a funnel; one trace per segment when ``segment`` is
    ``"*"`` and the map was measured with a breakdown."""
    segments = measured.summary["segments"] if segment == "*" else [segment]
    fig = go.Figure()
    for name in segments:
        rows = measured.stage_rows(name)
        fig.add_trace(
            go.Funnel(
                name=name if segment == "*" else None,
                y=[row["name"] for row in rows],
                x=[row["customers"] for row in rows],
                textinfo="value+percent previous",
            )
        )
    fig.update_layout(
        title=message("measure_title_short", lang, name=measured.journey.name),
        yaxis_title=message("measure_col_stage", lang),
    )
    return fig


def touchpoint_volume_figure(measured, *, lang: str = "en") -> go.Figure:
    """Events and customers per touchpoint, in map order (bars)."""
    rows = measured.to_dict()["touchpoints"]
    names = [row["id"] for row in rows]
    fig = go.Figure(
        [
            go.Bar(x=names, y=[r["events"] for r in rows], name=message("col_events", lang)),
            go.Bar(x=names, y=[r["customers"] for r in rows], name=message("col_customers", lang)),
        ]
    )
    fig.update_layout(barmode="group", xaxis_title=message("measure_col_touchpoint", lang))
    return fig
