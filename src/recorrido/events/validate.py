"""Check every record and turn it into canonical fields, or say why it cannot be stored.

A record is refused (and sent to quarantine) when it has no customer or anonymous id (an empty
cell and a text such as ``NA`` or ``null`` are both no id: :data:`NULL_LIKE_IDS`), a timestamp
that is empty, has an offset that is malformed or beyond ±14:00, is unparseable, impossible
(30 February), before 1971 or more than a day in the future, an empty event name, or a value that
is not a finite number. The first problem found, in that
order, is the one reported, with the source column it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.datatypes as dt

from recorrido.errors import RecorridoError
from recorrido.events.engine_functions import epoch_seconds_to_timestamp, try_strptime

UTC = dt.Timestamp(timezone="UTC")
EARLIEST = datetime(1971, 1, 1)
_EPOCH_FACTORS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
_LAST_EPOCH_SECOND = 253402300800.0  # 10000-01-01
#: The offset written after a time of day (``10:00:00+02:00``, ``10:00-0500``), when there is one.
_OFFSET_AFTER_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*([+-][0-9:]+)$"
#: An offset the world uses: ±HH, ±HHMM or ±HH:MM, at most ±14:00.
_VALID_OFFSET = r"^[+-](?:(?:0\d|1[0-3])(?::?[0-5]\d)?|14(?::?00)?)$"


@dataclass(frozen=True)
class TimeOptions:
    """How to read the timestamp field. Naive times are read in the session's time zone."""

    format: str | None = None
    unit: str | None = None
    decimal_separator: str = "."


_BLANKS = (" ", "\t", "\n", "\r")


def clean_text(value: ibis.Value) -> ibis.Value:
    """Text with surrounding blanks removed; blank becomes NULL."""
    text = value.cast("string")
    # Trimming is one of the dearest steps of an ingest, and real ids and names are seldom
    # padded: only text that starts or ends with a blank is trimmed (four times faster on DuckDB).
    padded = ibis.or_(*(text.startswith(c) | text.endswith(c) for c in _BLANKS))
    return ibis.cases(
        (text == "", ibis.null("string")),
        (padded, text.strip().nullif("")),
        else_=text,
    )


#: Texts that exports write for "no id" (R and pandas write ``NA``/``NaN``, SQL tools ``NULL``,
#: Excel ``#N/A``, JavaScript ``undefined``): read as missing in an identity field, compared
#: trimmed and case-insensitively. Taken as an id, each would merge every anonymous row of a
#: file into one customer.
NULL_LIKE_IDS = ("na", "n/a", "#n/a", "nan", "null", "none", "nil", "undefined", "-")
_LONGEST_NULL_LIKE = max(len(t) for t in NULL_LIKE_IDS)


def identity_text(value: ibis.Value | None) -> tuple[ibis.Value, ibis.Value]:
    """(the id as :func:`clean_text` gives it, NULL when it is a null-like text; whether it was
    one, False for a real id or an empty cell). ``None``: no column gives the field."""
    if value is None:
        return ibis.null("string"), ibis.literal(False)
    text = clean_text(value)
    # Lower-casing every id is dear on large files; only texts short enough to be one are.
    null_like = (text.length() <= _LONGEST_NULL_LIKE) & text.lower().isin(NULL_LIKE_IDS)
    null_like = null_like.fill_null(False)
    return ibis.ifelse(null_like, ibis.null("string"), text), null_like


def parse_timestamp(value: ibis.Value, options: TimeOptions, file: str) -> ibis.Value:
    dtype = value.type()
    if dtype.is_timestamp():
        return value.cast(UTC)
    if dtype.is_date():
        return value.cast("timestamp").cast(UTC)
    if dtype.is_numeric() or options.unit:
        if not options.unit:
            raise RecorridoError(
                "file_unreadable",
                file=file,
                format="timestamp",
                detail="the timestamp column holds numbers: set timestamp_unit (s, ms or us)",
            )
        seconds = clean_text(value).try_cast("float64") * _EPOCH_FACTORS[options.unit]
        # An epoch number past year 9999 (or a NaN) is refused as unparseable in its row: the
        # engine's conversion would otherwise stop the whole file.
        in_range = seconds.notnull() & ~seconds.isnan() & (seconds.abs() < _LAST_EPOCH_SECOND)
        return epoch_seconds_to_timestamp(ibis.ifelse(in_range, seconds, ibis.null("float64")))
    text = clean_text(value)
    if options.format:
        return try_strptime(text, options.format).cast(UTC)
    return text.try_cast(UTC)


def bad_offset(value: ibis.Value, options: TimeOptions) -> ibis.Value:
    """Whether a text timestamp carries an offset that is malformed or beyond ±14:00 (the engine
    would read ``+25:00`` as an instant a day away)."""
    if not value.type().is_string() or options.format or options.unit:
        return ibis.literal(False)
    offset = clean_text(value).re_extract(_OFFSET_AFTER_TIME, 1)
    return offset.notnull() & (offset != "") & ~offset.re_search(_VALID_OFFSET)


def parse_value(value: ibis.Value, decimal_separator: str) -> tuple[ibis.Value, ibis.Value]:
    """(the number, the text it came from) for the value field."""
    if value.type().is_numeric():
        number = value.cast("float64")
        return number, number.cast("string")
    text = clean_text(value)
    # "1.234,56" is 1234.56 where the comma separates decimals (Spain, most of Latin America).
    text_number = text.replace(".", "").replace(",", ".") if decimal_separator == "," else text
    return text_number.try_cast("float64"), text


def check_records(
    table: ibis.Table,
    fields: dict[str, ibis.Value],
    field_columns: dict[str, str],
    *,
    time: TimeOptions,
    now: datetime,
    file: str,
    default_source: str,
    defaults: dict[str, str],
) -> ibis.Table:
    """Canonical columns plus ``__problem``, ``__column`` and ``__detail`` (NULL when the record is
    good), ``__row``, ``__record`` (the original record as JSON text, kept for refused rows) and
    ``__null_like_customer`` / ``__null_like_anonymous`` (the id was a text such as ``NA``, read as
    missing: :data:`NULL_LIKE_IDS`)."""

    def field(name: str) -> ibis.Value:
        if name in fields:
            return clean_text(fields[name])
        if name in defaults:  # a blank constant is no value, refused as a blank cell would be
            return clean_text(ibis.literal(defaults[name]))
        return ibis.null("string")

    customer_id, customer_null_like = identity_text(fields.get("customer_id"))
    anonymous_id, anonymous_null_like = identity_text(fields.get("anonymous_id"))
    event = field("event")
    raw_time = fields.get("timestamp", ibis.null("string"))
    timestamp = parse_timestamp(raw_time, time, file)
    typed_time = not raw_time.type().is_string()
    # A typed time is only missing when NULL; turning every one into text just to test it for
    # blanks would cost more than the rest of the checks together.
    time_missing = raw_time.isnull() if typed_time else clean_text(raw_time).isnull()
    if "value" in fields:
        value, value_text = parse_value(fields["value"], time.decimal_separator)
        value_given = (
            fields["value"].notnull()
            if fields["value"].type().is_numeric()
            else (value_text.notnull())
        )
    else:
        value, value_text = ibis.null("float64"), ibis.null("string")
        value_given = ibis.literal(False)
    source = field("source") if ("source" in fields or "source" in defaults) else None

    latest = ibis.literal(now, type=UTC) + ibis.interval(days=1)
    earliest = ibis.literal(EARLIEST.isoformat(), type="string").cast(UTC)
    checks: list[tuple[ibis.Value, str]] = [
        (customer_id.isnull() & anonymous_id.isnull(), "missing_id"),
        (time_missing, "empty_timestamp"),
        (bad_offset(raw_time, time), "bad_offset"),
        (timestamp.isnull(), "bad_timestamp"),
        (timestamp < earliest, "timestamp_too_old"),
        (timestamp > latest, "timestamp_in_future"),
        (event.isnull(), "empty_event"),
        (value_given & (value.isnull() | value.isnan() | value.isinf()), "bad_value"),
    ]
    problem = ibis.cases(*checks, else_=ibis.null("string"))

    properties = fields.get("__properties", ibis.literal("{}").cast("json"))
    given_id = field("event_id")
    content_key = ibis.literal("\x1f").join(
        [
            customer_id.fill_null(""),
            anonymous_id.fill_null(""),
            timestamp.cast("string").fill_null(""),
            event.fill_null(""),
            field("channel").fill_null(""),
            value.cast("string").fill_null(""),
            properties.cast("string").fill_null(""),
        ]
    )
    # Sources without ids get a content hash, so re-ingesting the same rows finds them again.
    event_id = given_id.fill_null(ibis.literal("h:") + content_key.hexdigest("md5"))

    # Two projections: the first computes each canonical field and the problem once; the second
    # explains the (rare) refused rows from the problem code instead of re-running every check.
    canonical = {
        "event_id": event_id,
        "customer_id": customer_id,
        "anonymous_id": anonymous_id,
        "timestamp": timestamp,
        "event": event,
        "channel": field("channel"),
        "source": source if source is not None else ibis.literal(default_source),
        "value": value,
        "properties": properties,
    }
    checked = table.mutate(
        **{f"__c_{name}": expr for name, expr in canonical.items()},
        __problem=problem,
        __null_like_customer=customer_null_like,
        __null_like_anonymous=anonymous_null_like,
    )
    code = checked.__problem
    time_column = field_columns.get("timestamp", "")
    column_of = {
        "missing_id": field_columns.get("customer_id") or field_columns.get("anonymous_id", ""),
        "empty_timestamp": time_column,
        "bad_timestamp": time_column,
        "bad_offset": time_column,
        "timestamp_too_old": time_column,
        "timestamp_in_future": time_column,
        "empty_event": field_columns.get("event", ""),
        "bad_value": field_columns.get("value", ""),
    }
    time_text = clean_text(raw_time)
    detail = ibis.cases(
        (
            code.isin(["bad_timestamp", "bad_offset", "timestamp_too_old", "timestamp_in_future"]),
            time_text,
        ),
        (code == "bad_value", value_text),
        else_=ibis.null("string"),
    )
    record = fields.get("__record", ibis.null("string"))
    return checked.select(
        **{name: checked[f"__c_{name}"] for name in canonical},
        __row=checked["__row"],
        __problem=code,
        __column=code.cases(*column_of.items(), else_=ibis.null("string")),
        __detail=ibis.ifelse(code.notnull(), detail, ibis.null("string")),
        __record=ibis.ifelse(code.notnull(), record.cast("string"), ibis.null("string")),
        # Kept so the report can say how many ids were read as missing (count_null_like_ids).
        __null_like_customer=checked.__null_like_customer,
        __null_like_anonymous=checked.__null_like_anonymous,
    )
