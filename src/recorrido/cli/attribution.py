"""``recorrido attribution``: conversions and value per channel under every attribution model.

The paths come from a workspace's events (built in the engine) or from an aggregated path file
(``path, conversions, value, nulls``) as marketing tools export it. The result is a Rich table
side by side, JSON (``--json``) or a Plotly chart (``--html``). ``--bootstrap N`` adds 95 %
intervals from N resamples of the journeys and names the channels that are not significantly
different from the next one down.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from recorrido.cli.common import JsonOption, app, err, fail, json_default, lang_of, out
from recorrido.errors import RecorridoError
from recorrido.i18n import message


def _number(value: float, lang: str, digits: int = 1) -> str:
    text = f"{value:,.{digits}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # no "-0.0"
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
    bootstrap: Annotated[
        int,
        typer.Option(help="Resamples of the journeys for confidence intervals (0 = off; e.g. 200)"),
    ] = 0,
    level: Annotated[float, typer.Option(help="Confidence level of the intervals")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the Shapley sampling")] = 0,
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
        "bootstrap": bootstrap,
        "level": level,
    }
    began = time.perf_counter()
    try:
        if (workspace is None) == (paths is None):
            raise RecorridoError("attribution_source_choice")
        answer = None
        if paths is None:  # a server holding the workspace answers for it
            answer = _ask_server(workspace, map_path, html, by, conversion, lookback, options)
        if paths is not None:
            with _progress(bootstrap > 0 and not as_json, lang) as tick:
                result = attribute_file(
                    paths,
                    path_column=path_column,
                    conversions=conversions,
                    value=value,
                    nulls=nulls,
                    separator=separator,
                    delimiter=delimiter,
                    progress=tick,
                    **options,
                )
        elif answer is not None:
            if as_json:
                print(answer.text)
                return
            lang = answer.lang
            result = AnsweredAttribution(answer.data)
        else:
            from recorrido.workspace import Workspace

            journey = None
            if map_path is not None:
                from recorrido.journey import JourneyMap

                journey = JourneyMap.load(map_path)
            with Workspace.open(workspace, read_only=True) as ws:
                lang = lang_of(ws)
                with _progress(bootstrap > 0 and not as_json, lang) as tick:
                    result = attribute_workspace(
                        ws,
                        by=by,
                        conversion=conversion,
                        lookback=lookback,
                        journey=journey,
                        progress=tick,
                        **options,
                    )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    seconds = time.perf_counter() - began
    if html is not None:
        result.figure(value=show_value, lang=lang).write_html(str(html), include_plotlyjs=True)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, default=json_default))
        return
    _show(result, lang, show_value, seconds)
    if html is not None:
        out.print(message("attribution_chart_written", lang, path=html), highlight=False)


def _ask_server(workspace, map_path, html, by, conversion, lookback, options):
    """The server's answer when one holds ``workspace`` and can give this one (every option
    has its API parameter; the chart needs the result itself, so ``--html`` is answered here)."""
    from recorrido.cli.forward import ask_server, map_name
    from recorrido.server.limits import MAX_BOOTSTRAP, MAX_SAMPLES

    name = map_name(workspace, map_path)
    if html is not None or (map_path is not None and name is None):
        return None
    if options["bootstrap"] > MAX_BOOTSTRAP or options["shapley_samples"] > MAX_SAMPLES:
        return None  # more than the server does for one request: the command says who holds it
    params = {
        "by": by,
        "conversion": conversion,
        "lookback": lookback,
        "map": name,
        "model": options["models"],
        "order": options["order"],
        "half_life": options["half_life"],
        "position": ",".join(options["position"]),
        "shapley": options["shapley_characteristic"],
        "samples": options["shapley_samples"],
        "bootstrap": options["bootstrap"],
        "level": options["level"],
        "seed": options["seed"],
    }
    return ask_server(workspace, "/attribution", params)


class AnsweredAttribution:
    """An attribution as the server answered it (``AttributionResult.to_dict()``), with what
    :func:`_show` reads of an :class:`AttributionResult`."""

    def __init__(self, data: dict) -> None:
        import pandas as pd

        self.table = pd.DataFrame(data["channels"])
        self.models = data["models"]
        self.totals = data["totals"]
        self.has_value = data["totals"].get("value") is not None
        self.shapley = data.get("shapley")
        bootstrap = dict(data["bootstrap"]) if data.get("bootstrap") is not None else None
        self.differences = None
        if bootstrap is not None:
            rows = bootstrap.pop("differences")
            columns = ["model", "channel", "next_channel", "difference", "low", "high"]
            self.differences = pd.DataFrame(rows, columns=[*columns, "significant"])
        self.bootstrap = bootstrap


@contextmanager
def _progress(enabled: bool, lang: str) -> Iterator:
    """A callback ``tick(done, total)`` that drives a Rich bar on stderr (nothing if disabled)."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = None

        def tick(done: int, total: int) -> None:
            nonlocal task
            if task is None:
                description = message("attribution_bootstrap_progress", lang)
                task = bar.add_task(description, total=total)
            bar.update(task, completed=done)

        yield tick


def _percent(level: float, lang: str) -> str:
    text = f"{100 * level:.10g}"
    return f"{text.replace('.', ',') if lang == 'es' else text} %"


def _show(result, lang: str, show_value: bool, seconds: float) -> None:
    suffix = "_value" if show_value and result.has_value else ""
    title = "attribution_title_value" if suffix else "attribution_title"
    table = Table(title=message(title, lang))
    table.add_column(message("attribution_col_channel", lang))
    for model in result.models:
        table.add_column(
            message(f"attribution_model_{model}", lang), justify="right", overflow="fold"
        )
    frame = result.table.sort_values(f"{result.models[0]}{suffix}", ascending=False)
    for row in frame.to_dict(orient="records"):
        cells = []
        for m in result.models:
            cell = Text(_number(row[f"{m}{suffix}"], lang))
            if f"{m}{suffix}_low" in row:
                low, high = row[f"{m}{suffix}_low"], row[f"{m}{suffix}_high"]
                digits = 0 if max(abs(low), abs(high)) >= 100 else 1
                interval = f"{_number(low, lang, digits)}–{_number(high, lang, digits)}"
                cell.append(f"\n{interval}", style="dim")
            cells.append(cell)
        table.add_row(str(row["channel"]), *cells)
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
    if result.bootstrap is not None:
        _show_bootstrap(result, lang, seconds)


def _show_bootstrap(result, lang: str, seconds: float) -> None:
    settings = result.bootstrap
    level = _percent(settings["level"], lang)
    out.print(
        message(
            "attribution_bootstrap_summary",
            lang,
            level=level,
            resamples=_number(settings["resamples"], lang, 0),
            journeys=_number(settings["journeys"], lang, 0),
            seed=settings["seed"],
            seconds=_number(seconds, lang, 1),
        ),
        highlight=False,
    )
    differences = result.differences
    same = differences[~differences["significant"]]
    if same.empty:
        out.print(message("attribution_all_significant", lang, level=level), highlight=False)
        return
    out.print(message("attribution_not_significant_title", lang, level=level), highlight=False)
    for row in same.itertuples(index=False):
        line = message(
            "attribution_not_significant_pair",
            lang,
            model=message(f"attribution_model_{row.model}", lang),
            channel=row.channel,
            next_channel=row.next_channel,
            difference=_number(row.difference, lang),
            low=_number(row.low, lang),
            high=_number(row.high, lang),
        )
        out.print(f"  • {line}", highlight=False, markup=False)
