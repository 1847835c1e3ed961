"""``recorrido sessions``: sessions split by inactivity, overall or per period."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.analytics_io import (
    HtmlOption,
    LevelOption,
    MapOption,
    analysed_events,
    column_title,
    duration,
    percent,
    print_json,
    records,
    write_html,
)
from recorrido.cli.common import (
    BackendOption,
    FromOption,
    JsonOption,
    ToOption,
    WorkspaceOption,
    app,
    fail,
    lang_of,
    out,
)
from recorrido.cli.forward import ask_for_events, frame_of
from recorrido.errors import RecorridoError
from recorrido.i18n import message


@app.command()
def sessions(
    workspace: WorkspaceOption,
    gap: Annotated[str, typer.Option(help="Inactivity that ends a session, e.g. 30m")] = "30m",
    by: Annotated[str | None, typer.Option(help="Per period: day | week | month")] = None,
    level: LevelOption = "event",
    map_path: MapOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sessions split by inactivity: count, customers, events and duration."""
    from recorrido.analytics import charts
    from recorrido.analytics.sessions import sessions_and_periods

    lang = lang_of()
    answer = None
    try:
        if html is None:
            dates = {"from": date_from, "to": date_to}
            answer = ask_for_events(
                workspace,
                backend,
                map_path,
                "/sessions",
                {"gap": gap, "by": by, "level": level, **dates},
            )
        if answer is None:
            with analysed_events(workspace, backend, map_path) as (ws, events):
                lang = lang_of(ws)
                dates = {"start": date_from, "end": date_to}
                summary, periods = sessions_and_periods(events, gap, level, by=by, **dates)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if answer is not None:
        if as_json:
            print(answer.text)
            return
        lang = answer.lang
        summary = frame_of([answer.data["summary"]])
        periods = frame_of(answer.data["periods"]) if by else None
    else:
        figure = charts.sessions_figure(periods if periods is not None else summary, lang=lang)
        write_html(figure, html)
    if as_json:
        payload: dict = {"gap": gap, "level": level, "summary": records(summary)[0]}
        if periods is not None:
            payload["periods"] = records(periods)
        print_json(payload)
        return
    view = Table(title=message("analytics_sessions_title", lang, gap=gap))
    keys = ["period"] if periods is not None else []
    keys += [
        "sessions",
        "customers",
        "events_per_session",
        "single_share",
        "median_time",
        "mean_time",
    ]
    for key in keys:
        view.add_column(column_title(key, lang), justify="right")
    for row in (periods if periods is not None else summary).to_dict("records"):
        cells = [str(row["period"])] if periods is not None else []
        cells += [
            f"{row['sessions']:,}",
            f"{row['customers']:,}",
            f"{row['events_per_session']:.1f}",
            percent(row["single_event_share"]),
            duration(row["median_duration_seconds"]),
            duration(row["mean_duration_seconds"]),
        ]
        view.add_row(*cells)
    out.print(view)
