"""``recorrido measure``: the journey map measured on the workspace's events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
from recorrido.launcher.measure_tables import AnsweredMap, show_measured
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
