"""Plotly figures for the analytics results (they take the small DataFrames, never events).

Plotly's package carries plotly.js, so ``fig.write_html(path, include_plotlyjs=True)`` works
offline. Axis titles follow ``lang`` (es | en).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from recorrido.i18n import message


def _t(key: str, lang: str) -> str:
    return message(f"analytics_col_{key}", lang)


def transitions_figure(edges: pd.DataFrame, *, top: int = 40, lang: str = "en") -> go.Figure:
    """A heatmap of the directly-follows counts (rows: from, columns: to), the ``top`` pairs."""
    shown = edges.nlargest(top, "count") if len(edges) > top else edges
    matrix = shown.pivot_table(index="source", columns="target", values="count", aggfunc="sum")
    fig = go.Figure(
        go.Heatmap(
            z=matrix.values,
            x=[str(c) for c in matrix.columns],
            y=[str(i) for i in matrix.index],
            colorscale="Blues",
            hovertemplate="%{y} → %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=_t("target", lang), yaxis_title=_t("source", lang))
    return fig


def flows_figure(links: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """A Sankey of step-by-step flows (nodes are 'step. value')."""
    names: dict[tuple[int, str], int] = {}

    def node(step: int, value: str) -> int:
        return names.setdefault((int(step), str(value)), len(names))

    sources = [node(r.step, r.source) for r in links.itertuples()]
    targets = [node(r.step + 1, r.target) for r in links.itertuples()]
    labels = [f"{step}. {value}" for (step, value) in names]
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 12},
            link={"source": sources, "target": targets, "value": links["customers"].tolist()},
        )
    )
    fig.update_layout(title_text=_t("customers", lang))
    return fig


def variants_figure(top: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Horizontal bars: customers per variant, the most common on top."""
    fig = go.Figure(
        go.Bar(
            x=top["customers"][::-1],
            y=top["variant"][::-1],
            orientation="h",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=_t("customers", lang))
    return fig


def funnel_figure(result: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """A funnel chart; one trace per breakdown value when the result has a breakdown."""
    fig = go.Figure()
    groups = result.groupby("breakdown", sort=False) if "breakdown" in result else [(None, result)]
    for value, rows in groups:
        fig.add_trace(
            go.Funnel(
                name=None if value is None else str(value),
                y=rows["step"].astype(str),
                x=rows["customers"],
                textinfo="value+percent initial",
                # The 95 % Wilson interval of each step's conversion, on hover.
                hovertext=[_with_interval(r) for r in rows.to_dict("records")],
                hoverinfo="text+name",
            )
        )
    fig.update_layout(yaxis_title=_t("step", lang))
    return fig


def _with_interval(row: dict) -> str:
    share = row.get("conversion")
    ci = row.get("conversion_ci")
    text = f"{row['step']}: {row['customers']:,}"
    if share is not None:
        text += f" · {share:.1%}"
    if ci is not None and len(ci) == 2:
        text += f" [{ci[0]:.1%}–{ci[1]:.1%}] (95 %)"
    return text


def sessions_figure(figures: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Sessions per period (bars) with the median duration (line, right axis)."""
    x = figures["period"].astype(str) if "period" in figures else ["all"]
    fig = go.Figure(go.Bar(x=x, y=figures["sessions"], name=_t("sessions", lang)))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=figures["median_duration_seconds"],
            name=_t("median_time", lang),
            yaxis="y2",
            mode="lines+markers",
        )
    )
    fig.update_layout(
        xaxis_title=_t("period", lang),
        yaxis={"title": _t("sessions", lang)},
        yaxis2={"title": "s", "overlaying": "y", "side": "right"},
    )
    return fig


def retention_figure(frame: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """The retention triangle as a heatmap (rows: cohorts, columns: periods since)."""
    matrix = frame.pivot(index="cohort", columns="period", values="rate")
    fig = go.Figure(
        go.Heatmap(
            z=matrix.values,
            x=[str(c) for c in matrix.columns],
            y=[str(i) for i in matrix.index],
            zmin=0,
            zmax=1,
            colorscale="Greens",
            texttemplate="%{z:.0%}",
        )
    )
    fig.update_layout(
        xaxis_title=_t("period", lang),
        yaxis_title=_t("cohort", lang),
        yaxis={"autorange": "reversed"},
    )
    return fig
