"""The time bins the change series are counted in: days, or weeks (and four weeks) starting on
Monday, as whole numbers since 1970-01-01 (UTC)."""

from __future__ import annotations

import ibis

from recorrido.insights.journeys import DAY_US

#: 1970-01-01 was a Thursday: shifting by 3 days makes week bins start on Mondays.
MONDAY_SHIFT = 3


def bin_of_us(us: ibis.Value, width: int) -> ibis.Value:
    """The bin of an epoch-microseconds column, ``width`` days wide."""
    day = (us // DAY_US).cast("int64")
    return ((day + MONDAY_SHIFT) // width).cast("int64") if width > 1 else day


def first_whole_bin(day: int, width: int) -> int:
    """The first bin that starts on or after ``day`` (a partial bin before it is left out)."""
    return -(-(day + MONDAY_SHIFT) // width) if width > 1 else day


def last_whole_bin(day: int, width: int) -> int:
    """The last bin that ends on or before ``day``."""
    return (day + MONDAY_SHIFT + 1) // width - 1 if width > 1 else day


def day_of_bin(bin_index: int, width: int, end: bool = False) -> int:
    """The first (or, with ``end``, the last) day of a bin."""
    if width == 1:
        return bin_index
    start = bin_index * width - MONDAY_SHIFT
    return start + width - 1 if end else start
