"""Read-only SQL over the workspace, the way datasette lets people poke at their data."""

from __future__ import annotations

import sqlglot
import sqlglot.expressions as exp
from sqlglot.errors import ParseError

from recorrido.errors import RecorridoError

_READ_ONLY = (exp.Query, exp.Describe, exp.Show)


def check_read_only(sql: str, dialect: str = "duckdb") -> exp.Expression:
    """The parsed statement, or a clear refusal when it is not a single read-only statement."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as exc:
        raise RecorridoError("query_failed", detail=str(exc).splitlines()[0]) from exc
    if len(statements) != 1:
        raise RecorridoError("query_write_refused", statement=_first_words(sql))
    statement = statements[0]
    writes = (exp.DML, exp.DDL, exp.Copy, exp.Attach, exp.Detach, exp.Command, exp.Set)
    if not isinstance(statement, _READ_ONLY) or any(statement.find_all(*writes)):
        raise RecorridoError("query_write_refused", statement=_first_words(sql))
    return statement


def _first_words(sql: str) -> str:
    words = sql.strip().split()
    return " ".join(words[:4]) + (" …" if len(words) > 4 else "")
