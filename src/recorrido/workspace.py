"""A team's workspace: a folder with the settings and, by default, an embedded DuckDB database.

Any Ibis connection can stand in for the DuckDB file (a PySpark session, a Postgres URL); every
query then goes through that connection.
"""

from __future__ import annotations

import contextlib
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
        self.owns_connection = False  # set by open() when it made the connection from a URL
        self.memory_limit: str | None = None  # the DuckDB memory_limit open() set, if any

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
        pseudonymise: bool = False,
    ) -> Workspace:
        """Create ``folder`` with a settings file and an empty DuckDB database, or with its tables
        in ``connection`` (a URL; on PostgreSQL in the schema ``connection_schema``, by default
        one named after the folder, see docs/scale.md). With ``events_table`` the events are
        read in place from that table or Parquet folder, its columns named by ``events_columns``
        (:mod:`recorrido.events.external`). With ``pseudonymise`` every ingest stores keyed hashes
        in place of ids (:mod:`recorrido.privacy.pseudonyms`)."""
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
            pseudonymise=pseudonymise,
        )
        if pseudonymise and events_table:  # events read in place are someone else's to hash
            raise RecorridoError("pseudonymise_read_in_place", table=events_table)
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
        if pseudonymise:
            from recorrido.privacy.pseudonyms import mark

            mark(workspace)  # the key is made now, with the workspace
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
        if con.name == "duckdb":
            # DuckDB prints its progress bar on stdout for slow queries, which breaks `--json`.
            con.raw_sql("SET enable_progress_bar_print = false")
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
        workspace.owns_connection = con is not connection
        if memory_limit and con.name == "duckdb":
            workspace.memory_limit = memory_limit
        return workspace

    def close(self) -> None:
        """Let go of the database: the DuckDB file's lock, or the server connection this
        workspace opened (a PostgreSQL session holds a server process until it closes). A
        connection handed to :meth:`open` (a Spark session, say) stays open for its owner."""
        disconnect = getattr(self.con, "disconnect", None)
        if disconnect is not None and (self.con.name == "duckdb" or self.owns_connection):
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
            if self.con.name == "postgres":
                return _postgres_query(self.con, statement, timeout)
            return self.con.sql(sql).to_pyarrow()
        except RecorridoError:
            raise
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
        from recorrido.privacy.pseudonyms import ingest_key

        options = IngestOptions(
            mapping=mapping,
            format=format,
            delimiter=delimiter,
            encoding=encoding,
            timezone=zone,
            pseudonym_key=ingest_key(self),
        )
        staging = self.con if self.con.name == "duckdb" else ibis.duckdb.connect()
        from recorrido.events.handoff import postgres_ingest
        from recorrido.privacy.tombstones import workspace_folder

        # On PostgreSQL: one transaction, one writer at a time (readers go on reading).
        try:
            with workspace_folder(self.folder), postgres_ingest(self.con):
                return run_ingest(self.con, staging, paths, options)
        finally:
            _drop_staged(staging)


def _drop_staged(staging: ibis.BaseBackend) -> None:
    """Drop the ingest's temporary tables and views over the files: they hold every row as read
    (raw ids included, on a pseudonymised workspace) and would pile up in a long-lived connection
    such as the server's, one set per load."""
    objects = staging.con.sql(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary UNION ALL "
        "SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    for name, kind in objects:
        if name.startswith(("__src_", "__stage_")):
            with contextlib.suppress(duckdb.Error):
                staging.con.execute(f'DROP {kind} IF EXISTS temp."{name}"')


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


def _postgres_query(con: ibis.BaseBackend, statement, timeout: float) -> pa.Table:
    """``statement`` in a read-only transaction of its own that the server cancels after
    ``timeout`` seconds: the second fence, since a team's role may well be allowed to write."""
    import pandas as pd
    import psycopg
    from ibis.backends.postgres.converter import PostgresPandasData

    expr = con.sql(statement.sql(dialect="postgres"), dialect="postgres")
    schema = expr.schema()
    compiled = con.compile(expr)
    raw = con.con
    try:
        with raw.cursor() as cursor, raw.transaction():
            cursor.execute("SET TRANSACTION READ ONLY")
            # SET LOCAL: the limit ends with this transaction; the session's later work is unbound.
            cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
            rows = cursor.execute(compiled).fetchall()
    except psycopg.errors.QueryCanceled as exc:
        raise RecorridoError("sandbox_timeout", seconds=f"{timeout:g}") from exc
    frame = pd.DataFrame.from_records(rows, columns=schema.names, coerce_float=True)
    frame = PostgresPandasData.convert_table(frame, schema)
    return pa.Table.from_pandas(frame, schema=schema.to_pyarrow(), preserve_index=False)


def _dialect(con: ibis.BaseBackend) -> str:
    return {"pyspark": "spark"}.get(con.name, con.name)
