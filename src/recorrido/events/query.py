"""Read-only SQL over the workspace, the way datasette lets people poke at their data.

A query sees the workspace's tables and nothing else, within a time limit (docs/hardening.md).
Two independent fences:

1. **The statement** (sqlglot): one read-only statement whose every table is a workspace table,
   a name it defines itself (``WITH``) or a harmless generator (``range``, ``unnest``); table
   functions and scalar functions that reach files, the environment or other SQL (``read_text``,
   ``glob``, ``getenv``, ``query``; PostgreSQL's ``pg_read_file``, ``lo_export``, ``dblink``,
   ``query_to_xml``) are refused before the engine sees them.
2. **The engine** (DuckDB): where the workspace was opened read-only, as ``recorrido query`` does,
   the database itself is locked: no file system access outside the database, no extension
   installed or loaded, and the configuration locked so SQL cannot undo it. A workspace opened for
   writing (the server's) cannot be locked without stopping its own ingest, so there fence 1 holds.
   On PostgreSQL the statement runs in a read-only transaction of its own, which the server
   cancels at the time limit (``recorrido.workspace``).

A timer interrupts the query when it runs past its limit.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable

import sqlglot
import sqlglot.expressions as exp
from sqlglot.errors import ParseError

from recorrido.errors import RecorridoError

_READ_ONLY = (exp.Query, exp.Describe, exp.Show)
#: Table functions that only generate rows; every other one (read_csv, glob, query...) is refused.
_GENERATORS = (exp.GenerateSeries, exp.Unnest, exp.ExplodingGenerateSeries)
#: Scalar or table functions that reach outside the workspace, by name (DuckDB's spelling).
_OUTSIDE = re.compile(
    r"^(read_\w+|glob|getenv|query|query_table|sniff_csv|parquet_\w+|iceberg_\w+|delta_\w+|"
    r"sqlite_\w+|postgres_\w+|mysql_\w+|json_execute_serialized_sql|duckdb_secrets|"
    r"load_extension|install_extension|current_setting|duckdb_settings|"
    # PostgreSQL's: server files and processes, large objects, other databases, settings and
    # functions that run SQL given as text (query_to_xml) past the table check
    r"pg_\w+|lo_\w+|dblink\w*|set_config|\w+_to_xml\w*|xpath\w*)$",
    re.IGNORECASE,
)
#: Settings that keep a read-only DuckDB to its own database (applied in this order, lock last).
SANDBOX_SETTINGS = (
    "enable_external_access = false",
    "autoinstall_known_extensions = false",
    "autoload_known_extensions = false",
    "lock_configuration = true",
)
DEFAULT_TIMEOUT_SECONDS = 60.0


def check_read_only(sql: str, dialect: str = "duckdb") -> exp.Expression:
    """The parsed statement, or a clear refusal when it is not a single read-only statement."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, RecursionError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "nested too deeply"
        raise RecorridoError("query_failed", detail=detail) from exc
    if len(statements) != 1:
        raise RecorridoError("query_write_refused", statement=_first_words(sql))
    statement = statements[0]
    writes = (exp.DML, exp.DDL, exp.Copy, exp.Attach, exp.Detach, exp.Command, exp.Set)
    if not isinstance(statement, _READ_ONLY) or any(statement.find_all(*writes)):
        raise RecorridoError("query_write_refused", statement=_first_words(sql))
    return statement


def check_sandbox(statement: exp.Expression, tables: Iterable[str]) -> None:
    """Refuse a statement that names anything but the workspace's ``tables`` (see module doc)."""
    allowed = {name.lower() for name in tables}
    allowed |= {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    for table in statement.find_all(exp.Table):
        source = table.this
        if isinstance(source, _GENERATORS):
            continue
        if not isinstance(source, exp.Identifier):
            raise RecorridoError(
                "sandbox_table_refused", name=_function_name(source), tables=_list(allowed)
            )
        schema = (table.db or "").lower()
        if schema == "information_schema":
            continue  # the catalog: names and types of the workspace's own tables
        if table.name.lower() not in allowed or schema not in ("", "main"):
            raise RecorridoError("sandbox_table_refused", name=table.sql(), tables=_list(allowed))
    for function in statement.find_all(exp.Func):
        name = _function_name(function)
        if _OUTSIDE.match(name):
            raise RecorridoError("sandbox_function_refused", name=name)


def run_query(
    con: object,
    sql: str,
    *,
    tables: Iterable[str],
    locked: bool,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    read_only_transaction: bool = False,
):
    """The Arrow result of ``sql`` on the DuckDB connection ``con`` (an Ibis backend).

    ``locked`` applies :data:`SANDBOX_SETTINGS` to the database first: only for a connection no one
    will write through again (they last until it closes). ``read_only_transaction`` runs the
    statement in a read-only transaction of its own cursor, rolled back after: on a connection
    that others write through (the server's), the database itself then refuses a write that got
    past the statement check.
    """
    import duckdb

    statement = check_read_only(sql)
    check_sandbox(statement, tables)
    raw = con.con  # type: ignore[attr-defined]
    if locked:
        lock_down(raw)
    cursor = raw.cursor()
    timer = threading.Timer(timeout, cursor.interrupt)
    timer.start()
    try:
        if read_only_transaction:
            cursor.execute("BEGIN TRANSACTION READ ONLY")
        return cursor.sql(statement.sql(dialect="duckdb")).to_arrow_table()
    except duckdb.InterruptException as exc:
        raise RecorridoError("sandbox_timeout", seconds=_seconds(timeout)) from exc
    except duckdb.Error as exc:  # the engine's message, shown to the person who wrote the SQL
        raise RecorridoError("query_failed", detail=str(exc).strip().splitlines()[0]) from exc
    finally:
        timer.cancel()
        if read_only_transaction:
            with contextlib.suppress(duckdb.Error):
                cursor.execute("ROLLBACK")
        cursor.close()


def lock_down(raw: object) -> None:
    """Apply :data:`SANDBOX_SETTINGS` to a DuckDB connection (once; later calls do nothing)."""
    import duckdb

    try:
        for setting in SANDBOX_SETTINGS:
            raw.execute(f"SET {setting}")  # type: ignore[attr-defined]
    except duckdb.InvalidInputException:
        pass  # already locked: the configuration can no longer change, which is the point


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name)
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return node.sql()


def _list(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def _seconds(value: float) -> str:
    return f"{value:g}"


def _first_words(sql: str) -> str:
    words = sql.strip().split()
    return " ".join(words[:4]) + (" …" if len(words) > 4 else "")
