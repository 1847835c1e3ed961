"""Segment-spec calls (track, identify, page, screen, alias, group) as canonical fields.

How each call becomes an event:

- ``messageId`` → ``event_id``; ``userId`` → ``customer_id``; ``anonymousId`` → ``anonymous_id``
  (for ``alias``, ``previousId`` takes the anonymous side, so the alias links the two ids).
- ``track`` keeps its ``event`` name; ``page`` → ``page_view``, ``screen`` → ``screen_view``,
  ``identify`` → ``identify``, ``alias`` → ``alias``, ``group`` → ``group``.
- ``properties`` (``traits`` for identify) become the event's properties; ``context`` and the
  page/screen ``name`` are kept inside them under ``context`` and ``name``.
- ``channel`` is the call's ``channel`` when present, else ``web`` for page, ``mobile`` for
  screen.
- ``value`` is ``properties.revenue``, else ``value``, else ``total`` (Segment's e-commerce spec).
"""

from __future__ import annotations

import ibis

from recorrido.events.engine_functions import json_merge, json_pair, json_text, text_as_json

SEGMENT_COLUMNS = {
    "messageId": "VARCHAR",
    "type": "VARCHAR",
    "event": "VARCHAR",
    "name": "VARCHAR",
    "userId": "VARCHAR",
    "anonymousId": "VARCHAR",
    "previousId": "VARCHAR",
    "groupId": "VARCHAR",
    "timestamp": "VARCHAR",
    "originalTimestamp": "VARCHAR",
    "channel": "VARCHAR",
    "properties": "JSON",
    "traits": "JSON",
    "context": "JSON",
}

#: Which Segment key each canonical field comes from, for quarantine messages.
SEGMENT_FIELD_COLUMNS = {
    "event_id": "messageId",
    "customer_id": "userId",
    "anonymous_id": "anonymousId",
    "timestamp": "timestamp",
    "event": "event",
    "value": "properties.revenue",
}


def prepare_segment(table: ibis.Table) -> dict[str, ibis.Value]:
    """Canonical field expressions (raw, not yet validated) for a table of Segment calls."""
    kind = table.type.lower()
    event = ibis.cases(
        (kind == "track", table.event),
        (kind == "page", ibis.literal("page_view")),
        (kind == "screen", ibis.literal("screen_view")),
        else_=kind,
    )
    body = ibis.cases((kind == "identify", table.traits), else_=table.properties)
    empty = ibis.literal("{}").cast("json")
    properties = body.fill_null(empty)
    # Merged one key at a time: a JSON merge patch deletes keys whose new value is null.
    for key, extra in (
        ("name", text_as_json(table.name)),
        ("context", table.context),
        ("groupId", text_as_json(table.groupId)),
    ):
        properties = ibis.ifelse(
            extra.isnull(), properties, json_merge(properties, json_pair(key, extra))
        )
    value = ibis.coalesce(
        json_text(table.properties, "$.revenue"),
        json_text(table.properties, "$.value"),
        json_text(table.properties, "$.total"),
    )
    channel = ibis.coalesce(
        table.channel,
        ibis.cases(
            (kind == "page", "web"), (kind == "screen", "mobile"), else_=ibis.null("string")
        ),
    )
    return {
        "event_id": table.messageId,
        "customer_id": table.userId,
        "anonymous_id": ibis.cases((kind == "alias", table.previousId), else_=table.anonymousId),
        "timestamp": ibis.coalesce(table.timestamp, table.originalTimestamp),
        "event": event,
        "channel": channel,
        "value": value,
        "__properties": properties,
    }
