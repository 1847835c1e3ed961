"""A team's workspace: a folder with the settings and, by default, an embedded DuckDB database.

Any Ibis connection can stand in for the DuckDB file (a PySpark session, a Postgres URL); every
query then goes through that connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import pyarrow as pa

from recorrido.errors import RecorridoError
from recorrido.events import schema
from recorrido.events.mapping import ColumnMapping, load_mapping_file, parse_column_options
from recorrido.events.query import check_read_only
from recorrido.events.store import create_tables, events_expression
from recorrido.settings import SETTINGS_FILE, Settings, check_timezone

if TYPE_CHECKING:
    from recorrido.events.ingest import IngestReport


class Workspace:
    """Open with :meth:`open` or create with :meth:`init`; use as a context manager to close."""

    def __init__(self, folder: Path | None, settings: Settings, con: ibis.BaseBackend) -> None:
        self.folder = folder
        self.settings = settings
        self.con = con

    # -- making and opening ------------------------------------------------------------------
    @classmethod
    def init(cls, folder: str | Path, *, timezone: str = "UTC", language: str = "es") -> Workspace:
        """Create ``folder`` with a settings file and an empty DuckDB database."""
        folder = Path(folder)
        if (folder / SETTINGS_FILE).exists():
            raise RecorridoError("workspace_exists", path=str(folder))
        settings = Settings(timezone=timezone, language=language)
        folder.mkdir(parents=True, exist_ok=True)
        settings.save(folder)
        workspace = cls.open(folder)
        return workspace

    @classmethod
    def open(
        cls,
        folder: str | Path | None = None,
        *,
        connection: ibis.BaseBackend | str | None = None,
        read_only: bool = False,
    ) -> Workspace:
        """Open a workspace folder, or a bare connection (an Ibis backend or URL) as one."""
        path = Path(folder) if folder is not None else None
        if path is not None and not (path / SETTINGS_FILE).exists():
            raise RecorridoError("workspace_missing", path=str(path))
        settings = Settings.load(path) if path is not None else Settings()
        connection = connection or settings.connection
        if isinstance(connection, str):
            con = ibis.connect(connection)
        elif connection is not None:
            con = connection
        else:
            assert path is not None
            database = path / settings.database
            try:
                con = ibis.duckdb.connect(database, read_only=read_only)
            except duckdb.IOException as exc:
                raise RecorridoError(
                    "workspace_busy", path=str(database), detail=str(exc).splitlines()[0]
                ) from exc
        if settings.memory_limit and con.name == "duckdb":
            con.raw_sql(f"SET memory_limit = '{settings.memory_limit}'")  # checked by Settings
        if not read_only:
            create_tables(con)
        return cls(path, settings, con)

    def close(self) -> None:
        disconnect = getattr(self.con, "disconnect", None)
        if disconnect is not None and self.con.name == "duckdb":
            disconnect()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- looking inside ----------------------------------------------------------------------
    @property
    def events(self) -> ibis.Table:
        """The canonical events, each with its unified ``customer_id``."""
        return events_expression(self.con)

    @property
    def customers(self) -> ibis.Table:
        """One row per unified customer (first/last seen, channels, event count, traits)."""
        return self.con.table(schema.CUSTOMERS)

    @property
    def quarantine(self) -> ibis.Table:
        """Rows ingest refused: file, row, column, reason code, detail, original record."""
        return self.con.table(schema.QUARANTINE)

    @property
    def ingest_log(self) -> ibis.Table:
        return self.con.table(schema.INGEST_LOG)

    def query(self, sql: str) -> pa.Table:
        """Run one read-only SQL statement over the workspace's tables; writes are refused."""
        statement = check_read_only(sql, dialect=_dialect(self.con))
        from recorrido.errors import RecorridoError as _Error

        try:
            if self.con.name == "duckdb":
                return self.con.con.sql(statement.sql(dialect="duckdb")).to_arrow_table()
            return self.con.sql(sql).to_pyarrow()
        except Exception as exc:  # the engine's message, shown to the person who wrote the SQL
            raise _Error("query_failed", detail=str(exc).strip().splitlines()[0]) from exc

    # -- getting data in ---------------------------------------------------------------------
    def measure(self, journey_map, **options):
        """The journey map measured on this workspace's events: see
        :func:`recorrido.measured.measure` for the options and the definitions."""
        from recorrido.measured import measure

        return measure(self, journey_map, **options)

    def ingest(
        self,
        files: str | Path | Iterable[str | Path],
        *,
        mapping: ColumnMapping | str | Path | None = None,
        columns: dict[str, str] | Iterable[str] | None = None,
        format: str | None = None,
        delimiter: str | None = None,
        encoding: str | None = None,
        timezone: str | None = None,
    ) -> IngestReport:
        """Ingest files into the event table; see :mod:`recorrido.events.ingest`."""
        # Imported here: commands that only read (measure, report, query) start faster.
        from recorrido.events.ingest import IngestOptions, run_ingest

        if isinstance(files, str | Path):
            files = [files]
        paths = [Path(f) for f in files]
        if isinstance(mapping, str | Path):
            mapping = load_mapping_file(mapping)
        mapping = mapping or ColumnMapping()
        if columns:
            if not isinstance(columns, dict):
                columns = parse_column_options(columns)
            mapping = mapping.merged(ColumnMapping(columns=columns))
        zone = check_timezone(timezone or mapping.timezone or self.settings.timezone)
        options = IngestOptions(
            mapping=mapping, format=format, delimiter=delimiter, encoding=encoding, timezone=zone
        )
        staging = self.con if self.con.name == "duckdb" else ibis.duckdb.connect()
        return run_ingest(self.con, staging, paths, options)


def _dialect(con: ibis.BaseBackend) -> str:
    return {"pyspark": "spark"}.get(con.name, con.name)
