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


@dataclass
class IngestReport:
    ingest_id: int
    files: list[FileReport]
    customers: int
    seconds: float

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

    def to_dict(self) -> dict:
        return {
            "ingest_id": self.ingest_id,
            "rows_read": self.rows_read,
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "customers": self.customers,
            "seconds": round(self.seconds, 3),
            "files": [asdict(f) for f in self.files],
        }


@dataclass
class IngestOptions:
    mapping: ColumnMapping
    format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    timezone: str = "UTC"
