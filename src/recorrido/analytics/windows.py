"""Durations written the way people write them (``30m``, ``12h``, ``7d``, ``2w``).

Every duration becomes a whole number of microseconds, the unit all analytics compute in, so that
DuckDB and Spark compare exactly the same integers.
"""

from __future__ import annotations

import re
from datetime import timedelta

from recorrido.errors import RecorridoError

#: How long without events makes a customer count as stopped (dropped off), the one default of
#: every command that asks it (measure, report, friction, the demo): two views of the same map
#: must not count drop-off with different silences. A week suits web and app journeys; a slower
#: process (a loan, a claim) should pass its own, and every page states the one it used.
DEFAULT_INACTIVITY = "7d"

MICROS = {
    "s": 1_000_000,
    "m": 60 * 1_000_000,
    "h": 3600 * 1_000_000,
    "d": 86400 * 1_000_000,
    "w": 7 * 86400 * 1_000_000,
}
_DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|wk|wks)\s*$")


def parse_duration(value: str | int | timedelta) -> int:
    """Microseconds in ``value``: ``'7d'``, ``'12h'``, ``'30m'``, ``'2w'``, ``'90s'``, a timedelta.

    Raises :class:`RecorridoError` naming the text when it is not a positive duration.
    """
    if isinstance(value, timedelta):
        micros = value // timedelta(microseconds=1)
    else:
        match = _DURATION.match(str(value).lower())
        if not match:
            raise RecorridoError("analytics_bad_duration", value=str(value))
        micros = int(match.group(1)) * MICROS[match.group(2)[0]]
    if micros <= 0:
        raise RecorridoError("analytics_bad_duration", value=str(value))
    return micros
