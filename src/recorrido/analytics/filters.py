"""Date ranges given as text (``2024-05-01``, ``2024-05-01T08:00``), checked before any query.

A bare date as the start means that day's first instant; as the end it means the whole day is
included. Times without an offset are UTC, like every timestamp in the event table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from recorrido.errors import RecorridoError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_moment(value: str | date | datetime | None, *, end: bool = False) -> datetime | None:
    """The instant that starts (or, with ``end``, ends exclusively) the range bound ``value``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
        whole_day = False
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
        whole_day = True
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise RecorridoError("analytics_bad_date", value=text) from None
        whole_day = len(text) == 10
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if end and whole_day:
        moment += timedelta(days=1)
    elif end:
        # An explicit end time is included: the range stops just after it.
        moment += timedelta(microseconds=1)
    return moment


def micros_since_epoch(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def parse_range(start, end) -> tuple[int | None, int | None]:
    """``(start, end)`` as epoch microseconds, end exclusive; an inverted range is an error."""
    first = parse_moment(start)
    last = parse_moment(end, end=True)
    if first is not None and last is not None and last <= first:
        raise RecorridoError("analytics_bad_range", start=str(start), end=str(end))
    return (
        None if first is None else micros_since_epoch(first),
        None if last is None else micros_since_epoch(last),
    )


def in_range(table, column: str, lower: int | None, upper: int | None):
    """The rows of ``table`` whose ``column`` (epoch microseconds) falls in ``lower`` ..
    ``upper``, end exclusive, as :func:`parse_range` gives them; an open side keeps all."""
    if lower is not None:
        table = table.filter(table[column] >= lower)
    if upper is not None:
        table = table.filter(table[column] < upper)
    return table
