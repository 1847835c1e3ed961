"""A team's workspace: a folder with the settings and, by default, an embedded DuckDB database.

Any Ibis connection can stand in for the DuckDB file (a PySpark session, a Postgres URL); every
query then goes through that connection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import pyarrow as pa

from recorrido.errors import RecorridoError
from recorrido.events import schema
from recorrido.events.mapping import ColumnMapping, load_mapping_file, parse_column_options
from recorrido.events.query import (
    DEFAULT_TIMEOUT_SECONDS,
    check_read_only,
    check_sandbox,
    run_query,
)
from recorrido.events.store import create_tables, events_expression
from recorrido.settings import SETTINGS_FILE, Settings, check_timezone, default_memory_limit

if TYPE_CHECKING:
    from recorrido.events.ingest import IngestReport


class Workspace:
    """Open with :meth:`open` or create with :meth:`init`; use as a context manager to close."""

    def __init__(self, folder: Path | None, settings: Settings, con: ibis.BaseBackend) -> None:
        self.folder = folder
        self.settings = settings
        self.con = con
        self.read_only = False  # set by open(); a read-only DuckDB may be locked down by query()

    # -- making and opening ------------------------------------------------------------------
    @classmethod
    def init(
        cls,
        folder: str | Path,
        *,
        timezone: str = "UTC",
        language: str = "es",
        connection: str | None = None,
        connection_schema: str | None = None,
        events_table: str | None = None,
        events_columns: dict[str, str] | None = None,
    ) -> Workspace:
        """Create ``folder`` with a settings file and an empty DuckDB database, or with its tables
        in ``connection`` (a URL; on PostgreSQL in the schema ``connection_schema``, by default
        one named after the folder, see docs/scale.md). With ``events_table`` the events are
        read in place from that table or Parquet folder, its columns named by ``events_columns``
        (:mod:`recorrido.events.external`)."""
        folder = Path(folder)
        if (folder / SETTINGS_FILE).exists():
            raise RecorridoError("workspace_exists", path=str(folder))
        if connection_schema and not _is_postgres_url(connection):
            raise RecorridoError("scale_schema_needs_postgres")
        if _is_postgres_url(connection) and not connection_schema:
            connection_schema = re.sub(r"\W", "_", folder.resolve().name.lower())[:63]
            connection_schema = re.sub(r"^(?=\d)", "_", connection_schema) or "recorrido"
        settings = Settings(
            timezone=timezone,
            language=language,
            connection=connection,
            connection_schema=connection_schema,
            events_table=events_table,
            events_columns=events_columns or {},
        )
        if folder.exists() and not folder.is_dir():
            raise RecorridoError("hardening_not_a_folder", path=str(folder))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            settings.save(folder)
        except OSError as exc:
            problem = RecorridoError(
                "hardening_cannot_create", path=str(folder), detail=exc.strerror or str(exc)
            )
            raise problem from None
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
            try:
                con = ibis.connect(connection)
            except Exception as exc:  # the driver's own words: a host, a password, a database
                detail = (str(exc).strip() or type(exc).__name__).splitlines()[0]
                raise RecorridoError(
                    "scale_connection_failed", url=_without_password(connection), detail=detail
                ) from None
            if settings.connection_schema and con.name == "postgres":
                _use_schema(con, settings.connection_schema)
        elif connection is not None:
            con = connection
        else:
            assert path is not None
            database = path / settings.database
            try:
                con = ibis.duckdb.connect(database, read_only=read_only)
            except duckdb.IOException as exc:
                # The usual holder is `recorrido serve`: name it and say how to reach it.
                from recorrido.server.runfile import read_run_file

                server = read_run_file(path)
                if server is not None:
                    raise RecorridoError(
                        "server_holds_workspace", pid=server["pid"], address=server["address"]
                    ) from exc
                raise RecorridoError(
                    "workspace_busy", path=str(database), detail=str(exc).splitlines()[0]
                ) from exc
        # The workspace's own DuckDB file gets a stated bound by default (docs/hardening.md).
        memory_limit = settings.memory_limit or (default_memory_limit() if not connection else None)
        if memory_limit and con.name == "duckdb":
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")  # checked by Settings
        if con.name == "postgres":
            from recorrido.events import postgres_dialect

            postgres_dialect.install()  # casts Ibis writes that PostgreSQL refuses
        if not read_only:
            if settings.events_table and schema.RAW_EVENTS not in con.list_tables():
                from recorrido.events.external import map_events_table

                map_events_table(con, settings.events_table, settings.events_columns)
            create_tables(con)
        workspace = cls(path, settings, con)
        workspace.read_only = read_only
        return workspace

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

    def query(self, sql: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> pa.Table:
        """Run one read-only SQL statement over the workspace's tables, within ``timeout`` seconds.

        Only the workspace's tables can be read: no file, extension or other database (see
        :mod:`recorrido.events.query`); a DuckDB workspace opened read-only is locked down for good.
        """
        if self.con.name == "duckdb":
            tables = self.con.list_tables()
            return run_query(self.con, sql, tables=tables, locked=self.read_only, timeout=timeout)
        statement = check_read_only(sql, dialect=_dialect(self.con))
        check_sandbox(statement, self.con.list_tables())
        try:
            return self.con.sql(sql).to_pyarrow()
        except Exception as exc:  # the engine's message, shown to the person who wrote the SQL
            raise RecorridoError("query_failed", detail=str(exc).strip().splitlines()[0]) from exc

    # -- getting data in ---------------------------------------------------------------------
    def measure(self, journey_map, **options):
        """The journey map measured on this workspace's events: see
        :func:`recorrido.measured.measure` for the options and the definitions."""
        from recorrido.measured import measure

        return measure(self, journey_map, **options)

    def funnel(self, steps, *, journey_map=None, **options):
        """Customers through ``steps`` (:func:`recorrido.analytics.funnel`'s options): a result
        that shows as a table in Jupyter, with ``.figure()``, ``.to_pandas()``, ``.to_dict()``
        (the object of ``recorrido funnel --json``)."""
        from recorrido.web.notebook import funnel

        return funnel(self, steps, journey_map=journey_map, **options)

    def paths(self, level: str = "event", *, journey_map=None, **options):
        """What follows what (and, with ``start_at``, the Sankey from it; the top variants): the
        object of ``recorrido paths --json`` as a notebook result (see :meth:`funnel`)."""
        from recorrido.web.notebook import paths

        return paths(self, level, journey_map=journey_map, **options)

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
        if self.settings.events_table:  # a view over someone else's table: not ours to write
            raise RecorridoError("scale_events_read_in_place", table=self.settings.events_table)
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
        from recorrido.events.handoff import postgres_ingest
        from recorrido.privacy.tombstones import workspace_folder

        # On PostgreSQL: one transaction, one writer at a time (readers go on reading).
        with workspace_folder(self.folder), postgres_ingest(self.con):
            return run_ingest(self.con, staging, paths, options)


def _is_postgres_url(url: str | None) -> bool:
    return bool(url) and url.split("://", 1)[0] in ("postgres", "postgresql")


def _without_password(url: str) -> str:
    """``url`` fit to be shown: a password in it is replaced by ``***``."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _use_schema(con: ibis.BaseBackend, name: str) -> None:
    """This workspace's tables live in schema ``name`` (made when missing; checked by Settings):
    several workspaces, a team's and each test's, share one PostgreSQL database."""
    with con.begin() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
        cursor.execute(f'SET search_path TO "{name}"')


def _dialect(con: ibis.BaseBackend) -> str:
    return {"pyspark": "spark"}.get(con.name, con.name)
