"""XES event logs (IEEE 1849, ``.xes`` and ``.xes.gz``) as raw records, read as a stream.

How a log becomes events: each trace is one customer (the trace's ``concept:name``); each event's
``concept:name`` is the event name and its ``time:timestamp`` the timestamp; ``identity:id``, when
an event has one, is its ``event_id``. Every other attribute is kept as a property: the trace's
prefixed ``case:`` (as pm4py names them, e.g. ``case:AMOUNT_REQ``), the event's under its own key
(``org:resource``, ``lifecycle:transition``). Typed attributes keep their type (int and float as
numbers, boolean as true/false); nested attributes (lists, containers) are not read.

The parser is defusedxml's: a log cannot expand entities or fetch anything. Elements are cleared
once read, so memory stays flat whatever the size of the log.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree.ElementTree import ParseError

import ibis
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from recorrido.errors import RecorridoError
from recorrido.events.raw_source import RawSource
from recorrido.events.text_encoding import open_bytes

CASE = "case:concept:name"
NAME = "concept:name"
TIME = "time:timestamp"
IDENTITY = "identity:id"
#: The columns of the table a log is read into (``__properties`` holds every other attribute).
COLUMNS = {
    "__row": "BIGINT",
    CASE: "VARCHAR",
    NAME: "VARCHAR",
    TIME: "VARCHAR",
    IDENTITY: "VARCHAR",
    "__properties": "JSON",
}
#: Which XES key gives each canonical field, for quarantine messages and the report.
XES_FIELD_COLUMNS = {
    "customer_id": CASE,
    "event": NAME,
    "timestamp": TIME,
    "event_id": IDENTITY,
}
_ATTRIBUTES = {"string", "date", "int", "float", "boolean", "id"}


def read_xes(staging: ibis.BaseBackend, path: Path, name: str, scratch: Path):
    """The log's events as a table of :data:`COLUMNS`, numbered by their place in the log."""
    records = scratch / "events.jsonl"
    try:
        with open_bytes(path) as source, records.open("w", encoding="utf-8") as out:
            for number, event in enumerate(_events(source), start=1):
                out.write(json.dumps({"__row": number, **event}, ensure_ascii=False) + "\n")
    except ParseError as exc:
        raise RecorridoError("events_xes_invalid", file=str(path), detail=str(exc)) from exc
    except DefusedXmlException as exc:
        detail = "entities and DTDs are not allowed"
        raise RecorridoError("events_xes_invalid", file=str(path), detail=detail) from exc
    if not records.stat().st_size:
        raise RecorridoError("events_xes_invalid", file=str(path), detail="no events")
    table = staging.read_json(records, table_name=name, format="newline_delimited", columns=COLUMNS)
    return RawSource(path, "xes", table, first_data_line=1)


def _events(source):
    """Each event of the log as {CASE, NAME, TIME, IDENTITY, "__properties"}."""
    trace: dict[str, object] = {}
    event: dict[str, object] | None = None
    depth_in_attribute = 0
    for kind, element in iterparse(source, events=("start", "end")):
        tag = _local(element.tag)
        if kind == "start":
            if tag in _ATTRIBUTES or tag in ("list", "container"):
                depth_in_attribute += 1
            elif tag == "trace":
                trace = {}
            elif tag == "event":
                event = {}
            continue
        if tag in _ATTRIBUTES or tag in ("list", "container"):
            depth_in_attribute -= 1
            if depth_in_attribute == 0 and tag in _ATTRIBUTES:  # a direct attribute
                key, value = element.get("key"), _typed(tag, element.get("value"))
                if key is not None:
                    if event is not None:
                        event[key] = value
                    else:
                        trace[key] = value
        elif tag == "event" and event is not None:
            yield _record(trace, event)
            event = None
            element.clear()
        elif tag == "trace":
            trace = {}
            element.clear()


def _record(trace: dict[str, object], event: dict[str, object]) -> dict[str, object]:
    properties = {f"case:{k}": v for k, v in trace.items() if k != NAME}
    properties.update({k: v for k, v in event.items() if k not in (NAME, TIME, IDENTITY)})
    return {
        CASE: _text(trace.get(NAME)),
        NAME: _text(event.get(NAME)),
        TIME: _text(event.get(TIME)),
        IDENTITY: _text(event.get(IDENTITY)),
        "__properties": properties,
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _typed(kind: str, value: str | None) -> object:
    if value is None:
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            number = float(value)
            return number if number == number and abs(number) != float("inf") else value
    except ValueError:
        return value
    if kind == "boolean":
        return value.strip().lower() == "true"
    return value


def _local(tag: str) -> str:
    """The tag without its XML namespace (``{http://www.xes-standard.org/}event`` → ``event``)."""
    return tag.rsplit("}", 1)[-1]
