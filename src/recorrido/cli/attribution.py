"""``recorrido attribution``: conversions and value per channel under every attribution model.

The paths come from a workspace's events (built in the engine) or from an aggregated path file
(``path, conversions, value, nulls``) as marketing tools export it. The result is a Rich table
side by side, JSON (``--json``) or a Plotly chart (``--html``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.common import JsonOption, app, fail, json_default, lang_of, out
from recorrido.errors import RecorridoError
from recorrido.i18n import message


def _number(value: float, lang: str, digits: int = 1) -> str:
    text = f"{value:,.{digits}f}"
    if lang == "es":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


@app.command()
def attribution(
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="Workspace folder / carpeta")
    ] = None,
    paths: Annotated[
        Path | None,
        typer.Option("--paths", help="Aggregated path file (CSV) / archivo de recorridos"),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="channel | touchpoint | campaign")] = "channel",
    conversion: Annotated[
        str | None,
        typer.Option(help="Conversion event (default: the map's goal, else purchase)"),
    ] = None,
    lookback: Annotated[str, typer.Option(help="Lookback window, e.g. 30d, 12h, 2w")] = "30d",
    map_path: Annotated[
        Path | None, typer.Option("--map", help="Journey map (YAML): touchpoints and goal")
    ] = None,
    path_column: Annotated[str | None, typer.Option(help="Path column (default: path)")] = None,
    conversions: Annotated[
        str | None, typer.Option(help="Conversions column (default: total_conversions)")
    ] = None,
    value: Annotated[
        str | None, typer.Option(help="Value column (default: total_conversion_value)")
    ] = None,
    nulls: Annotated[
        str | None, typer.Option(help="Non-converting journeys column (default: total_null)")
    ] = None,
    separator: Annotated[str, typer.Option(help="Between touches of a path")] = " > ",
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter (default: from the header)")
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Models to run (repeatable; default: all)"),
    ] = None,
    order: Annotated[int, typer.Option(help="Markov order 1-3")] = 1,
    half_life: Annotated[float, typer.Option(help="Time decay half-life, in touches")] = 1.0,
    position: Annotated[
        str, typer.Option(help="Position-based shares first,middle,last")
    ] = "0.4,0.2,0.4",
    shapley: Annotated[
        str, typer.Option("--shapley", help="Shapley worth: conversions | rate")
    ] = "conversions",
    samples: Annotated[
        int, typer.Option(help="Shapley permutations when sampled (> 15 channels)")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the Shapley sampling")] = 0,
    show_value: Annotated[
        bool, typer.Option("--show-value", help="Table of value instead of conversions")
    ] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the Plotly chart to this HTML file")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Attribute conversions and value to channels: first/last touch, linear, time decay,
    position based, Markov removal effect, Shapley."""
    from recorrido.analytics.attribution import attribute_file, attribute_workspace

    lang = lang_of()
    options = {
        "models": model or None,
        "order": order,
        "half_life": half_life,
        "position": position.split(","),
        "shapley_characteristic": shapley,
        "shapley_samples": samples,
        "seed": seed,
    }
    try:
        if (workspace is None) == (paths is None):
            raise RecorridoError("attribution_source_choice")
        if paths is not None:
            result = attribute_file(
                paths,
                path_column=path_column,
                conversions=conversions,
                value=value,
                nulls=nulls,
                separator=separator,
                delimiter=delimiter,
                **options,
            )
        else:
            from recorrido.workspace import Workspace

            journey = None
            if map_path is not None:
                from recorrido.journey import JourneyMap

                journey = JourneyMap.load(map_path)
            with Workspace.open(workspace, read_only=True) as ws:
                lang = lang_of(ws)
                result = attribute_workspace(
                    ws,
                    by=by,
                    conversion=conversion,
                    lookback=lookback,
                    journey=journey,
                    **options,
                )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if html is not None:
        result.figure(value=show_value, lang=lang).write_html(str(html), include_plotlyjs=True)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, default=json_default))
        return
    _show(result, lang, show_value)
    if html is not None:
        out.print(message("attribution_chart_written", lang, path=html), highlight=False)


def _show(result, lang: str, show_value: bool) -> None:
    suffix = "_value" if show_value and result.has_value else ""
    title = "attribution_title_value" if suffix else "attribution_title"
    table = Table(title=message(title, lang))
    table.add_column(message("attribution_col_channel", lang))
    for model in result.models:
        table.add_column(message(f"attribution_model_{model}", lang), justify="right")
    frame = result.table.sort_values(f"{result.models[0]}{suffix}", ascending=False)
    for row in frame.itertuples(index=False):
        cells = [_number(getattr(row, f"{m}{suffix}"), lang) for m in result.models]
        table.add_row(str(row.channel), *cells)
    out.print(table)
    totals = result.totals
    counts = {
        "conversions": _number(totals["conversions"], lang, 0),
        "nulls": _number(totals["nulls"], lang, 0),
        "paths": _number(totals["paths"], lang, 0),
        "channels": _number(totals["channels"], lang, 0),
    }
    out.print(message("attribution_summary", lang, **counts), highlight=False)
    if totals.get("unattributed_conversions"):
        unattributed = _number(totals["unattributed_conversions"], lang, 0)
        out.print(message("attribution_unattributed", lang, conversions=unattributed))
    info = result.shapley or {}
    if info.get("method") == "sampled":
        error = max(info["standard_error"].values(), default=0.0)
        out.print(
            message(
                "attribution_shapley_sampled",
                lang,
                permutations=info["permutations"],
                error=_number(error, lang, 2),
            )
        )
