"""Calendar periods (day, ISO week from Monday, month) as integers computed from epoch
microseconds — the same integer arithmetic on every engine, all in UTC."""

from __future__ import annotations

from datetime import date, timedelta

import ibis

from recorrido.errors import RecorridoError

PERIODS = ("day", "week", "month")
_DAY = 86_400_000_000
_EPOCH = date(1970, 1, 1)


def period_index(us: ibis.Value, period: str) -> ibis.Value:
    """Days, weeks (Monday-based) or months since 1970-01 for an epoch-microsecond value."""
    days = us // _DAY
    if period == "day":
        return days
    if period == "week":
        # 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday.
        return (days + 3) // 7
    if period == "month":
        # Civil-from-days (Howard Hinnant's algorithm): exact, integer-only, engine-neutral.
        z = days + 719468
        era = z // 146097
        doe = z - era * 146097
        yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
        doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
        mp = (5 * doy + 2) // 153
        month = ibis.ifelse(mp < 10, mp + 3, mp - 9)
        year = yoe + era * 400 + ibis.ifelse(month <= 2, 1, 0)
        return year * 12 + month - 1
    raise RecorridoError("analytics_bad_period", period=period, periods=", ".join(PERIODS))


def period_start(index: int, period: str) -> date:
    """The first day of the period numbered ``index`` by :func:`period_index`."""
    if period == "day":
        return _EPOCH + timedelta(days=int(index))
    if period == "week":
        return _EPOCH + timedelta(days=int(index) * 7 - 3)
    if period == "month":
        return date(int(index) // 12, int(index) % 12 + 1, 1)
    raise RecorridoError("analytics_bad_period", period=period, periods=", ".join(PERIODS))
