"""Exact quantiles per group that DuckDB and Spark compute identically.

The engines' percentile functions differ (interpolated, approximate), so the quantile is taken
from ranked rows instead: the **nearest-rank** value, the smallest value with at least ``q`` of
the group at or below it (rank ``ceil(q·n)``).
"""

from __future__ import annotations

from fractions import Fraction

import ibis


def nearest_rank_by(
    table: ibis.Table, by: list[str], value: str, q: Fraction, name: str
) -> ibis.Table:
    """Per group ``by``, the nearest-rank ``q`` quantile of integer ``value`` (as ``name``)."""
    t = table.filter(table[value].notnull())
    groups = [t[b] for b in by]
    t = t.mutate(
        _rank=ibis.row_number().over(ibis.window(group_by=groups, order_by=t[value])) + 1,
        _n=t[value].count().over(ibis.window(group_by=groups)),
    )
    # ceil(q·n) in integers: (num·n + den − 1) // den
    wanted = (t._n * q.numerator + (q.denominator - 1)) // q.denominator
    picked = t.filter(t._rank == wanted)
    return picked.group_by(by).aggregate(**{name: picked[value].max()})
