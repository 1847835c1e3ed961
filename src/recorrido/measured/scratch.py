"""Intermediate results for one computation: a table that several queries read is computed once.

On DuckDB and PostgreSQL it becomes a temporary table (PostgreSQL's measured map read the events
view, identity join included, in each of its 19 queries before); on PySpark a cached DataFrame
(computed by the first query that reads it). Everything is dropped or released when the
computation ends, so a long-lived connection, such as a workspace's in the web app, keeps no
leftovers. Other engines get the expressions unchanged."""

from __future__ import annotations

import contextlib
import uuid

import ibis

from recorrido.analytics.sequence import engine_of


class Scratch:
    """``with Scratch() as scratch: t = scratch.keep(expr)``; the tables go at the end."""

    def __init__(self) -> None:
        self._made: list[tuple[object, str]] = []
        self._cached: list[ibis.Table] = []

    def keep(self, table: ibis.Table, columns: tuple[str, ...] | None = None) -> ibis.Table:
        """``table`` (only ``columns`` when given), computed once."""
        if columns is not None:
            table = table.select(*columns)
        engine = engine_of(table)
        if engine == "pyspark":
            cached = table.cache()
            self._cached.append(cached)
            return cached
        if engine not in ("duckdb", "postgres"):
            return table
        backend = table._find_backend()
        name = f"_recorrido_tmp_{uuid.uuid4().hex}"
        made = backend.create_table(name, table, temp=True)
        self._made.append((backend, name))
        if engine == "postgres":
            # Autovacuum never analyses a temporary table: without its statistics the planner
            # guesses its size and joins it badly.
            with backend.begin() as cursor:
                cursor.execute(f'ANALYZE "{name}"')
        return made

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc) -> None:
        for backend, name in reversed(self._made):
            with contextlib.suppress(Exception):
                backend.drop_table(name, force=True)
        self._made.clear()
        for table in reversed(self._cached):
            with contextlib.suppress(Exception):
                table.release()
        self._cached.clear()
