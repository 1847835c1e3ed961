"""Build the aggregated path table from a workspace's events, in the engine.

**Journeys.** A customer's events are in the one order (``sequence.order_keys``: timestamp, source
order, event id). Each conversion event closes a journey: its touches are the customer's touch
events after the previous conversion and no more than ``lookback`` before it. Touches after a
customer's last conversion (or of a customer who never converted) form one *null* journey, cut to
``lookback`` before its last touch. Conversion events are not touches. The journey's value is the
conversion event's ``value``.

**Touches** are events with a non-empty value at the level ``by``: ``channel`` (the events'
column), ``campaign`` (the ``utm_campaign`` property, else ``campaign``), or ``touchpoint`` (the
events' ``touchpoint`` column when tagging added one, else the first touchpoint of a journey map
whose match rule selects the event).

**Conversion.** ``conversion`` names the event (``purchase`` by default); with a journey map and no
``conversion``, the map's goal decides.

Only the aggregated table (one row per distinct path) leaves the engine. Conversions with no touch
in the window are counted, not attributed (``unattributed_conversions``).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from recorrido.analytics.attribution.journeys import ESCAPE, PathTable, split_path
from recorrido.analytics.sequence import (
    customer_order,
    engine_of,
    epoch_micros,
    events_of,
    order_columns,
    order_keys,
    property_value,
)
from recorrido.analytics.windows import parse_duration
from recorrido.errors import RecorridoError, did_you_mean

LEVELS = ("channel", "touchpoint", "campaign")
CAMPAIGN_KEYS = ("utm_campaign", "campaign")
DEFAULT_CONVERSION = "purchase"
DEFAULT_LOOKBACK = "30d"
_SEP = "\x1f"  # between touches inside the engine; names containing it are escaped


@dataclass(frozen=True)
class WorkspacePaths:
    table: PathTable
    unattributed_conversions: float
    unattributed_value: float
    conversion: str
    lookback: str
    by: str


def _touch(events: ir.Table, by: str, journey) -> ir.StringValue:
    if by == "channel":
        return events.channel.cast(str)
    if by == "campaign":
        values = [property_value(events, key).nullif("") for key in CAMPAIGN_KEYS]
        return ibis.coalesce(*values)
    if by == "touchpoint":
        if "touchpoint" in events.columns:
            return events.touchpoint.cast(str)
        if journey is None:
            raise RecorridoError("attribution_needs_map")
        return journey.touchpoint_expr(events, engine_of(events))
    raise RecorridoError(
        "attribution_unknown_level",
        name=by,
        suggestion=did_you_mean(by, LEVELS) or ", ".join(LEVELS),
    )


def _conversion(
    events: ir.Table, conversion: str | None, journey, *, check: bool = True
) -> tuple[ir.BooleanValue, str]:
    """The predicate of a conversion and its label. With ``check``, an event name no event has
    raises now (a scan of the events); without, the caller asks :func:`_check_conversion` when
    it counted no conversion at all."""
    if conversion is None and journey is not None and journey.goal is not None:
        goal = journey.goal
        label = f"goal:{goal.touchpoint or goal.event}"
        return goal.rule(journey).predicate(events, engine_of(events)), label
    name = conversion or DEFAULT_CONVERSION
    if check:
        _check_conversion(events, name)
    return events.event == name, name


def _check_conversion(events: ir.Table, name: str) -> None:
    """Raise, with the closest event names, when no event is called ``name``."""
    found = int(events.filter(events.event == name).count().execute())
    if not found:
        known = (
            events.group_by("event")
            .aggregate(n=events.count())
            .order_by(ibis.desc("n"))
            .limit(1000)
            .execute()["event"]
            .astype(str)
            .tolist()
        )
        raise RecorridoError(
            "attribution_unknown_conversion",
            name=name,
            suggestion=did_you_mean(name, known) or ", ".join(known[:8]) or "—",
        )


def _escaped(item: ir.StringValue) -> ir.StringValue:
    return item.replace(ESCAPE, ESCAPE + ESCAPE).replace(_SEP, ESCAPE + _SEP)


def touches(
    source,
    *,
    by: str = "channel",
    conversion: str | None = None,
    journey=None,
    check: bool = True,
) -> tuple[ir.Table, ir.Table]:
    """What every lookback shares: ``(touches, conversions)``. ``touches``: one row per touch
    with ``customer_id, journey_no``, the order columns, ``item``, its journey's conversion
    (``conv_us``, ``conv_value``; null for the null journey) and ``anchor`` (the conversion's
    time, or the null journey's last touch). ``conversions``: ``customer_id, journey_no,
    conv_us, conv_value``. Ordering and numbering the journeys is most of the work; a server
    keeps both tables and answers a new lookback with :func:`within` alone."""
    events = events_of(source)
    item = _touch(events, by, journey)
    is_conv, _ = _conversion(events, conversion, journey, check=check)
    t = events.filter(events.customer_id.notnull()).mutate(
        item=item, is_conv=is_conv.fill_null(False), us=epoch_micros(events)
    )
    t = t.filter(t.is_conv | (t.item.notnull() & (t.item != "")))
    # Only the columns read below go through the window: it sorts every column it carries, and
    # ``properties`` alone would double its cost.
    t = t.select("customer_id", *order_columns(t), "item", "is_conv", "value")
    # Rows up to this one, so ties in time are cut like everywhere else (``order_keys``).
    order = customer_order(t, rows=(None, 0))
    flag = t.is_conv.cast("int64")
    # Materialised before filtering: Spark refuses window functions inside a filter.
    t = t.mutate(journey_no=flag.sum().over(order) - flag)

    convs = t.filter(t.is_conv).select(
        "customer_id",
        "journey_no",
        conv_us=t.us,
        conv_value=t.value.fill_null(0.0).cast("float64"),
    )
    columns = ["customer_id", "journey_no", *order_columns(t), "item"]
    touched = t.filter(~t.is_conv).select(*columns)
    joined = touched.left_join(convs, ["customer_id", "journey_no"]).select(
        *columns, "conv_us", "conv_value"
    )
    # The window ends at the conversion, or for a null journey at its last touch.
    joined = joined.mutate(
        anchor=ibis.coalesce(
            joined.conv_us,
            joined.us.max().over(ibis.window(group_by=[joined.customer_id, joined.journey_no])),
        )
    )
    return joined, convs


def within(joined: ir.Table, convs: ir.Table, window_us: int) -> ir.Table:
    """One row per journey (see :func:`journeys`) from :func:`touches`' two tables: the touches
    no more than ``window_us`` before their journey's anchor."""
    kept = joined.filter(joined.anchor - joined.us <= window_us)
    # Sorting (order keys..., item) puts the touches in the customer's one order.
    keys = {f"k{i}": key for i, key in enumerate(order_keys(kept))}
    kept = kept.mutate(pair=ibis.struct({**keys, "item": _escaped(kept.item)}))
    touched = kept.group_by(["customer_id", "journey_no"]).aggregate(
        pairs=kept.pair.collect(),
        converted=kept.conv_us.notnull().any(),
        value=kept.conv_value.max(),
    )
    touched = touched.select(
        "customer_id",
        "converted",
        value=touched.value.fill_null(0.0),
        path=touched.pairs.sort().map(lambda p: p.item).join(_SEP),
    )
    # Conversions whose journey kept no touch: counted with an empty path.
    bare = convs.anti_join(
        kept.select("customer_id", "journey_no").distinct(), ["customer_id", "journey_no"]
    ).select(
        "customer_id",
        converted=ibis.literal(True),
        value=convs.conv_value,
        path=ibis.literal("", type="string"),
    )
    return touched.union(bare)


def journeys(
    source,
    *,
    by: str = "channel",
    conversion: str | None = None,
    lookback: str = DEFAULT_LOOKBACK,
    journey=None,
    check: bool = True,
) -> ir.Table:
    """One row per journey: ``customer_id, converted, value, path`` (an Ibis expression).

    ``path`` holds the touches joined by U+001F (escaped); empty for a conversion without touches.
    With ``check`` a conversion event name that no event has raises at once.
    """
    window_us = parse_duration(lookback)
    joined, convs = touches(source, by=by, conversion=conversion, journey=journey, check=check)
    return within(joined, convs, window_us)


def workspace_paths(
    source,
    *,
    by: str = "channel",
    conversion: str | None = None,
    lookback: str = DEFAULT_LOOKBACK,
    journey=None,
    kept=None,
) -> WorkspacePaths:
    """The aggregated path table of a workspace (or events table), built in the engine.
    ``kept``: :func:`touches`' two tables for the same ``by``, ``conversion`` and ``journey``,
    made earlier (a server's copy), read instead of ordering the events again."""
    if by not in LEVELS:
        raise RecorridoError(
            "attribution_unknown_level",
            name=by,
            suggestion=did_you_mean(by, LEVELS) or ", ".join(LEVELS),
        )
    events = events_of(source)
    _, label = _conversion(events, conversion, journey, check=False)
    if kept is None:
        kept = touches(events, by=by, conversion=conversion, journey=journey, check=False)
    j = within(*kept, parse_duration(lookback))
    conv = j.converted.cast("int64")
    agg = j.group_by("path").aggregate(
        conversions=conv.sum(),
        value=(j.value * conv.cast("float64")).sum(),
        nulls=(1 - conv).sum(),
    )
    frame = agg.execute()
    by_goal = conversion is None and journey is not None and journey.goal is not None
    if not frame["conversions"].sum() and not by_goal:
        # Whether the name is an event at all is asked only now: a scan less when there are some.
        _check_conversion(events, label)
    empty = frame["path"] == ""
    bare = frame[empty]
    frame = frame[~empty]
    table = PathTable.build(
        [split_path(p, _SEP) for p in frame["path"]],
        frame["conversions"].to_numpy("float64"),
        frame["value"].to_numpy("float64"),
        frame["nulls"].to_numpy("float64"),
    )
    return WorkspacePaths(
        table=table,
        unattributed_conversions=float(bare["conversions"].sum()),
        unattributed_value=float(bare["value"].sum()),
        conversion=label,
        lookback=str(lookback),
        by=by,
    )
