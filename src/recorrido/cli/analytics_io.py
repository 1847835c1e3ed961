"""What the analytics commands share: their options, the events they read (the workspace opened
read-only, on DuckDB or Spark, tagged with a map when given) and how they show a result (JSON
records, durations, shares with their intervals, Plotly HTML)."""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from recorrido.cli.common import json_default
from recorrido.i18n import message
from recorrido.workspace import Workspace

LevelOption = Annotated[
    str, typer.Option("--level", help="event | touchpoint | stage (touchpoint/stage need --map)")
]
MapOption = Annotated[
    Path | None, typer.Option("--map", help="Journey map (YAML) to tag events / mapa del recorrido")
]
HtmlOption = Annotated[
    Path | None, typer.Option("--html", help="Write the Plotly chart to this HTML file (offline)")
]


@contextmanager
def analysed_events(workspace: Path, backend: str, map_path: Path | None):
    """The events table to analyse and the workspace (opened read-only)."""
    from recorrido.analytics.backend import events_table

    with Workspace.open(workspace, read_only=True) as ws:
        events = events_table(ws, backend)
        if map_path is not None:
            events = tagged(events, map_path)
        yield ws, events


def tagged(events, map_path: Path):
    from recorrido.analytics.tagging import tag_events

    return tag_events(events, map_path)


def records(frame) -> list[dict]:
    rows = frame.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
            elif hasattr(value, "tolist"):
                row[key] = value.tolist()
    return rows


def print_json(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=json_default))


def duration(seconds) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "—"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def percent(value) -> str:
    if value is None or value != value:
        return "—"
    if 0.9995 <= value < 1:  # "100.0%" would say everyone: 99.97 % shows as 99.9%
        return f"{math.floor(value * 1000) / 10:.1f}%"
    return f"{value:.1%}"


def interval(ci) -> str:
    """`` [38.1–45.9]`` (percent) for a [low, high] share interval, nothing without one."""
    if ci is None or len(ci) != 2:
        return ""
    return f" [{ci[0] * 100:.1f}–{ci[1] * 100:.1f}]"


def write_html(fig, path: Path | None) -> None:
    if path is not None:
        fig.write_html(str(path), include_plotlyjs=True)


def column_title(key: str, lang: str) -> str:
    return message(f"analytics_col_{key}", lang)
