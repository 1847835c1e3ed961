"""Turning the report's figures into text: numbers, percentages, dates and durations written the
way each language writes them, and the Jinja2 environment that escapes everything by default.

Spanish writes ``1.234,5`` and ``35 %``; English writes ``1,234.5`` and ``35%``. Nothing here
depends on the machine's locale, so a report looks the same wherever it is made.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from recorrido.i18n import message

_MONTHS = {
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
DASH = "—"
#: Below this every whole float is written exactly by ``repr`` (no exponent, no rounding).
_EXACT_INTEGERS = 2**53


def format_number(value, lang: str, decimals: int | None = None) -> str:
    """``1234.5`` → ``1.234,5`` (es) or ``1,234.5`` (en). Integers keep no decimals; other
    numbers get ``decimals`` (default: 1, trailing zero dropped). ``None``/NaN → ``—``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    number = float(value)
    if decimals in (None, 0) and number.is_integer() and abs(number) < _EXACT_INTEGERS:
        # A whole number below 2**53: the Decimal rounding below gives its digits unchanged,
        # and the retention triangle alone writes tens of thousands of them.
        text = f"{int(number):,}"
        return text.replace(",", ".") if lang == "es" else text
    if decimals is None:
        if float(value).is_integer():
            decimals = 0
        else:
            decimals = 1
            if round(float(value), 1).is_integer():
                decimals = 0
    # Half away from zero, as people round (Python's round() would make 12.5 → 12).
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}"
    if text in ("-0", "-0.0"):
        text = text[1:]
    if lang == "es":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_percent(share, lang: str, decimals: int | None = None) -> str:
    """A share (0..1) as a percentage: ``0.35`` → ``35 %`` (es) / ``35%`` (en); one decimal
    below 10 % unless ``decimals`` says otherwise."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return DASH
    text = _bare_percent(share, lang, decimals)
    return f"{text} %" if lang == "es" else f"{text}%"


def _bare_percent(share: float, lang: str, decimals: int | None) -> str:
    """A share as a percentage number without the sign: one decimal below 10 %; and a share
    just under 100 % is rounded *down* with one decimal (99.87 % → 99.8), because "100 %" says
    everyone and a report must not say so when one customer in a thousand did not."""
    value = float(share) * 100
    if 99 < value < 100 and (decimals is None or round(value, decimals) >= 100):
        decimals = max(1, decimals or 0)
        value = math.floor(value * 10**decimals) / 10**decimals
    if decimals is None:
        decimals = 1 if 0 < abs(value) < 9.95 and not value.is_integer() else 0
    return format_number(value, lang, decimals)


def format_interval(interval, lang: str) -> str:
    """A confidence interval ``[low, high]`` of a share: ``38–46 %`` (es) / ``38–46%`` (en);
    ``—`` without one. The bounds get one more decimal (up to two) while they would read the
    same, so a narrow interval never looks like a single value."""
    if interval is None or len(interval) != 2 or any(v is None for v in interval):
        return DASH
    low, high = (float(v) for v in interval)
    if math.isnan(low) or math.isnan(high):
        return DASH
    left, right = _bare_percent(low, lang, None), _bare_percent(high, lang, None)
    decimals = 0
    while left == right and low != high and decimals < 2:
        decimals += 1
        left, right = _bare_percent(low, lang, decimals), _bare_percent(high, lang, decimals)
    text = f"{left}–{right}"
    return f"{text} %" if lang == "es" else f"{text}%"


def format_rate(share, interval, lang: str) -> str:
    """A share with its 95 % interval: ``42 % (38–46 %)`` (es) / ``42% (38–46%)`` (en); the share
    alone when there is no interval, ``—`` without a share."""
    text = format_percent(share, lang)
    if text == DASH or interval is None:
        return text
    bounds = format_interval(interval, lang)
    return text if bounds == DASH else f"{text} ({bounds})"


def _signed_points(difference: float, lang: str) -> str:
    value = float(difference) * 100
    text = format_number(abs(value), lang, None if abs(value) < 9.95 else 0)
    if text == "0":
        return text
    return ("+" if value > 0 else "−") + text


def _points_unit(text: str, lang: str) -> str:
    return f"{text} p. p." if lang == "es" else f"{text} pp"


def format_points(difference, lang: str) -> str:
    """A difference of two shares in percentage points, signed: ``+8 p. p.`` (es) / ``+8 pp``
    (en); one decimal below 10 points."""
    if difference is None or (isinstance(difference, float) and math.isnan(difference)):
        return DASH
    return _points_unit(_signed_points(difference, lang), lang)


def format_points_interval(interval, lang: str) -> str:
    """A difference's interval in percentage points: ``−12 a −4 p. p.`` / ``−12 to −4 pp``."""
    if interval is None or len(interval) != 2 or any(v is None for v in interval):
        return DASH
    low, high = (_signed_points(v, lang) for v in interval)
    return _points_unit(f"{low} {'a' if lang == 'es' else 'to'} {high}", lang)


def format_date(value, lang: str, with_time: bool = False) -> str:
    """``28 ago 2022`` (es) / ``Aug 28, 2022`` (en); ISO text, dates and datetimes accepted."""
    if value is None:
        return DASH
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    month = _MONTHS[lang if lang in _MONTHS else "en"][value.month - 1]
    text = (
        f"{value.day} {month} {value.year}"
        if lang == "es"
        else (f"{month} {value.day}, {value.year}")
    )
    if with_time and isinstance(value, datetime):
        text += f" {value:%H:%M}"
        if value.utcoffset() is not None and not value.utcoffset():
            text += " UTC"
    return text


def format_hours(hours, lang: str) -> str:
    """A duration in hours, in the unit a person would use: minutes, hours or days."""
    if hours is None or (isinstance(hours, float) and math.isnan(hours)):
        return DASH
    hours = float(hours)
    if hours < 1:
        return f"{format_number(round(hours * 60), lang)} min"  # SI symbols: the same in es/en
    if hours < 48:
        return f"{format_number(hours, lang)} h"
    return message("report_unit_days", lang, n=format_number(hours / 24, lang))


_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def format_duration(text: str, lang: str) -> str:
    """A duration option as words: ``30d`` → ``30 días`` / ``30 days``; other text as given."""
    text = str(text).strip()
    number, unit = text[:-1], text[-1:]
    if unit in _UNITS and number.isdigit():
        return message(f"report_duration_{_UNITS[unit]}", lang, n=format_number(int(number), lang))
    return text


def json_for_script(value) -> Markup:
    """JSON that is safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and the
    line separators are written as ``\\u`` escapes, so no user text can close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return Markup(text)


def static_text(name: str) -> str:
    """A file of ``recorrido/report/static`` (CSS, JS), to be inlined."""
    return (files("recorrido.report") / "static" / name).read_text(encoding="utf-8")


def script_text(source: str) -> Markup:
    """Trusted JavaScript (ours or plotly.js) to inline in a ``<script>`` element."""
    return Markup(source.replace("</script", "<\\/script").replace("<!--", "<\\!--"))


@cache
def environment() -> Environment:
    """The Jinja2 environment: autoescaping on for every template, undefined names are errors."""
    env = Environment(
        loader=PackageLoader("recorrido.report", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "j2", "html.j2"), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson_script"] = json_for_script
    return env


def render(template: str, context: dict) -> str:
    return environment().get_template(template).render(**context)


def to_text(value) -> str:
    """A map value (text or number, e.g. an objective's target) as text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
