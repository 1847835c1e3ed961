"""The charts below the map (stage funnel, retention, Sankey of the first steps, top paths): which
analytics question each one asks of the tagged events, and its figure and reading, or the note
that says why it is missing."""

from __future__ import annotations

from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.report import figures, readings
from recorrido.report.journey_variants import JourneyVariants, first_steps, top_journeys
from recorrido.report.render import format_duration
from recorrido.report.stage_funnel import stage_funnel

#: The columns of the tagged events the charts read (the one order's keys, the customer, the
#: levels they ask about): the rest (``properties`` above all, the widest) is copied only when a
#: breakdown asks. Every column more is written to the kept table and read by every chart.
CHART_COLUMNS = (
    "event_id",
    "customer_id",
    "timestamp",
    "event",
    "source_order",
    "touchpoint",
    "stage",
)


def tagged_once(source, journey, scratch, *, breakdown: str | None = None):
    """The events of ``source`` tagged with ``journey``'s touchpoints and stages, computed once
    for this report and kept in ``scratch`` (a temporary table on DuckDB, a cached DataFrame on
    Spark): every chart reads it instead of applying the match rules to the raw events again.
    The order (timestamp, source order, event_id) is total, so reading a copy gives the very
    answers the expression did (``docs/tagged-relation.md``)."""
    from recorrido.analytics.sequence import events_of
    from recorrido.analytics.tagging import tag_events

    tagged = tag_events(events_of(source), journey)
    if breakdown is not None:
        return scratch.keep(tagged)
    # Narrowed before the customers are numbered: the numbering reads the tagged events twice,
    # and DuckDB materializes what a query reads twice; narrow, that copy is small.
    narrow = tagged.select(*[c for c in CHART_COLUMNS if c in tagged.columns])
    return scratch.keep(numbered_customers(narrow))


def numbered_customers(tagged):
    """On DuckDB, ``customer_id`` replaced by a number per customer (NULL stays NULL).

    The charts only ask whether two events are one customer's (they partition, group and join
    by it; no chart shows an id), and every one of their sorts, ASOF joins and groupings by
    customer is cheaper on an integer than on the id's text (the stage funnel's query took
    about a fifth less CPU at 10 M events). Which number a customer gets does not matter:
    every tie the charts break is broken by the one event order or by the answer's own values,
    never by the customer. Other engines, and reports with a breakdown (the segment table reads
    the ids), keep the text."""
    import ibis

    from recorrido.analytics.sequence import engine_of

    if engine_of(tagged) != "duckdb":
        return tagged
    ids = tagged.select("customer_id").filter(tagged.customer_id.notnull()).distinct()
    ids = ids.select(_id=ids.customer_id, _number=ibis.row_number())
    joined = tagged.left_join(ids, tagged.customer_id == ids._id)
    return joined.select(
        *[joined._number.name(c) if c == "customer_id" else joined[c] for c in tagged.columns]
    )


def measured_events(tagged, options: dict):
    """The tagged events as the measured map counted them: with a customer, in its date range."""
    from recorrido.analytics.filters import in_range, parse_range
    from recorrido.analytics.sequence import epoch_micros

    events = tagged.filter(tagged.customer_id.notnull())
    lower, upper = parse_range(options.get("start"), options.get("end"))
    if lower is None and upper is None:
        return events
    return in_range(events.mutate(_us=epoch_micros(events)), "_us", lower, upper)


def chart_list(
    measured, tagged, lang, *, names, stage_color, tp_color, options, scratch=None, **settings
) -> list:
    def t(key: str, **params) -> str:
        return message(f"report_{key}", lang, **params)

    # The Sankey and the top paths ask about one sequence (touchpoints, repeats collapsed, the
    # same dates): on DuckDB both read one table of journey variants, counted once; elsewhere
    # its step table is made once, by whichever of them comes first.
    settings = {
        **settings,
        "_variants": JourneyVariants(tagged, options, scratch),
        "_steps": _SharedSteps(tagged, options, scratch),
        "_scratch": scratch,
    }

    window = format_duration(settings["funnel_window"], lang)
    specs = [
        ("funnel", t("chart_funnel"), t("chart_funnel_how", window=window)),
        (
            "retention",
            t("chart_retention"),
            t("chart_retention_how", unit=t(f"period_{settings['retention_period']}")),
        ),
        ("sankey", t("chart_sankey"), t("chart_sankey_how", steps=settings["sankey_steps"])),
        ("paths", t("chart_paths"), t("chart_paths_how", n=settings["top_paths"])),
    ]
    charts = []
    for key, title, how in specs:
        chart = {"id": key, "title": title, "how": how, "figure": None, "reading": None}
        chart["wide"] = key in ("sankey", "paths")
        chart["note"] = None
        if tagged is None:
            chart["note"] = t("chart_needs_events")
            charts.append(chart)
            continue
        try:
            figure, reading = _chart(
                key, measured, tagged, lang, names, stage_color, tp_color, options, settings
            )
        except RecorridoError as exc:
            chart["note"] = exc.localized(lang)
        else:
            chart["figure"] = figure
            chart["reading"] = reading
            if figure is None:
                chart["note"] = reading
                chart["reading"] = None
        charts.append(chart)
    return charts


def _chart(key, measured, tagged, lang, names, stage_color, tp_color, options, settings):
    from recorrido import analytics

    span = {"start": options.get("start"), "end": options.get("end")}
    if key == "funnel":
        reached = [r["id"] for r in measured.stage_rows() if r["customers"]]
        window_text = message(
            "report_window", lang, window=format_duration(settings["funnel_window"], lang)
        )
        if len(reached) < 2:
            return None, message("report_chart_funnel_short", lang)
        steps = stage_funnel(
            tagged, reached, window=settings["funnel_window"], scratch=settings["_scratch"], **span
        )
        map_counts = {r["id"]: int(r["customers"]) for r in measured.stage_rows()}
        reading = readings.funnel_reading(steps, names, lang, window_text)
        differs = readings.funnel_vs_map(steps, map_counts, names, lang, window_text)
        return (
            figures.funnel_figure(steps, names, stage_color, lang),
            " ".join(text for text in (reading, differs) if text) or None,
        )
    if key == "sankey":
        # include_end: a journey that stops early ends in an explicit node, and a one-step
        # journey is a band to that ending instead of vanishing from the chart.
        variants = settings["_variants"].get()
        if variants is not None:
            links = first_steps(variants, settings["sankey_steps"])
        else:
            links = analytics.flows(
                tagged,
                "touchpoint",
                steps=settings["sankey_steps"],
                include_end=True,
                steps_table=settings["_steps"].get(),
                **span,
            )
        if links.empty:
            return None, message("report_chart_sankey_empty", lang)
        return (
            figures.sankey_figure(links, names, tp_color, lang),
            readings.flows_reading(links, names, lang),
        )
    if key == "paths":
        variants = settings["_variants"].get()
        if variants is not None:
            top = top_journeys(variants, settings["top_paths"])
        else:
            top = analytics.variants(
                tagged,
                "touchpoint",
                top=settings["top_paths"],
                steps_table=settings["_steps"].get(),
                **span,
            )
        return figures.paths_figure(top, names, lang), readings.paths_reading(top, names, lang)
    frame = analytics.retention(tagged, settings["retention_period"], **span)
    return (
        figures.retention_figure(frame, settings["retention_period"], lang),
        readings.retention_reading(frame, settings["retention_period"], lang),
    )


class _SharedSteps:
    """The touchpoint step table (repeats collapsed) of the tagged events in the report's dates,
    made on first use and kept in the report's scratch."""

    def __init__(self, tagged, options: dict, scratch) -> None:
        self._tagged = tagged
        self._span = {"start": options.get("start"), "end": options.get("end")}
        self._scratch = scratch
        self._steps = None

    def get(self):
        if self._steps is None:
            from recorrido.analytics.paths import shared_steps

            keep = self._scratch.keep if self._scratch is not None else None
            self._steps = shared_steps(self._tagged, "touchpoint", keep=keep, **self._span)
        return self._steps
