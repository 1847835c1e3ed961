"""What a reader of one source file hands to staging: the file's records as a table, and what
is needed to point back into the file (:mod:`recorrido.events.sources`,
:mod:`recorrido.events.xes`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis


@dataclass
class RawSource:
    path: Path
    format: str
    table: ibis.Table
    #: CSV lines the reader could not split into the file's columns.
    rejects_table: str | None = None
    #: First line that holds data (2 when the file has a header line).
    first_data_line: int = 2
    #: Whether ``__row`` already counts the rejected lines (no shift needed when reporting).
    rows_are_lines: bool = False
    #: A folder of files made while reading, removed once the source has been staged.
    scratch: Path | None = None
    #: The encoding the file was read in, when it was not UTF-8 or was given.
    encoding: str | None = None
    #: The file's columns as read, before numbering: sampling it reads only the first rows.
    head: ibis.Table | None = None
