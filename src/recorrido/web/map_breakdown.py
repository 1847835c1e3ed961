"""The map view's breakdown: the stages measured per segment side by side — the channel of the
customer's first event, each persona of the map, or any column or property key read on the
customer's first event (``recorrido measure --breakdown``) — with each segment's conversion from
the previous stage against the rest of the customers and whether the data tell them apart
(Newcombe's 95 % interval), as the report's segment table shows them.

The lanes keep the whole map (every customer under the filter); the breakdown is one measure
more, under the same filter, kept with the measured maps (``map_view.measured_map``)."""

from __future__ import annotations

from fastapi import Request

from recorrido.i18n import message

#: What the form's select offers; any other name is a column or property key typed in.
NAMED = ("channel", "persona")
LIMIT = 80


def breakdown_of(request: Request) -> str:
    """The breakdown asked: a key typed in (``breakdown_key``) wins over the select's."""
    q = request.query_params
    typed = " ".join(q.get("breakdown_key", "").split())
    return (typed or q.get("breakdown", "").strip())[:LIMIT]


def segments(workspace, path, where, breakdown: str, lang: str) -> dict:
    """The segment table of the map at ``path`` under ``where`` split by ``breakdown``: the
    report's rows and reading, or ``rows: []`` when there are fewer than two segments."""
    from recorrido.analytics.tagging import tag_events
    from recorrido.report.charts_below import measured_events
    from recorrido.report.comparisons import compared_stages, segment_table
    from recorrido.web.map_view import measured_map

    split = measured_map(workspace, path, where, breakdown=breakdown)
    tagged = None
    if breakdown == "persona":
        # personas overlap: each is compared with the customers outside it, counted on the
        # events as the map was measured
        journey = split.journey
        events = tag_events(where.events(workspace, journey), journey)
        tagged = measured_events(events, split.options)
    compared = compared_stages(split, tagged)
    if compared is None:
        return {"rows": [], "segments": list(split.summary["segments"])}
    table = segment_table(split, compared, lang)
    table["title"] = message("report_segments_title", lang)
    table["how"] = message("report_segments_how", lang) + " " + message("report_ci_legend", lang)
    return table
