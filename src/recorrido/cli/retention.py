"""``recorrido retention``: cohorts of customers and the share who come back, per period."""

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
def retention(
    workspace: WorkspaceOption,
    period: Annotated[str, typer.Option(help="Cohort period: week | month (or day)")] = "week",
    return_event: Annotated[
        str | None, typer.Option(help="Count returns on this event only (default: any)")
    ] = None,
    level: LevelOption = "event",
    map_path: MapOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retention cohorts by first-seen period: the classic triangle."""
    from recorrido.analytics import charts, retention_matrix
    from recorrido.analytics import retention as run_retention

    lang = lang_of()
    answer = None
    try:
        if html is None:
            answer = ask_for_events(
                workspace,
                backend,
                map_path,
                "/retention",
                {
                    "period": period,
                    "return_event": return_event,
                    "level": level,
                    "from": date_from,
                    "to": date_to,
                },
            )
        if answer is None:
            with analysed_events(workspace, backend, map_path) as (ws, events):
                lang = lang_of(ws)
                result = run_retention(
                    events,
                    period,
                    return_event=return_event,
                    level=level,
                    start=date_from,
                    end=date_to,
                )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if answer is not None:
        if as_json:
            print(answer.text)
            return
        lang = answer.lang
        result = frame_of(answer.data["cohorts"])
    else:
        write_html(charts.retention_figure(result, lang=lang), html)
    if as_json:
        print_json(
            {
                "period": period,
                "return_event": return_event,
                "level": level,
                # Each cohort's rate_ci: [low, high] of its rate.
                "interval": {"method": "wilson", "level": 0.95},
                "cohorts": records(result),
            }
        )
        return
    matrix = retention_matrix(result)
    view = Table(title=message("analytics_retention_title", lang, period=period))
    view.add_column(column_title("cohort", lang))
    view.add_column(column_title("size", lang), justify="right")
    periods = [c for c in matrix.columns if c != "cohort_size"]
    for p in periods:
        view.add_column(str(p), justify="right")
    for cohort, row in matrix.iterrows():
        view.add_row(
            str(cohort), f"{int(row['cohort_size']):,}", *(percent(row[p]) for p in periods)
        )
    out.print(view)
