"""Which expression of a raw source gives each canonical field (before validation)."""

from __future__ import annotations

import re

import ibis

from recorrido.errors import RecorridoError, did_you_mean
from recorrido.events.mapping import ColumnMapping
from recorrido.events.raw_source import RawSource
from recorrido.events.segment import SEGMENT_FIELD_COLUMNS, prepare_segment

_INTERNAL = ("__row",)


def source_fields(source: RawSource, mapping: ColumnMapping) -> tuple[dict, dict[str, str]]:
    """(field -> raw expression, plus ``__properties`` and ``__record``; field -> source column)."""
    table = source.table
    columns = [c for c in table.columns if c not in _INTERNAL]
    record = _as_json(table, columns)
    if source.format == "segment":
        fields = prepare_segment(table)
        fields["__record"] = record
        return fields, dict(SEGMENT_FIELD_COLUMNS)
    if source.format == "xes":
        from recorrido.events.xes import XES_FIELD_COLUMNS

        fields = {field: table[column] for field, column in XES_FIELD_COLUMNS.items()}
        fields["__properties"] = table["__properties"]
        fields["__record"] = record
        return fields, dict(XES_FIELD_COLUMNS)

    resolved = mapping.resolve(columns)
    shown = ", ".join(columns)
    for field, column in resolved.items():
        if column not in columns:
            hint = did_you_mean(column, columns)
            raise RecorridoError(
                "column_missing",
                file=str(source.path),
                column=column,
                field=field,
                columns=shown,
                hint=f" → {hint}?" if hint else "",
            )
    _check_required(source, mapping, resolved, shown)

    fields: dict[str, ibis.Value] = {field: table[col] for field, col in resolved.items()}
    used = set(resolved.values())
    # Every column that is not a canonical field is kept, so it can serve as a breakdown later.
    fields["__properties"] = _as_json(table, [c for c in columns if c not in used])
    fields["__record"] = record
    return fields, resolved


_ALIGNED = re.compile(r"\S {2,}\S|\S\s+\S.*\s{2,}")


def _check_required(
    source: RawSource, mapping: ColumnMapping, resolved: dict[str, str], shown: str
) -> None:
    """Every required field no column gives, named in one error: a file with none of them
    should not take one run per field to find out."""
    missing = [f for f in ("timestamp", "event") if f not in resolved and f not in mapping.defaults]
    no_id = "customer_id" not in resolved and "anonymous_id" not in resolved
    read = [c for c in source.table.columns if not c.startswith("__")]
    if (missing or no_id) and len(read) == 1 and _ALIGNED.search(read[0].strip()):
        # One column whose name holds runs of spaces: the file lines its columns up with spaces
        # (CDNOW's "customer_id  date number_of_cds  dollar_value"), no delimiter was found.
        raise RecorridoError("events_aligned_columns", file=str(source.path), header=read[0])
    if len(missing) + no_id > 1:
        raise RecorridoError(
            "events_fields_unmapped",
            file=str(source.path),
            fields=", ".join([*missing, *(["customer_id/anonymous_id"] if no_id else [])]),
            first=missing[0],
            columns=shown,
        )
    if missing:
        raise RecorridoError(
            "field_unmapped", file=str(source.path), field=missing[0], columns=shown
        )
    if no_id:
        raise RecorridoError("id_unmapped", file=str(source.path), columns=shown)


def _as_json(table: ibis.Table, columns: list[str]) -> ibis.Value:
    if not columns:
        return ibis.literal("{}").cast("json")
    return ibis.struct({c: table[c] for c in columns}).cast("json")
