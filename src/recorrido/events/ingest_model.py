"""What an ingest is asked (:class:`IngestOptions`) and what it answers (:class:`IngestReport`,
one :class:`FileReport` per file)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from recorrido.events.mapping import ColumnMapping


@dataclass
class FileReport:
    file: str
    format: str
    rows_read: int = 0
    ingested: int = 0
    duplicates: int = 0
    quarantined: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    #: Rows whose event_id was seen before with different content (counted in ``quarantined``).
    conflicts: int = 0
    #: Rows of people forgotten on request, left out (recorrido.privacy.tombstones); not stored.
    forgotten: int = 0
    #: The encoding the file was read in, when it was not UTF-8 or was given.
    encoding: str | None = None
    #: How timestamps and numbers were read when recognised from the file, not given.
    recognised: dict[str, str] = field(default_factory=dict)
    #: What the advice may suggest (e.g. another column that holds the dates).
    hints: dict[str, str] = field(default_factory=dict)
    #: Source column -> how many of its ids were texts such as ``NA`` or ``null``, read as no id.
    null_like_ids: dict[str, int] = field(default_factory=dict)
    #: Things in the file the reader should know though nothing was refused for them: dicts with
    #: a message ``code`` and its parameters (e.g. ids written in scientific notation).
    warnings: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Refusal:
    """One reason rows were quarantined, with how many and a few of the values refused."""

    reason_code: str
    column: str | None
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    ingest_id: int
    files: list[FileReport]
    customers: int
    seconds: float
    #: Why rows were quarantined, the most common reason first.
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def ingested(self) -> int:
        return sum(f.ingested for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    @property
    def conflicts(self) -> int:
        return sum(f.conflicts for f in self.files)

    def to_dict(self) -> dict:
        return {
            "ingest_id": self.ingest_id,
            "rows_read": self.rows_read,
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "conflicts": self.conflicts,
            "customers": self.customers,
            "seconds": round(self.seconds, 3),
            "files": [asdict(f) for f in self.files],
            "quarantine_reasons": [
                {
                    "reason_code": r.reason_code,
                    "column": r.column,
                    "count": r.count,
                    "example": r.examples[0] if r.examples else None,
                }
                for r in self.refusals
            ],
        }


@dataclass
class IngestOptions:
    mapping: ColumnMapping
    format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    timezone: str = "UTC"
    #: The workspace's key when its ids are pseudonymised (recorrido.privacy.pseudonyms).
    pseudonym_key: str | None = None
