"""Each customer's ordered stream of events at a level — what every analytics question reads.

The **level** is a column of the events table: ``event`` (the default), or a ``touchpoint`` or
``stage`` column that journey-map tagging adds. Events whose level value is NULL (not tagged)
are left out of the stream.

**Order.** A customer's events are ordered by :func:`order_keys`: timestamp, then the event's
place in its source (ingest, file, row: ``source_order``), then ``event_id``. Timestamps tie
often (same millisecond, same second in coarse sources); the source order keeps the order the
source wrote them in and ``event_id`` makes the order total and the same on every engine
(``docs/event-order.md``). Every analysis orders through :func:`customer_order` or
:func:`order_keys`, nothing else. Time is computed in whole microseconds since the epoch, so
DuckDB and Spark compare and subtract the same integers.

The helpers here are the only place that knows engine dialects (epoch microseconds, reading a JSON
key, listing JSON keys: DuckDB, Spark and PostgreSQL); everything else is plain Ibis.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from recorrido.analytics.filters import in_range, parse_range
from recorrido.errors import RecorridoError, did_you_mean
from recorrido.events.schema import SOURCE_ORDER
from recorrido.journey.properties import property_text, readable_on

#: Levels a journey map's tagging adds as columns of the events table.
MAP_LEVELS = ("touchpoint", "stage")


# -- engine dialects -------------------------------------------------------------------------
@ibis.udf.scalar.builtin(name="epoch_us")
def _duckdb_epoch_us(moment: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[empty-body]
    """Microseconds since 1970-01-01 UTC (DuckDB)."""


@ibis.udf.scalar.builtin(name="unix_micros")
def _spark_epoch_us(moment: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[empty-body]
    """Microseconds since 1970-01-01 UTC (Spark)."""


@ibis.udf.scalar.builtin(name="json_keys")
def _duckdb_json_keys(doc: str) -> dt.Array(dt.string):  # type: ignore[empty-body]
    """Top-level keys of a JSON object (DuckDB)."""


@ibis.udf.scalar.builtin(name="json_object_keys")
def _spark_json_keys(doc: str) -> dt.Array(dt.string):  # type: ignore[empty-body]
    """Top-level keys of a JSON object (Spark)."""


@ibis.udf.scalar.builtin(name="json_object_keys")
def _postgres_json_keys(doc: dt.json) -> str:  # type: ignore[empty-body]
    """PostgreSQL: the top-level keys of a JSON object, one row each (a set-returning function
    in the select list: each row of the input gives one row per key)."""


@ibis.udf.scalar.builtin(name="json_typeof")
def _postgres_json_type(doc: dt.json) -> str:  # type: ignore[empty-body]
    """PostgreSQL: ``object``, ``array``, ``string``... (the keys of anything else are an error)."""


def engine_of(table: ibis.Table) -> str:
    """The name of the Ibis backend that holds ``table`` (``duckdb``, ``pyspark``, ...)."""
    return table._find_backend().name


def epoch_micros(table: ibis.Table, column: str = "timestamp") -> ibis.Value:
    moment = table[column].cast(dt.Timestamp(timezone="UTC"))
    engine = engine_of(table)
    if engine == "pyspark":
        return _spark_epoch_us(moment)
    if engine == "postgres":  # exact: whole seconds, then the microseconds within the second
        whole = moment.truncate("s").epoch_seconds().cast("int64")
        return whole * 1_000_000 + moment.microsecond().cast("int64")
    return _duckdb_epoch_us(moment)


def property_value(table: ibis.Table, key: str) -> ibis.Value:
    """A breakdown value: a column of the table, or a key of ``properties``.

    Any key a file can carry works (``case:AMOUNT_REQ``, ``page url``, ``device.os``): it is read
    by :func:`recorrido.journey.properties.property_text`, the one reader every command shares,
    which passes it to the engine as a literal, never formatted into SQL text.
    """
    if key in table.columns and key != "properties":
        return table[key].cast(str)
    engine = engine_of(table)
    if not readable_on(key, engine):
        raise RecorridoError("analytics_bad_property", name=key)
    return property_text(table.properties, key, engine)


def known_property_keys(table: ibis.Table, sample: int = 10_000) -> list[str]:
    """Property keys seen in the first ``sample`` events (for 'did you mean' hints)."""
    rows = table.filter(table.properties.notnull()).limit(sample)
    engine = engine_of(table)
    if engine == "postgres":
        doc = rows.properties.cast(dt.json)
        objects = rows.filter(_postgres_json_type(doc) == "object")
        keys = objects.select(key=_postgres_json_keys(objects.properties.cast(dt.json)))
    else:
        doc = rows.properties.cast(str)
        listed = _spark_json_keys(doc) if engine == "pyspark" else _duckdb_json_keys(doc)
        keys = rows.select(key=listed.unnest())
    found = keys.distinct().limit(1000).execute()
    return sorted(str(k) for k in found["key"].dropna())


# -- the stream ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stream:
    """The events of a level, filtered to a date range, with ``item`` and ``us`` added.

    ``table`` keeps every column of the events table plus ``item`` (the value at the level) and
    ``us`` (epoch microseconds). It is an unexecuted Ibis expression.
    """

    table: ibis.Table
    level: str

    def ordered(self) -> ibis.Table:
        """``table`` with ``seq``: the 0-based position in the customer's one order."""
        t = self.table
        return t.mutate(seq=ibis.row_number().over(customer_order(t)))

    def items(self) -> pd.DataFrame:
        """Distinct values at the level with their events and customers (a small result)."""
        t = self.table
        return (
            t.group_by("item")
            .aggregate(events=t.count(), customers=t.customer_id.nunique())
            .order_by([ibis.desc("events"), "item"])
            .execute()
        )

    def check_names(self, names: list[str]) -> None:
        """Raise naming the first of ``names`` that no event at the level has."""
        wanted = sorted(set(names))
        if not wanted:
            return
        t = self.table
        found = set(
            t.filter(t.item.isin(wanted)).select("item").distinct().execute()["item"].tolist()
        )
        missing = [n for n in names if n not in found]
        if missing:
            known = self.items()["item"].astype(str).tolist()
            unknown_name(missing[0], known, self.level)


#: A place no source row has: events without one (tables not made by ingest) sort after those
#: with one at the same instant, the same way on engines whose NULLs sort first or last.
_NO_PLACE = 2**62


def order_keys(table: ibis.Table) -> list[ibis.Value]:
    """The keys of the one order of a customer's events: ``us``, source order, ``event_id``."""
    keys = [table.us]
    if SOURCE_ORDER in table.columns:
        keys.append(table[SOURCE_ORDER].fill_null(_NO_PLACE))
    keys.append(table.event_id)
    return keys


def order_columns(table: ibis.Table) -> list[str]:
    """The columns :func:`order_keys` reads: a ``select`` that narrows a table must keep them,
    or the order falls back to ``event_id`` on the ties."""
    return [c for c in ("us", SOURCE_ORDER, "event_id") if c in table.columns]


def order_struct(table: ibis.Table) -> ibis.Value:
    """The same order as one sortable value, for ``argmin``/``argmax`` without a window."""
    names = ("us", "place", "event_id")
    keys = order_keys(table)
    if len(keys) == 2:
        keys = [keys[0], ibis.literal(_NO_PLACE, "int64"), keys[1]]
    return ibis.struct(dict(zip(names, keys, strict=True)))


def customer_order(table: ibis.Table, **frame) -> ibis.expr.builders.LegacyWindowBuilder:
    """The window over a customer's events in the one order (:func:`order_keys`)."""
    return ibis.window(group_by=table.customer_id, order_by=order_keys(table), **frame)


def unknown_name(name: str, known: list[str], level: str):
    close = did_you_mean(name, known)
    if close:
        raise RecorridoError(
            "analytics_unknown_name_close", name=name, level=level, suggestion=close
        )
    raise RecorridoError(
        "analytics_unknown_name", name=name, level=level, known=", ".join(known[:12]) or "—"
    )


def events_of(source) -> ibis.Table:
    """The events table of a :class:`~recorrido.Workspace`, or ``source`` if it is a table."""
    if isinstance(source, ibis.Table):
        return source
    events = getattr(source, "events", None)
    if isinstance(events, ibis.Table):
        return events
    raise TypeError(f"expected a Workspace or an Ibis table, got {type(source).__name__}")


def stream(source, level: str = "event", *, start=None, end=None, check: bool = True) -> Stream:
    """The customers' event streams at ``level`` between ``start`` and ``end`` (inclusive dates).

    With ``check`` (the default) an empty workspace or an empty date range raises a
    :class:`RecorridoError` instead of giving results that read as zero customers.
    """
    events = events_of(source)
    if level not in events.columns:
        if level in MAP_LEVELS:
            raise RecorridoError("analytics_level_untagged", level=level)
        hint = did_you_mean(level, [*events.columns, *MAP_LEVELS])
        raise RecorridoError("analytics_unknown_level", level=level, suggestion=hint or "event")
    lower, upper = parse_range(start, end)
    t = events.mutate(item=events[level].cast(str), us=epoch_micros(events))
    t = in_range(t.filter(t.item.notnull(), t.customer_id.notnull()), "us", lower, upper)
    result = Stream(t, level)
    if check:
        _check_not_empty(events, result, start, end)
    return result


def _check_not_empty(events: ibis.Table, result: Stream, start, end) -> None:
    # Whether one event exists, not how many: the engine stops at the first (no full scan).
    if int(result.table.limit(1).count().execute()):
        return
    span = events.aggregate(
        n=events.count(), first=events.timestamp.min(), last=events.timestamp.max()
    )
    row = span.execute().iloc[0]
    if not int(row["n"]):
        raise RecorridoError("analytics_no_events")
    if start is None and end is None:
        raise RecorridoError("analytics_level_empty", level=result.level)
    raise RecorridoError(
        "analytics_empty_range",
        start=str(start or "…"),
        end=str(end or "…"),
        first=str(row["first"]),
        last=str(row["last"]),
    )


def median_by(table: ibis.Table, by: list[str], value: str, name: str) -> ibis.Table:
    """The exact median of integer ``value`` per group ``by``, as a float.

    Computed from the middle one or two rows of each sorted group rather than the engines'
    percentile functions, so DuckDB and Spark give the very same number: the mean of the two
    middle values for even counts. On DuckDB the engine's ``quantile_cont(x, 0.5)`` gives that
    same number (for integers below 2**53 its interpolation ``a + (b - a) * 0.5`` is exact) in
    one aggregate instead of a sort of every group, so it is used there.
    """
    t = table.filter(table[value].notnull())
    if engine_of(table) == "duckdb":
        return t.group_by(by).aggregate(**{name: t[value].quantile(0.5).cast("float64")})
    groups = [t[b] for b in by]
    t = t.mutate(
        _rank=ibis.row_number().over(ibis.window(group_by=groups, order_by=t[value])) + 1,
        _n=t[value].count().over(ibis.window(group_by=groups)),
    )
    middle = t.filter((t._rank == (t._n + 1) // 2) | (t._rank == (t._n + 2) // 2))
    return middle.group_by(by).aggregate(
        **{name: middle[value].sum().cast("float64") / middle.count().cast("float64")}
    )


def unknown_property(t: ibis.Table, key: str):
    """Raise naming ``key``, a column or property key no event has, with the closest known."""
    known = [c for c in t.columns if c not in ("item", "us", "bd")]
    known += known_property_keys(t)
    close = did_you_mean(key, known)
    if close:
        raise RecorridoError("analytics_unknown_property_close", name=key, suggestion=close)
    raise RecorridoError(
        "analytics_unknown_property", name=key, known=", ".join(sorted(set(known))[:20])
    )


def raise_empty(events: ibis.Table, start, end) -> None:
    """Raise why nothing is left to analyse: no events at all, or none in ``start``..``end``
    (naming the range the events do cover)."""
    if start is None and end is None:
        raise RecorridoError("analytics_no_events")
    span = events.aggregate(first=events.timestamp.min(), last=events.timestamp.max()).execute()
    raise RecorridoError(
        "analytics_empty_range",
        start=str(start or "…"),
        end=str(end or "…"),
        first=str(span["first"][0]),
        last=str(span["last"][0]),
    )
