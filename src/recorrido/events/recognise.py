"""Recognising how a file writes its timestamps and numbers, from a sample of its values, when
the sample leaves no doubt — and what to suggest when it does.

Timestamps are recognised only when the engine cannot read them as they are (ISO 8601 and its
near relatives) and exactly one common layout reads (nearly) all of the sample: ``31/12/2024
23:30`` proves day-first because a day is above 12; ``12/11/2024`` could be either, so nothing is
guessed and the ingest says which two formats to choose from. ``20160913`` (Google Analytics) is
``%Y%m%d``. Values are read with a decimal comma when some look like ``19,99`` or ``1.234,56`` and
none could only be read with a decimal point (``19.99`` alone is a decimal point; ``1.234``
alone is left as it is). See ``docs/ingest-files.md``.
"""

from __future__ import annotations

import re
from datetime import datetime

#: Share of the non-blank sample a layout must read for it to be chosen (dirty rows are refused
#: one by one later, with their reason).
_ENOUGH = 0.9
_TIMES = ("%H:%M:%S", "%H:%M", "")
_DATES_DAY_FIRST = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
_DATES_MONTH_FIRST = ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")
_OTHERS = ("%Y%m%d", "%Y%m%d%H%M%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")
_DECIMAL_COMMA = re.compile(r"^[-+]?(\d+|\d{1,3}(\.\d{3})+),\d+$")
_COMMA_CONVENTION = re.compile(r"^[-+]?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?$")
_EPOCH = re.compile(r"^\d{9,16}(\.\d+)?$")


def _layouts(dates: tuple[str, ...]) -> list[str]:
    return [f"{d} {t}".strip() for d in dates for t in _TIMES]


def _share(values: list[str], layout: str) -> float:
    read = 0
    for value in values:
        try:
            datetime.strptime(value, layout)
        except ValueError:
            continue
        read += 1
    return read / len(values)


def _best(values: list[str], layouts: list[str]) -> tuple[str | None, float]:
    scored = [(_share(values, layout), layout) for layout in layouts]
    share, layout = max(scored, key=lambda item: item[0])
    return (layout, share) if share > 0 else (None, 0.0)


def recognise_time_format(values: list[str]) -> tuple[str | None, str | None]:
    """(the layout to read ``values`` with, or None; an alternative when day and month could be
    swapped, for the advice). ``values`` are texts the engine could not read as timestamps."""
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return None, None
    day_first, day_share = _best(values, _layouts(_DATES_DAY_FIRST))
    month_first, month_share = _best(values, _layouts(_DATES_MONTH_FIRST))
    other, other_share = _best(values, list(_OTHERS))
    if other and other_share >= _ENOUGH and other_share >= max(day_share, month_share):
        return other, None
    if day_first and day_share >= _ENOUGH and day_share > month_share:
        return day_first, None
    if month_first and month_share >= _ENOUGH and month_share > day_share:
        return month_first, None
    if day_first and month_first and day_share >= _ENOUGH and day_share == month_share:
        return None, f"{day_first}|{month_first}"  # ambiguous: both read every value
    return None, None


def suggest_time_format(values: list[str]) -> tuple[str, dict[str, str]]:
    """The advice (message key, parameters) for timestamps the ingest could not read."""
    values = [v.strip() for v in values if v and v.strip()]
    example = values[0] if values else ""
    if values and all(_EPOCH.match(v) for v in values):
        digits = len(example.split(".")[0])
        unit = "s" if digits <= 10 else "ms" if digits <= 13 else "us"
        return "events_advice_timestamp_unit", {"example": example, "unit": unit}
    layout, ambiguous = recognise_time_format(values)
    if layout:
        return "events_advice_timestamp_format", {"example": example, "format": layout}
    if ambiguous:
        first, other = ambiguous.split("|")
        return "events_advice_timestamp_ambiguous", {
            "example": example,
            "format": first,
            "other": other,
        }
    return "events_advice_timestamp_generic", {"example": example}


def uses_decimal_comma(values: list[str]) -> bool:
    """Whether the values are numbers written with a decimal comma, without doubt."""
    values = [v.strip() for v in values if v and v.strip()]
    numeric = [v for v in values if _COMMA_CONVENTION.match(v) or _looks_numeric(v)]
    if not numeric or not any(_DECIMAL_COMMA.match(v) for v in numeric):
        return False
    return all(_COMMA_CONVENTION.match(v) for v in numeric)


def _looks_numeric(value: str) -> bool:
    return bool(re.match(r"^[-+]?[\d.,]+$", value))
