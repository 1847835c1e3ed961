"""``recorrido measure``: the journey map measured on the workspace's events."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import typer
from rich.table import Table

from recorrido.analytics.windows import DEFAULT_INACTIVITY
from recorrido.cli.common import (
    BackendOption,
    FromOption,
    InactivityOption,
    JsonOption,
    ToOption,
    WorkspaceOption,
    app,
    fail,
    lang_of,
    out,
)
from recorrido.cli.forward import ask_about_map
from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.workspace import Workspace


@app.command()
def measure(
    map_path: Annotated[Path, typer.Argument(help="Journey map (YAML) / mapa del recorrido")],
    workspace: WorkspaceOption,
    date_from: FromOption = None,
    date_to: ToOption = None,
    inactivity: InactivityOption = DEFAULT_INACTIVITY,
    breakdown: Annotated[
        str | None,
        typer.Option(help="persona | channel | a property key / desglose por persona, canal..."),
    ] = None,
    backend: BackendOption = "duckdb",
    as_json: JsonOption = False,
) -> None:
    """Measure a journey map: customers, conversion, drop-off and time per stage; volumes per
    touchpoint; the share of events the map does not cover."""
    from recorrido.analytics.backend import events_table
    from recorrido.measured import measure as measure_map

    lang = lang_of()
    try:
        answer = ask_about_map(
            workspace,
            backend,
            map_path,
            "measure",
            {"from": date_from, "to": date_to, "inactivity": inactivity, "breakdown": breakdown},
        )
        if answer is not None:
            if as_json:
                print(answer.text)
            else:
                show_measured(AnsweredMap(answer.data), answer.lang, out)
            return
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            events = events_table(ws, backend)
            result = measure_map(
                events,
                map_path,
                start=date_from,
                end=date_to,
                inactivity=inactivity,
                breakdown=breakdown,
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(result.to_json())
        return
    show_measured(result, lang, out)


def show_measured(result, lang: str, console) -> None:
    """The measured map as Rich tables: stages (per segment), touchpoints, the map's holes."""
    summary = result.summary
    console.print(
        message(
            "measure_title",
            lang,
            name=result.journey.name,
            customers=_number(summary["customers"], lang),
            events=_number(summary["events"], lang),
        ),
        highlight=False,
    )
    for segment in summary["segments"]:
        title = message("measure_stages", lang)
        if result.options.get("breakdown"):
            title += " — " + message("measure_segment", lang, segment=segment)
        view = Table(title=title)
        for key in ("stage", "phase", "customers", "from_previous", "dropped", "hours_to_next"):
            view.add_column(
                _col(key, lang), justify="left" if key in ("stage", "phase") else "right"
            )
        view.add_column(_col("entry", lang))
        for row in result.stage_rows(segment):
            view.add_row(
                row["name"],
                message(f"measure_phase_{row['phase']}", lang),
                _number(row["customers"], lang),
                _percent(row["conversion_from_previous"], lang),
                _number(row["dropped"], lang),
                _decimal(row["median_hours_to_next"], lang),
                row["top_entry_touchpoint"] or "",
            )
        console.print(view)
    view = Table(title=message("measure_touchpoints", lang))
    for key in ("touchpoint", "stage", "events", "customers", "conv_with", "conv_without"):
        view.add_column(
            _col(key, lang), justify="left" if key in ("touchpoint", "stage") else "right"
        )
    for row in result.to_dict()["touchpoints"]:
        view.add_row(
            row["id"],
            row["stage"],
            _number(row["events"], lang),
            _number(row["customers"], lang),
            _percent(row["conversion_with"], lang),
            _percent(row["conversion_without"], lang),
        )
    console.print(view)
    share = _percent(summary["unmapped_share"], lang)
    console.print(message("measure_unmapped", lang, share=share), highlight=False)


class AnsweredMap:
    """A measured map as the server answered it (``MeasuredMap.to_dict()``), with what
    :func:`show_measured` reads of a :class:`MeasuredMap`."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.journey = SimpleNamespace(name=data["map"])
        self.summary = data["summary"]
        self.options = data["options"]

    def stage_rows(self, segment: str | None = None) -> list[dict]:
        for part in self.data.get("breakdown", {}).get("segments", []):
            if part["segment"] == segment:
                return part["stages"]
        return self.data["stages"]

    def to_dict(self) -> dict:
        return self.data


def _col(key: str, lang: str) -> str:
    if key in ("customers", "events"):
        return message(f"col_{key}", lang)
    return message(f"measure_col_{key}", lang)


def _number(value, lang: str) -> str:
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "es" else text


def _decimal(value, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}"
    if lang == "es":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _percent(value, lang: str) -> str:
    if value is None:
        return "—"
    text = _decimal(value * 100, lang)
    return f"{text} %" if lang == "es" else f"{text}%"
