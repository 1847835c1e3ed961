"""``recorrido funnel``: customers (or attempts) through ordered steps, with conversion, times and
intervals per step."""

from __future__ import annotations

from pathlib import Path
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
    interval,
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
def funnel(
    workspace: WorkspaceOption,
    steps: Annotated[str, typer.Option(help="Comma-separated steps, e.g. view,cart,purchase")],
    window: Annotated[
        str, typer.Option(help="Conversion window from step 1: 30m, 12h, 7d, 2w")
    ] = "14d",
    kind: Annotated[str, typer.Option(help="ordered | strict | any")] = "ordered",
    exclude: Annotated[
        str | None, typer.Option(help="Comma-separated exclusion events / exclusiones")
    ] = None,
    breakdown: Annotated[
        str | None, typer.Option(help="Column or properties key of step 1, e.g. device")
    ] = None,
    step_window: Annotated[
        str | None,
        typer.Option(help="A window per step from the previous one, e.g. ',1h,7d' (1st ignored)"),
    ] = None,
    optional: Annotated[
        str | None, typer.Option(help="Optional steps by number, e.g. 2,3 / pasos opcionales")
    ] = None,
    mid_entry: Annotated[
        bool, typer.Option(help="Customers may enter at any step / entrada a mitad de embudo")
    ] = False,
    count: Annotated[
        str, typer.Option(help="customers | attempts (each try counts) / clientes | intentos")
    ] = "customers",
    exclusion_rule: Annotated[
        str,
        typer.Option(
            help="drop: an exclusion between the steps drops the attempt (PostHog) | "
            "cut: count the steps before it"
        ),
    ] = "drop",
    first_only: Annotated[
        bool,
        typer.Option(help="Only each customer's first step 1 ever starts an attempt (PostHog)"),
    ] = False,
    collapse_repeats: Annotated[
        bool, typer.Option(help="Strict: a run of the same value is one step (as the Sankey)")
    ] = False,
    customers_at: Annotated[
        int | None, typer.Option(help="List the customers at step K / clientes en el paso K")
    ] = None,
    dropped: Annotated[
        bool, typer.Option(help="With --customers-at: those who dropped after step K")
    ] = False,
    export: Annotated[
        Path | None, typer.Option(help="Write that list of customers to this CSV file")
    ] = None,
    next_after: Annotated[
        int | None, typer.Option(help="What those who dropped after step K did next")
    ] = None,
    depth: Annotated[int, typer.Option(help="With --next-after: steps to follow")] = 3,
    level: LevelOption = "event",
    map_path: MapOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    html: HtmlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Customers per funnel step, conversion (with 95 % Wilson intervals) and median time to
    convert; the customers at a step or of a drop-off, and what drop-offs did next."""
    from recorrido.analytics import charts
    from recorrido.analytics import funnel as run_funnel
    from recorrido.analytics.funnel_people import dropoff_paths, funnel_customers

    lang = lang_of()
    step_list = [s.strip() for s in steps.split(",") if s.strip()]
    exclusions = [s.strip() for s in (exclude or "").split(",") if s.strip()]
    # The server answers the funnel itself, not the options it has no parameter for.
    forwardable = (
        step_window is None
        and not optional
        and not (mid_entry or first_only or collapse_repeats)
        and exclusion_rule == "drop"
        and customers_at is None
        and next_after is None
        and html is None
    )
    answer = None
    try:
        if forwardable:
            answer = ask_for_events(
                workspace,
                backend,
                map_path,
                "/funnel",
                {
                    "steps": steps,
                    "window": window,
                    "kind": kind,
                    "exclude": exclude,
                    "breakdown": breakdown,
                    "count": count,
                    "level": level,
                    "from": date_from,
                    "to": date_to,
                },
            )
        if answer is None:
            with analysed_events(workspace, backend, map_path) as (ws, events):
                lang = lang_of(ws)
                options = {
                    "window": window,
                    "kind": kind,
                    "exclusions": exclusions,
                    "exclusion_rule": exclusion_rule,
                    "level": level,
                    "start": date_from,
                    "end": date_to,
                    "step_windows": _step_windows(step_window),
                    "optional": _numbers(optional),
                    "mid_entry": mid_entry,
                    "first_only": first_only,
                    "collapse_repeats": collapse_repeats,
                }
                result = run_funnel(events, step_list, count=count, **options)
                split = (
                    run_funnel(events, step_list, breakdown=breakdown, count=count, **options)
                    if breakdown
                    else None
                )
                people = (
                    funnel_customers(
                        events, step_list, step=customers_at, dropped=dropped, **options
                    )
                    if customers_at is not None
                    else None
                )
                after = (
                    dropoff_paths(events, step_list, after_step=next_after, depth=depth, **options)
                    if next_after is not None
                    else None
                )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if answer is not None:
        if as_json:
            print(answer.text)
            return
        lang, people, after = answer.lang, None, None
        result = frame_of(answer.data["steps"])
        split = frame_of(answer.data["breakdown"]["rows"]) if breakdown else None
    else:
        write_html(charts.funnel_figure(split if split is not None else result, lang=lang), html)
    if people is not None and export is not None:
        people.to_csv(export, index=False)
    if as_json:
        payload: dict = {
            "kind": kind,
            "window": window,
            "level": level,
            "count": count,
            "interval": "wilson-95",
            "steps": records(result),
        }
        if split is not None:
            payload["breakdown"] = {"property": breakdown, "rows": records(split)}
        if people is not None:
            payload["customers"] = {
                "step": customers_at,
                "dropped": dropped,
                "rows": records(people.astype({"entered_at": str, "step_at": str})),
            }
        if after is not None:
            payload["next_after"] = {"step": next_after, "paths": records(after)}
        print_json(payload)
        return
    for frame, title in ((result, None), (split, breakdown)):
        if frame is None:
            continue
        view = Table(
            title=message("analytics_funnel_title", lang, kind=kind, window=window)
            + (f" · {title}" if title else "")
        )
        keys = ["breakdown"] if "breakdown" in frame else []
        keys += ["step", "customers", "conversion", "from_previous", "median_time"]
        for key in keys:
            view.add_column(column_title(key, lang))
        for row in frame.to_dict("records"):
            cells = [str(row["breakdown"])] if "breakdown" in row else []
            mark = ""
            if "significant" in row and row["step_index"] > 1 and not row["significant"]:
                mark = " " + message("analytics_not_significant", lang)
            cells += [
                f"{row['step_index']}. {row['step']}"
                + (f" ({message('analytics_optional', lang)})" if row["optional"] else ""),
                f"{row['customers']:,}",
                percent(row["conversion"]) + interval(row["conversion_ci"]) + mark,
                percent(row["conversion_from_previous"])
                + interval(row["conversion_from_previous_ci"]),
                duration(row["median_seconds_from_previous"]),
            ]
            view.add_row(*cells)
        out.print(view)
    out.print(message("analytics_interval_note", lang))
    if people is not None:
        key = "analytics_funnel_dropped" if dropped else "analytics_funnel_at_step"
        out.print(message(key, lang, step=customers_at, count=len(people)))
        for customer in people["customer_id"].head(20):
            out.print(f"  {customer}")
        if export is not None:
            out.print(message("analytics_funnel_exported", lang, path=str(export)))
    if after is not None:
        view = Table(title=message("analytics_funnel_next_title", lang, step=next_after))
        view.add_column("path")
        view.add_column(column_title("customers", lang), justify="right")
        for row in after.itertuples():
            view.add_row(row.path, f"{row.customers:,} ({row.share:.1%})")
        out.print(view)


def _step_windows(text: str | None) -> list[str | None] | None:
    if text is None:
        return None
    return [part.strip() or None for part in text.split(",")]


def _numbers(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"--optional: {text!r}") from exc
