"""``recorrido paths``: the directly-follows graph, step-by-step flows and the top variants."""

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
def paths(
    workspace: WorkspaceOption,
    level: LevelOption = "event",
    map_path: MapOption = None,
    collapse_repeats: Annotated[
        bool, typer.Option(help="Count a run of the same value once / contar repeticiones una vez")
    ] = False,
    start_at: Annotated[
        str | None, typer.Option(help="Flows: the first N steps after this value")
    ] = None,
    end_at: Annotated[
        str | None, typer.Option(help="Flows: the last N steps up to this value")
    ] = None,
    steps: Annotated[int, typer.Option(help="Flows / step matrix: number of steps")] = 5,
    flow_window: Annotated[
        str | None, typer.Option("--window", help="Flows: only steps this long from the anchor")
    ] = None,
    include_end: Annotated[
        bool, typer.Option(help="Flows: a band to (end) where journeys stop / bandas al final")
    ] = False,
    matrix: Annotated[
        bool, typer.Option("--matrix", help="Also show the step matrix / matriz de pasos")
    ] = False,
    variants: Annotated[int, typer.Option(help="Also list the top N variants (0: none)")] = 0,
    top: Annotated[int, typer.Option(help="Pairs to show in the table / pares a mostrar")] = 20,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Directly-follows graph (pairs, customers, mean/median time), flows, step matrix and
    variants — all from the same step table, so their counts agree."""
    from recorrido.analytics import charts, flows, step_matrix, transitions
    from recorrido.analytics import variants as top_variants

    lang = lang_of()
    answer = None
    try:
        # The server answers the graph and the variants, not flows or the step matrix.
        if html is None and start_at is None and end_at is None and not matrix:
            answer = ask_for_events(
                workspace,
                backend,
                map_path,
                "/paths",
                {
                    "level": level,
                    "collapse_repeats": str(collapse_repeats).lower(),
                    "variants": variants,
                    "from": date_from,
                    "to": date_to,
                },
            )
        if answer is not None:
            if as_json:
                print(answer.text)
                return
            lang, flow, grid = answer.lang, None, None
            edges = frame_of(answer.data["edges"])
            found = frame_of(answer.data["variants"]) if variants > 0 else None
        else:
            with analysed_events(workspace, backend, map_path) as (ws, events):
                lang = lang_of(ws)
                dates = {"start": date_from, "end": date_to}
                edges = transitions(events, level, collapse_repeats=collapse_repeats, **dates)
                flow = None
                if start_at is not None or end_at is not None:
                    flow = flows(
                        events,
                        level,
                        start_at=start_at,
                        end_at=end_at,
                        steps=steps,
                        window=flow_window,
                        include_end=include_end,
                        **dates,
                    )
                grid = (
                    step_matrix(events, level, steps=steps, start_at=start_at, **dates)
                    if matrix
                    else None
                )
                found = top_variants(events, level, top=variants, **dates) if variants > 0 else None
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if answer is None:
        write_html(
            charts.flows_figure(flow)
            if flow is not None
            else charts.transitions_figure(edges, lang=lang),
            html,
        )
    if as_json:
        payload: dict = {"level": level, "edges": records(edges)}
        if flow is not None:
            payload["flows"] = records(flow)
        if grid is not None:
            payload["step_matrix"] = records(grid)
        if found is not None:
            payload["variants"] = records(found.drop(columns="steps"))
        print_json(payload)
        return
    view = Table(title=message("analytics_paths_title", lang, level=level, count=len(edges)))
    for key in ("source", "target", "count", "customers", "mean_time", "median_time"):
        view.add_column(
            column_title(key, lang), justify="left" if key in ("source", "target") else "right"
        )
    for row in edges.head(top).itertuples():
        view.add_row(
            row.source,
            row.target,
            f"{row.count:,}",
            f"{row.customers:,}",
            duration(row.mean_seconds),
            duration(row.median_seconds),
        )
    out.print(view)
    if flow is not None:
        view = Table()
        for key in ("step", "source", "target", "customers"):
            view.add_column(column_title(key, lang))
        for row in flow.itertuples():
            view.add_row(str(row.step), row.source, row.target, f"{row.customers:,}")
        out.print(view)
    if grid is not None:
        from recorrido.analytics.step_matrix import wide

        shares = wide(grid)
        view = Table(title=message("analytics_matrix_title", lang, steps=steps))
        view.add_column(column_title("value", lang))
        for k in shares.columns:
            view.add_column(str(k), justify="right")
        for item, row in shares.iterrows():
            view.add_row(str(item), *[percent(v) for v in row.tolist()])
        out.print(view)
    if found is not None:
        view = Table()
        view.add_column("variant")
        view.add_column(column_title("customers", lang), justify="right")
        for row in found.itertuples():
            view.add_row(row.variant, f"{row.customers:,} ({row.share:.1%})")
        out.print(view)
