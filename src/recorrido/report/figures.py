"""The charts below the map as Plotly figures, labelled with the map's names and the report's
language. They take the small analytics results (never events) and return plain JSON-ready
dicts (``data``, ``layout``) that the page draws with the inlined plotly.js."""

from __future__ import annotations

import functools
import html
import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from recorrido.analytics.intervals import wilson
from recorrido.analytics.steps import END
from recorrido.i18n import message
from recorrido.report.render import (
    format_date,
    format_number,
    format_percent,
    format_rate,
)

FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
    '"Liberation Sans", "DejaVu Sans", Arial, sans-serif'
)
INK = "#1f2937"
#: The colour of an ending node in the Sankey: neutral, so it reads as "stops here".
END_COLOR = "#cbd5e1"
GRID = "#e5e7eb"


def plotly_text(value) -> str:
    """A map text for a Plotly label: Plotly reads a few HTML tags in labels (``<a href>``,
    ``<b>``...), so ``& < > "`` are written as entities, which Plotly shows as the characters."""
    return html.escape(str(value), quote=True)


def _named(names: dict, value) -> str:
    return plotly_text(names.get(value, value))


def _t(key: str, lang: str, **params) -> str:
    return message(f"report_{key}", lang, **params)


def _layout(fig: go.Figure, lang: str, height: int = 340) -> None:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 12, "color": INK},
        separators=",." if lang == "es" else ".,",
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )


def as_json(fig: go.Figure) -> dict:
    """The figure as plain JSON values (``data`` and ``layout``)."""
    return json.loads(pio.to_json(fig, validate=False))


def funnel_figure(steps: pd.DataFrame, names: dict, colors: dict, lang: str) -> dict:
    """The stage funnel: customers per step with their share of the first step and its 95 %
    Wilson interval, drawn as a whisker on the bar's right edge, in its lower part under the label
    (in customers: the first step's customers times the interval's bounds, halved like the centred
    bars); the hover adds the conversion from the previous step with its interval."""
    labels = [_named(names, s) for s in steps["step"]]
    counts = [int(n) for n in steps["customers"]]
    first = counts[0] or 1
    text, hover, edge, plus, minus = [], [], [], [], []
    for index, n in enumerate(counts):
        if index == 0 or not counts[0]:
            share = format_percent(n / first, lang)
            whisker = None
        else:
            low, high = wilson(n, counts[0])
            share = format_rate(n / first, [low, high], lang)
            whisker = (n / 2, (high * first - n) / 2, (n - low * first) / 2)
        # The interval on a second line: a label as wide as a phone's spare room at most.
        text.append(f"{format_number(n, lang)} · {share}".replace(" (", "<br>(", 1))
        previous = counts[index - 1] if index else 0
        hover.append(
            _t(
                "funnel_from_previous",
                lang,
                share=format_rate(n / previous, list(wilson(n, previous)), lang),
            )
            if previous
            else ""
        )
        edge.append(None if whisker is None else whisker[0])
        plus.append(0 if whisker is None else whisker[1])
        minus.append(0 if whisker is None else whisker[2])
    # Numeric rows (labelled by ticks), so that the whiskers can sit a little below each centre.
    rows = list(range(len(labels)))
    fig = go.Figure(
        go.Funnel(
            y=rows,
            x=counts,
            text=text,
            textinfo="text",
            customdata=[[label, more] for label, more in zip(labels, hover, strict=True)],
            marker={"color": [colors.get(s, "#6366f1") for s in steps["step"]]},
            connector={"fillcolor": "#eef2ff"},
            hovertemplate="%{customdata[0]}: %{text}<br>%{customdata[1]}<extra></extra>",
            # A narrow bar's label sits outside it; on a phone it must not be cut at the axis.
            cliponaxis=False,
        )
    )
    if any(v is not None for v in edge):
        fig.add_trace(
            go.Scatter(
                x=edge,
                y=[row + 0.26 for row in rows],
                mode="markers",
                marker={"size": 1, "color": INK, "opacity": 0},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": plus,
                    "arrayminus": minus,
                    "color": INK,
                    "thickness": 1.5,
                    "width": 5,
                },
                hoverinfo="skip",
                name=_t("ci_whiskers", lang),
            )
        )
    _layout(fig, lang, height=max(200, 70 * len(labels)))
    fig.update_layout(
        # automargin: the stage names take the room they need, not a fixed 140 px a phone lacks
        margin={"l": 10, "r": 20, "t": 10, "b": 10},
        yaxis={
            "automargin": True,
            "tickvals": rows,
            "ticktext": labels,
            "autorange": "reversed",
            "showgrid": False,
            "zeroline": False,
        },
        xaxis={"visible": False},
    )
    return as_json(fig)


def sankey_columns(links: pd.DataFrame) -> dict[tuple[int, str], tuple[float, float]]:
    """Where each node ``(step, value)`` sits: ``x`` is its step's column, ``y`` its place in
    the column (largest first, endings last).

    Plotly places a node with no outgoing band in the last column by itself, so a journey that
    ends at step 2 would be drawn beside step 4 (two "Declined" nodes in one column); the page
    fixes every node to its own step's column instead. An ending (``(end)``, from flows with
    ``include_end``) is a node of the column after the step where the journey stopped.
    """
    inflow: dict[tuple[int, str], int] = {}
    outflow: dict[tuple[int, str], int] = {}
    for r in links.itertuples():
        source, target = (int(r.step), str(r.source)), (int(r.step) + 1, str(r.target))
        outflow[source] = outflow.get(source, 0) + int(r.customers)
        inflow[target] = inflow.get(target, 0) + int(r.customers)
    # A node is as tall as the larger of what comes in and what goes out (Plotly's rule).
    size = {k: max(inflow.get(k, 0), outflow.get(k, 0)) for k in set(inflow) | set(outflow)}
    steps = sorted({s for s, _ in size})
    first, last = steps[0], steps[-1]
    places: dict[tuple[int, str], tuple[float, float]] = {}
    for step in steps:
        column = sorted(
            (k for k in size if k[0] == step), key=lambda k: (k[1] == END, -size[k], k[1])
        )
        total = sum(size[k] for k in column) or 1
        gap = 0.04 if len(column) > 1 else 0.0
        room = max(0.2, 1.0 - gap * (len(column) - 1))
        x = 0.5 if last == first else (step - first) / (last - first)
        cursor = 0.0
        for k in column:
            height = room * size[k] / total
            y = cursor + height / 2
            places[k] = (min(max(x, 0.001), 0.999), min(max(y, 0.001), 0.999))
            cursor += height + gap
    return places


def sankey_figure(links: pd.DataFrame, names: dict, colors: dict, lang: str) -> dict:
    places = sankey_columns(links)
    nodes: dict[tuple[int, str], int] = {}

    def node(step: int, value: str) -> int:
        return nodes.setdefault((int(step), str(value)), len(nodes))

    sources = [node(r.step, r.source) for r in links.itertuples()]
    targets = [node(r.step + 1, r.target) for r in links.itertuples()]
    ending = _t("sankey_end", lang)
    labels = [ending if v == END else _named(names, v) for (_, v) in nodes]
    node_colors = [END_COLOR if v == END else colors.get(v, "#94a3b8") for (_, v) in nodes]
    step_word = _t("sankey_step", lang)
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={
                "label": labels,
                "color": node_colors,
                "x": [places[k][0] for k in nodes],
                "y": [places[k][1] for k in nodes],
                "pad": 14,
                "thickness": 16,
                "line": {"width": 0},
                "customdata": [f"{step_word} {s}" for (s, _) in nodes],
                "hovertemplate": "%{label} (%{customdata}): %{value}<extra></extra>",
            },
            link={
                "source": sources,
                "target": targets,
                "value": links["customers"].tolist(),
                "color": "rgba(100,116,139,0.25)",
                "hovertemplate": "%{source.label} → %{target.label}: %{value}<extra></extra>",
            },
        )
    )
    _layout(fig, lang, height=360)
    return as_json(fig)


def paths_figure(top: pd.DataFrame, names: dict, lang: str, shown_steps: int = 6) -> dict:
    labels, full = [], []
    for steps in top["steps"]:
        named = [_named(names, s) for s in steps]
        label = " → ".join(named[:shown_steps])
        if len(named) > shown_steps:
            label += " " + _t("paths_more", lang, n=len(named) - shown_steps)
        labels.append(label)
        full.append(" → ".join(named[:40]) + (" → …" if len(named) > 40 else ""))
    text = [
        f"{format_number(int(c), lang)} · {format_percent(s, lang)}"
        for c, s in zip(top["customers"], top["share"], strict=True)
    ]
    # The hover: the whole path and its share of customers with the 95 % Wilson interval.
    rates = []
    for c, s in zip(top["customers"], top["share"], strict=True):
        total = round(int(c) / s) if s else 0
        rate = format_rate(s, list(wilson(int(c), total)) if total else None, lang)
        rates.append(f"{format_number(int(c), lang)} · {rate}")
    fig = go.Figure(
        go.Bar(
            x=top["customers"].tolist()[::-1],
            y=[f"{i + 1}. {label}" for i, label in enumerate(labels)][::-1],
            orientation="h",
            text=text[::-1],
            textposition="outside",
            cliponaxis=False,
            customdata=[[f, r] for f, r in zip(full, rates, strict=True)][::-1],
            marker={"color": "#6366f1"},
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        )
    )
    _layout(fig, lang, height=max(200, 42 * len(labels) + 40))
    fig.update_layout(
        xaxis={"title": {"text": _t("col_customers", lang)}, "gridcolor": GRID},
        yaxis={"automargin": True},
        margin={"l": 10, "r": 20, "t": 10, "b": 40},
    )
    return as_json(fig)


def retention_figure(frame: pd.DataFrame, period: str, lang: str) -> dict:
    matrix = frame.pivot(index="cohort", columns="period", values="rate").sort_index()
    sizes = frame.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
    unit = _t(f"period_{period}", lang)
    rows = [f"{format_date(c, lang)} ({format_number(int(sizes[c]), lang)})" for c in matrix.index]
    columns = [f"{unit} {int(p)}" for p in matrix.columns]
    z = [[None if pd.isna(v) else float(v) for v in row] for row in matrix.to_numpy()]
    # A weekly triangle over years has thousands of cells: each percentage and count is
    # written once.
    percent = functools.cache(lambda value: format_percent(value, lang))
    number = functools.cache(lambda value: format_number(value, lang))
    text = [["" if v is None else percent(v) for v in row] for row in z]
    # The hover: each rate with its 95 % Wilson interval and its counts.
    cells = {
        (cohort, p): (int(k), int(n), rate)
        for cohort, p, k, n, rate in zip(
            frame["cohort"],
            frame["period"],
            frame["customers"],
            frame["cohort_size"],
            frame["rate"],
            strict=True,
        )
    }
    of_customers = _t("of_customers", lang)  # the text with its {k} and {n} to fill
    hover = []
    for cohort in matrix.index:
        line = []
        for p in matrix.columns:
            cell = cells.get((cohort, p))
            if cell is None:
                line.append("")
                continue
            k, n, rate = cell
            shown = format_rate(rate, list(wilson(k, n)), lang)
            line.append(f"{of_customers.format(k=number(k), n=number(n))} · {shown}")
        hover.append(line)
    # The trace as plain values: Plotly's validation of every cell (a tenth of a second at a
    # few thousand cells) checks nothing these lists could get wrong.
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": columns,
        "y": rows,
        "text": text,
        "texttemplate": "%{text}",
        "customdata": hover,
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, "#f0fdf4"], [1, "#15803d"]],
        "showscale": False,
        "hovertemplate": "%{y} · %{x}: %{customdata}<extra></extra>",
        "xgap": 2,
        "ygap": 2,
    }
    fig = go.Figure()
    _layout(fig, lang, height=max(180, 48 * len(rows) + 60))
    fig.update_layout(
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"side": "top"},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    drawn = as_json(fig)
    drawn["data"] = [heatmap]
    return drawn
