"""Samples of customers drawn by a hash of their id, never the smallest ids.

Taking the smallest ids is not a sample: ids are often given in order (the oldest or the known
customers first, the anonymous prospects last), so a "sample" of the first 50,000 can hold only
one kind of customer. Ordering by the MD5 of the id instead spreads the choice over every kind,
is repeatable (the same data gives the same sample) and is the same on every engine: ``md5`` is
a built-in function with the same result (hex digest of the UTF-8 bytes) on DuckDB, Spark,
PostgreSQL and others.
"""

from __future__ import annotations

import ibis


@ibis.udf.scalar.builtin(name="md5")
def _md5(value: str) -> str:
    """The engine's own ``md5`` (hex digest)."""


def sample_key(column: ibis.Value) -> ibis.Value:
    """A repeatable pseudo-random order key for an id column."""
    return _md5(column.cast("string"))


def sample(table: ibis.Table, size: int, column: str = "customer_id") -> ibis.Table:
    """At most ``size`` rows of ``table``, chosen by the hash of ``column``."""
    return table.order_by([sample_key(table[column]), table[column]]).limit(size)
