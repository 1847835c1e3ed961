"""Time logic shared by the dry run and the engine: local times, quiet hours, stable groups.

Everything is computed on instants in UTC and converted to the customer's zone only to ask
"what time is it there?", so a wait across a daylight-saving change lands on the right local hour.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from recorrido.automations.model import DAYS, QuietHours, WaitUntil, clock_time


@lru_cache(maxsize=4096)
def zone_of(name: str | None, default: str = "UTC") -> ZoneInfo:
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of ``at`` on ``day`` in ``zone``; a time skipped by DST moves one hour on."""
    naive = datetime.combine(day, at)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:  # in the spring-forward gap
        instant = (naive + timedelta(hours=1)).replace(tzinfo=zone).astimezone(UTC)
    return instant


def next_local_time(after: datetime, zone: ZoneInfo, wait: WaitUntil) -> datetime:
    """The first instant strictly after ``after`` at ``wait.time`` local, on an allowed day."""
    at = clock_time(wait.time)
    allowed = {DAYS.index(d) for d in wait.days} or set(range(7))
    day = after.astimezone(zone).date()
    for offset in range(9):
        candidate_day = day + timedelta(days=offset)
        if candidate_day.weekday() not in allowed:
            continue
        instant = _local(candidate_day, at, zone)
        if instant > after:
            return instant
    raise AssertionError("a week always holds an allowed day")


def quiet_until(moment: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime | None:
    """When the quiet hours around ``moment`` end, or None when ``moment`` is not quiet."""
    if quiet is None:
        return None
    start, end = clock_time(quiet.start), clock_time(quiet.end)
    local = moment.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    inside = (start <= now < end) if start < end else (now >= start or now < end)
    if not inside:
        return None
    day = local.date() if (start < end or now < end) else local.date() + timedelta(days=1)
    return _local(day, end, zone)


def bucket(*parts: str) -> float:
    """A stable number in [0, 100) for a customer and a salt: the same on every run and version."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


@lru_cache(maxsize=1 << 20)
def in_holdout(customer_id: str, automation_id: str, percent: float) -> bool:
    return bucket(customer_id, automation_id, "holdout") < percent


def variant_of(customer_id: str, automation_id: str, step_id: str, weights: list[float]) -> int:
    point = bucket(customer_id, automation_id, step_id) / 100 * sum(weights)
    total = 0.0
    for index, weight in enumerate(weights):
        total += weight
        if point < total:
            return index
    return len(weights) - 1
