"""How a source file's columns become the canonical fields.

A mapping comes from three places, later ones winning: well-known column names (``user_id``,
``event_time`` ...), a mapping file (YAML or JSON), and ``--column FIELD=COLUMN`` options.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAMLError

from recorrido.bounded import TooLarge, yaml_safe_load
from recorrido.errors import RecorridoError, did_you_mean
from recorrido.events.schema import CANONICAL_FIELDS

#: Column names that commonly carry a canonical field, in order of preference. Exact canonical
#: names always come first.
WELL_KNOWN: dict[str, tuple[str, ...]] = {
    "event_id": ("event_id", "identity:id", "messageId", "message_id", "id"),
    # ``case:concept:name``, ``time:timestamp`` and ``concept:name`` are the XES keys
    # (events/xes.py), as pm4py names the columns when it writes a log to CSV. They come right
    # after the canonical name: in such a file a ``date`` or ``Activity`` column is an attribute.
    "customer_id": (
        "customer_id",
        "case:concept:name",
        "userId",
        "user_id",
        "customer",
        "client_id",
    ),
    "anonymous_id": ("anonymous_id", "anonymousId", "visitor_id", "device_id", "session_id"),
    "timestamp": ("timestamp", "time:timestamp", "event_time", "time", "ts", "datetime", "date"),
    "event": ("event", "concept:name", "event_type", "event_name", "action", "activity"),
    "channel": ("channel",),
    "source": ("source",),
    "value": ("value", "revenue", "amount", "price"),
}


class ColumnMapping(BaseModel):
    """Options that say how to read one kind of file."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = Field(
        default_factory=dict, description="canonical field -> source column"
    )
    defaults: dict[str, str] = Field(
        default_factory=dict,
        description="constant value for a field no column gives (event, channel, source)",
    )
    explode: str | None = Field(
        default=None, description="a list column whose elements become one row each"
    )
    timestamp_format: str | None = Field(
        default=None, description="strptime format, e.g. '%d/%m/%Y %H:%M'"
    )
    timestamp_unit: Literal["s", "ms", "us"] | None = Field(
        default=None, description="the timestamp column holds epoch numbers in this unit"
    )
    timezone: str | None = Field(
        default=None, description="time zone of timestamps written without an offset"
    )
    decimal_separator: Literal[".", ","] = "."
    well_known_names: bool = Field(
        default=True, description="also look for well-known column names (user_id, ts, ...)"
    )

    @field_validator("columns", "defaults")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        for field in value:
            _check_field(field)
        return value

    @field_validator("defaults")
    @classmethod
    def _constant_fields(cls, value: dict[str, str]) -> dict[str, str]:
        check_defaults(value, "ColumnMapping")
        return value

    def merged(self, other: ColumnMapping) -> ColumnMapping:
        """This mapping with ``other``'s explicit choices on top."""
        data = self.model_dump()
        for key, val in other.model_dump(exclude_unset=True).items():
            if key in ("columns", "defaults"):
                data[key] = {**data[key], **val}
            else:
                data[key] = val
        return ColumnMapping(**data)

    def resolve(self, available: Iterable[str]) -> dict[str, str]:
        """Canonical field -> source column for a file with these columns.

        An explicit mapping to a missing column is an error the caller reports with the file name;
        well-known names are used only when present.
        """
        available = list(available)
        resolved: dict[str, str] = {}
        taken: set[str] = set()
        for field, column in self.columns.items():
            resolved[field] = column
            taken.add(column)
        if self.well_known_names:
            lowered = {c.lower(): c for c in available}
            for field, names in WELL_KNOWN.items():
                if field in resolved or field in self.defaults:
                    continue
                for name in names:
                    column = lowered.get(name.lower())
                    if column is not None and column not in taken:
                        resolved[field] = column
                        taken.add(column)
                        break
        return resolved


def _check_field(field: str) -> None:
    if field not in CANONICAL_FIELDS or field == "properties":
        fields = ", ".join(f for f in CANONICAL_FIELDS if f != "properties")
        hint = did_you_mean(field, CANONICAL_FIELDS)
        raise RecorridoError(
            "mapping_unknown_field",
            field=field,
            fields=fields,
            hint=f" ¿{hint}?" if hint else "",
        )


#: The fields a mapping's ``defaults`` may give one value for every row. A constant id would
#: merge every row into one customer (or, for event_id, keep one row and drop the rest as
#: duplicates), a constant timestamp would invent when things happened, and a constant value
#: would invent money: those must come from a column.
CONSTANT_FIELDS = ("event", "channel", "source")


def check_defaults(defaults: Mapping[str, object], file: str) -> None:
    """Refuse a ``defaults`` entry for a field no constant can honestly give."""
    for field in defaults:
        if field in CANONICAL_FIELDS and field not in CONSTANT_FIELDS and field != "properties":
            raise RecorridoError(
                "events_mapping_default_unsupported",
                file=file,
                field=field,
                fields=", ".join(CONSTANT_FIELDS),
            )


def parse_column_options(options: Iterable[str]) -> dict[str, str]:
    """``["event=Action", "customer_id=Cliente"]`` -> ``{"event": "Action", ...}``."""
    columns: dict[str, str] = {}
    for option in options:
        field, sep, column = option.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise RecorridoError("mapping_bad_option", option=option)
        _check_field(field.strip())
        columns[field.strip()] = column.strip()
    return columns


def load_mapping_file(path: str | Path) -> ColumnMapping:
    """Read a mapping from YAML (or JSON, which YAML reads too)."""
    path = Path(path)
    if not path.exists():
        raise RecorridoError("file_missing", file=str(path))
    try:
        data = yaml_safe_load(path.read_text(encoding="utf-8"))  # bounded: docs/hardening.md
    except (YAMLError, TooLarge) as exc:
        raise RecorridoError("mapping_file_invalid", file=str(path), detail=str(exc)) from exc
    if not isinstance(data, Mapping):
        raise RecorridoError(
            "mapping_file_invalid", file=str(path), detail="expected a mapping at the top level"
        )
    defaults = data.get("defaults")
    if isinstance(defaults, Mapping):  # said here too, where the file can be named
        check_defaults(defaults, str(path))
    try:
        return ColumnMapping(**data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise RecorridoError("mapping_file_invalid", file=str(path), detail=problems) from exc
