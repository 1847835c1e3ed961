"""Read an aggregated path file (``path, conversions, value, nulls``); refuse it when wrong.

The file is what marketing tools export and ChannelAttribution reads: one row per distinct path.
It is read as text (nothing guessed) and checked before any model runs. A problem is reported
with the file, the row (the line number, counting the header as line 1) and the column:
a missing column, a count that is not a non-negative number, an empty path or an empty touch,
and a separator that the paths do not use (when they use another one, it is named).

The field delimiter (``,`` ``;`` tab ``|``) is taken from the header line unless given.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

from recorrido.analytics.attribution.journeys import DEFAULT_SEPARATOR, PathTable, split_path
from recorrido.errors import RecorridoError, did_you_mean

DELIMITERS = (",", ";", "\t", "|")
# Separators people use between touches, tried when the given one appears in no path.
LIKELY_SEPARATORS = (" > ", ">", " → ", "→", " | ", "|", " - ", ",", ";")

DEFAULT_COLUMNS = {
    "path": "path",
    "conversions": "total_conversions",
    "value": "total_conversion_value",
    "nulls": "total_null",
}


def _line(index: int) -> int:
    return index + 2  # header is line 1, data rows start at line 2


def _delimiter(file: Path, encoding: str) -> str:
    with file.open(encoding=encoding, newline="") as handle:
        header = handle.readline()
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_paths(
    file: str | Path,
    *,
    path_column: str | None = None,
    conversions: str | None = None,
    value: str | None = None,
    nulls: str | None = None,
    separator: str = DEFAULT_SEPARATOR,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> PathTable:
    """The checked path table of ``file``.

    Column names default to ChannelAttribution's example (``path``, ``total_conversions``,
    ``total_conversion_value``, ``total_null``); value and nulls are optional when not named
    explicitly (no value; every journey converted).
    """
    file = Path(file)
    if not file.is_file():
        raise RecorridoError("attribution_file_missing", file=str(file))
    if not separator:
        raise RecorridoError("attribution_separator_empty")
    try:
        sep = delimiter or _delimiter(file, encoding)
        frame = pd.read_csv(
            file,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            quoting=csv.QUOTE_MINIMAL,
            skipinitialspace=False,
        )
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, csv.Error) as exc:
        raise RecorridoError(
            "attribution_file_unreadable", file=str(file), detail=str(exc).strip()
        ) from None
    except pd.errors.EmptyDataError:
        raise RecorridoError("attribution_file_empty", file=str(file)) from None
    frame.columns = [str(c).strip() for c in frame.columns]

    names = {
        "path": path_column or DEFAULT_COLUMNS["path"],
        "conversions": conversions or DEFAULT_COLUMNS["conversions"],
        "value": value or DEFAULT_COLUMNS["value"],
        "nulls": nulls or DEFAULT_COLUMNS["nulls"],
    }
    optional = {"value": value is None, "nulls": nulls is None}
    options = {
        "path": "--path-column",
        "conversions": "--conversions",
        "value": "--value",
        "nulls": "--nulls",
    }
    present: dict[str, str | None] = {}
    for field, column in names.items():
        if column in frame.columns:
            present[field] = column
        elif optional.get(field):
            present[field] = None
        else:
            raise RecorridoError(
                "attribution_column_missing",
                file=str(file),
                column=column,
                option=options[field],
                columns=", ".join(frame.columns),
                suggestion=did_you_mean(column, frame.columns) or "—",
            )
    if frame.empty:
        raise RecorridoError("attribution_file_empty", file=str(file))

    counts = {
        field: _numbers(file, frame, column, allow_empty=field == "value")
        for field, column in present.items()
        if field != "path" and column is not None
    }
    if "value" in counts:
        empty_value = np.isnan(counts["value"]) & (counts["conversions"] > 0)
        if empty_value.any():
            i = int(np.flatnonzero(empty_value)[0])
            raise RecorridoError(
                "attribution_bad_number",
                file=str(file),
                row=_line(i),
                column=present["value"],
                value="",
            )
        counts["value"] = np.nan_to_num(counts["value"], nan=0.0)

    path_col = present["path"]
    assert path_col is not None
    texts = frame[path_col].tolist()
    _check_separator(file, texts, path_col, separator)
    touches = []
    for i, text in enumerate(texts):
        if not text.strip():
            raise RecorridoError(
                "attribution_empty_path", file=str(file), row=_line(i), column=path_col
            )
        parts = split_path(text, separator)
        if any(not p for p in parts):
            raise RecorridoError(
                "attribution_empty_touch",
                file=str(file),
                row=_line(i),
                column=path_col,
                path=text,
            )
        touches.append(parts)
    return PathTable.build(touches, counts["conversions"], counts.get("value"), counts.get("nulls"))


def _numbers(file: Path, frame: pd.DataFrame, column: str, *, allow_empty: bool) -> np.ndarray:
    raw = frame[column].str.strip()
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(numbers) | (numbers < 0)
    if allow_empty:
        bad &= raw.to_numpy() != ""
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        text = frame[column].iloc[i]
        number = numbers[i]
        key = (
            "attribution_negative_number"
            if math.isfinite(number) and number < 0
            else "attribution_bad_number"
        )
        raise RecorridoError(key, file=str(file), row=_line(i), column=column, value=text)
    return numbers


def _check_separator(file: Path, texts: list[str], column: str, separator: str) -> None:
    """Refuse a separator no path uses while the paths visibly use another one."""
    if any(separator in t for t in texts):
        return
    for candidate in LIKELY_SEPARATORS:
        for i, text in enumerate(texts):
            if candidate in text.strip():
                raise RecorridoError(
                    "attribution_separator_unknown",
                    file=str(file),
                    row=_line(i),
                    column=column,
                    separator=separator,
                    found=candidate,
                )
