"""The ``drivers`` command: what goes with passing or dropping at one funnel step.

It runs :func:`recorrido.analytics.drivers.dropoff_drivers` on the workspace (read-only) and
shows the features as a Rich table, or as one JSON object (``--json``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.analytics_io import (
    LevelOption,
    MapOption,
    analysed_events,
    percent,
    print_json,
    records,
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
from recorrido.errors import RecorridoError
from recorrido.i18n import LANGUAGES, message


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for text in values or [] for v in text.split(",") if v.strip()]


def _ratio(value: float) -> str:
    return f"{value:.3g}"


@app.command()
def drivers(
    workspace: WorkspaceOption,
    steps: Annotated[str, typer.Option(help="Comma-separated steps, e.g. view,cart,purchase")],
    step: Annotated[
        int, typer.Option(help="The step (1-based) whose passers and drop-offs are compared")
    ],
    window: Annotated[
        str, typer.Option(help="Conversion window from step 1: 30m, 12h, 7d, 2w")
    ] = "14d",
    kind: Annotated[str, typer.Option(help="ordered | strict | any")] = "ordered",
    exclude: Annotated[
        str | None, typer.Option(help="Comma-separated exclusion events / exclusiones")
    ] = None,
    level: LevelOption = "event",
    map_path: MapOption = None,
    prop: Annotated[
        list[str] | None,
        typer.Option(
            "--property",
            help="Also compare the values of this column or properties key, e.g. device "
            "(repeat or comma-separate)",
        ),
    ] = None,
    scope: Annotated[
        str, typer.Option(help="attempt | before | after: which events of the attempt count")
    ] = "attempt",
    min_support: Annotated[
        int,
        typer.Option(
            help="Least customers with a feature, and without it, to test it / soporte mínimo"
        ),
    ] = 30,
    prior: Annotated[float, typer.Option(help="Added to each cell of the 2x2 table")] = 0.5,
    top: Annotated[int, typer.Option(help="Features to show / rasgos a mostrar")] = 20,
    date_from: FromOption = None,
    date_to: ToOption = None,
    backend: BackendOption = "duckdb",
    language: Annotated[
        str | None, typer.Option("--lang", help="es | en (default: the global language)")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Drop-off drivers: what goes with passing or dropping at a funnel step.

    The events and property values most associated with passing step K or dropping after it:
    odds ratio with a prior, 95 % and Bonferroni intervals (association, not cause)."""
    from recorrido.analytics.drivers import dropoff_drivers

    chosen = (language or "").lower()[:2]
    explicit = chosen if chosen in LANGUAGES else None
    lang = explicit or lang_of()
    step_list = [s.strip() for s in steps.split(",") if s.strip()]
    options = {
        "window": window,
        "kind": kind,
        "exclusions": _split([exclude] if exclude else None),
        "level": level,
        "start": date_from,
        "end": date_to,
    }
    try:
        if language is not None and explicit is None:
            raise RecorridoError("unknown_language", name=language)
        with analysed_events(workspace, backend, map_path) as (ws, events):
            lang = explicit or lang_of(ws)
            result = dropoff_drivers(
                events,
                step_list,
                step=step,
                top=top,
                min_support=min_support,
                prior=prior,
                properties=_split(prop),
                scope=scope,
                **options,
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    info = dict(result.attrs)
    if as_json:
        print_json(
            {"steps": step_list, "window": window, "kind": kind, **info, "rows": records(result)}
        )
        return
    title = message(
        "drivers_title", lang, step=info["step_name"], next=info["next_step_name"], scope=scope
    )
    view = Table(title=title)
    view.add_column(message("drivers_col_feature", lang), overflow="fold", min_width=14)
    for key in ("customers", "rate_with", "rate_without", "odds_ratio"):
        view.add_column(message(f"drivers_col_{key}", lang), justify="right")
    view.add_column(message("drivers_col_significant", lang), justify="center")
    for row in result.to_dict("records"):
        low, high = row["odds_ratio_ci"]
        view.add_row(
            row["feature"],
            f"{row['customers']:,}",
            percent(row["success_rate_with"]),
            percent(row["success_rate_without"]),
            f"{_ratio(row['odds_ratio'])}\n{_ratio(low)}–{_ratio(high)}",
            "✓" if row["significant"] else "—",
        )
    if len(result):
        out.print(view)
    else:
        out.print(message("drivers_none", lang, min_support=info["min_support"]))
    out.print(
        message(
            "drivers_summary",
            lang,
            customers=f"{info['customers']:,}",
            index=info["step"],
            passed=f"{info['passed']:,}",
            failed=f"{info['failed']:,}",
            tested=info["tested"],
            dropped=info["dropped"],
            min_support=info["min_support"],
        ),
        highlight=False,
    )
