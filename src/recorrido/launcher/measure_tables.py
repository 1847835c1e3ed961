"""The measured map as Rich tables: what ``recorrido measure`` prints, from a
:class:`~recorrido.measured.MeasuredMap` or from the server's answer (its ``to_dict()``).

Here, not in ``cli/measure.py``, so that the launcher prints a forwarded answer without loading
the command line (only Rich and the messages).
"""

from __future__ import annotations

from types import SimpleNamespace

from rich.table import Table

from recorrido.i18n import message


def show_measured(result, lang: str, console) -> None:
    """The measured map as Rich tables: stages (per segment), touchpoints, the map's holes."""
    summary = result.summary
    console.print(
        message(
            "measure_title",
            lang,
            name=result.journey.name,
            customers=_number(summary["customers"], lang),
            events=_number(summary["events"], lang),
        ),
        highlight=False,
    )
    for segment in summary["segments"]:
        title = message("measure_stages", lang)
        if result.options.get("breakdown"):
            title += " — " + message("measure_segment", lang, segment=segment)
        view = Table(title=title)
        for key in ("stage", "phase", "customers", "from_previous", "dropped", "hours_to_next"):
            view.add_column(
                _col(key, lang), justify="left" if key in ("stage", "phase") else "right"
            )
        view.add_column(_col("entry", lang))
        for row in result.stage_rows(segment):
            view.add_row(
                row["name"],
                # a stage's phase is optional in a map: none is no crash, a dash
                message(f"measure_phase_{row['phase']}", lang) if row["phase"] else "—",
                _number(row["customers"], lang),
                _percent(row["conversion_from_previous"], lang),
                _number(row["dropped"], lang),
                _decimal(row["median_hours_to_next"], lang),
                row["top_entry_touchpoint"] or "",
            )
        console.print(view)
    view = Table(title=message("measure_touchpoints", lang))
    for key in ("touchpoint", "stage", "events", "customers", "conv_with", "conv_without"):
        view.add_column(
            _col(key, lang), justify="left" if key in ("touchpoint", "stage") else "right"
        )
    for row in result.to_dict()["touchpoints"]:
        view.add_row(
            row["id"],
            row["stage"],
            _number(row["events"], lang),
            _number(row["customers"], lang),
            _percent(row["conversion_with"], lang),
            _without(row, summary["customers"], lang),
        )
    console.print(view)
    share = _percent(summary["unmapped_share"], lang)
    console.print(message("measure_unmapped", lang, share=share), highlight=False)
    note = too_short_to_stop(summary, result.options.get("inactivity"), lang)
    if note:
        console.print(note, highlight=False)


#: Below this many customers without a touchpoint, their rate is shown with their number: "100 %"
#: read over 2 customers is not the "100 %" of 2,000.
FEW = 30


def _without(row: dict, customers: int, lang: str) -> str:
    rate = _percent(row["conversion_without"], lang)
    without = int(customers) - int(row["customers"])
    return f"{rate} (n={_number(without, lang)})" if 0 < without < FEW else rate


def too_short_to_stop(summary: dict, inactivity: str | None, lang: str) -> str | None:
    """A sentence when the data runs for less than the inactivity that makes a customer count
    as stopped: every "stopped here" is then 0 by construction, not because nobody left."""
    from datetime import datetime

    first, last = summary.get("first_event_at"), summary.get("measured_at")
    if not (summary.get("shorter_than_inactivity") and first and last):
        return None
    runs = datetime.fromisoformat(last) - datetime.fromisoformat(first)
    days = max(1, round(runs.total_seconds() / 86_400))
    return message("measure_too_short_to_stop", lang, days=days, inactivity=inactivity)


class AnsweredMap:
    """A measured map as the server answered it (``MeasuredMap.to_dict()``), with what
    :func:`show_measured` reads of a :class:`MeasuredMap`."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.journey = SimpleNamespace(name=data["map"])
        self.summary = data["summary"]
        self.options = data["options"]

    def stage_rows(self, segment: str | None = None) -> list[dict]:
        for part in self.data.get("breakdown", {}).get("segments", []):
            if part["segment"] == segment:
                return part["stages"]
        return self.data["stages"]

    def to_dict(self) -> dict:
        return self.data


def _col(key: str, lang: str) -> str:
    if key in ("customers", "events"):
        return message(f"col_{key}", lang)
    return message(f"measure_col_{key}", lang)


def _number(value, lang: str) -> str:
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "es" else text


def _decimal(value, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}"
    if lang == "es":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _percent(value, lang: str) -> str:
    if value is None:
        return "—"
    text = _decimal(value * 100, lang)
    return f"{text} %" if lang == "es" else f"{text}%"
