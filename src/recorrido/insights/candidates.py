"""What a friction detector hands to the ranking: the customers each possible finding concerns.

A detector looks at one kind of friction and returns :class:`Candidates`: for every place it
could report (a ``cid`` such as ``loop|product|cart``) the **affected** customers and the
**comparable** pool they are judged against (the pool includes the affected). Both are Ibis
tables ``(cid, customer_id, us)``, ``us`` being when the customer met that place. The ranking
(:mod:`recorrido.insights.findings`) then measures, tests, dates and describes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import ibis
import pandas as pd

SCHEMA = {"cid": "string", "customer_id": "string", "us": "int64"}


def rows(table: ibis.Table, cid: ibis.Value, us: ibis.Value) -> ibis.Table:
    """``table`` as ``(cid, customer_id, us)`` rows, one per cid and customer (earliest us)."""
    t = table.select(cid=cid.cast("string"), customer_id=table.customer_id.cast("string"), us=us)
    return t.group_by(["cid", "customer_id"]).aggregate(us=t.us.min().cast("int64"))


def union(tables: list[ibis.Table]) -> ibis.Table | None:
    tables = [t.select(*SCHEMA) for t in tables if t is not None]
    if not tables:
        return None
    return ibis.union(*tables) if len(tables) > 1 else tables[0]


@dataclass
class Candidates:
    """The possible findings of one kind.

    ``stats`` (optional, small) gives per cid the counts the test compares: ``n_aff``/``k_aff``
    and ``n_cmp``/``k_cmp`` (customers / successes among the affected and the comparable), and
    optionally ``customers`` (the count to report). Without it, success is reaching the goal,
    counted from ``affected`` and ``pool``. ``describe(cid)`` gives a cid's ``where`` (ids of
    stages and touchpoints) and its message parameters; ``periods`` holds a cid's known (first
    day, last day); ``harm_only`` keeps only findings whose effect is negative; ``tests`` counts
    tests already made to choose the candidates (for the multiple-testing correction).
    ``after_goal(cid)`` says whether the place lies after the goal: there success is a later
    outcome (coming back), not reaching the goal (:mod:`recorrido.insights.later_outcome`).
    """

    kind: str
    affected: ibis.Table | None
    pool: ibis.Table | None
    describe: Callable[[str], tuple[dict, dict]] = lambda cid: ({}, {})
    stats: pd.DataFrame | None = None
    periods: dict[str, tuple[int, int]] = field(default_factory=dict)
    harm_only: bool = True
    tests: int = 0
    after_goal: Callable[[str], bool] = lambda cid: False
    #: Its rows are already computed and kept (:func:`kept_rows`): not copied again.
    kept: bool = False


def kept_rows(cands: Candidates, scratch) -> Candidates:
    """``cands`` with its affected and pool rows computed once and kept in ``scratch`` when the
    ranking reads them whole (no ``stats``): it counts them, then dates, locates and samples
    the kept findings from them, and each read would otherwise run the detector's windows
    again. Both are copied by one query (one table, ``affected`` telling them apart): what
    they share (a detector's ordered runs, say) is then worked out once, not once for each.
    Candidates with ``stats`` are read only for their few kept findings: left as they are (a
    copy of every row would cost more than the filtered reads)."""
    if scratch is None or cands.stats is not None or cands.kept:
        return cands
    if cands.affected is None or cands.pool is None:
        return cands
    both = ibis.union(
        cands.affected.select(*SCHEMA, affected=ibis.literal(True)),
        cands.pool.select(*SCHEMA, affected=ibis.literal(False)),
    )
    both = scratch.keep(both)
    affected = both.filter(both.affected).select(*SCHEMA)
    pool = both.filter(~both.affected).select(*SCHEMA)
    return replace(cands, affected=affected, pool=pool, kept=True)
