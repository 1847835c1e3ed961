"""What Ibis 12 writes for PostgreSQL that the server refuses, put right once for the process.

The analytics count with ``flag.cast("int64")``: DuckDB and Spark cast a boolean to BIGINT,
PostgreSQL only to INTEGER (``CAST(true AS BIGINT)`` fails with "cannot cast type boolean to
bigint"). Rewriting every count would change the SQL the other engines run, so instead the
PostgreSQL compiler goes through INTEGER for exactly that cast; every other cast is untouched.
"""

from __future__ import annotations

import ibis.expr.datatypes as dt
from ibis.backends.sql.compilers.postgres import PostgresCompiler

_original_cast = PostgresCompiler.visit_Cast


def _cast_via_integer(self, op, *, arg, to):
    if op.arg.dtype.is_boolean() and to.is_integer() and not to.is_int32():
        arg = self.cast(arg, dt.int32)
    return _original_cast(self, op, arg=arg, to=to)


def install() -> None:
    """Make the PostgreSQL compiler cast booleans to integers (idempotent)."""
    if PostgresCompiler.visit_Cast is not _cast_via_integer:
        PostgresCompiler.visit_Cast = _cast_via_integer
        PostgresCompiler.visit_TryCast = _cast_via_integer
