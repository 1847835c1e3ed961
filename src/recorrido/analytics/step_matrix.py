"""The step matrix: the share of customers whose k-th step is each value, step by step.

Read from the step table (:mod:`recorrido.analytics.steps`), like the Sankey flows: the
customers at value *e* in column *k* are the customers at the Sankey's node *e* at step *k*.
Each column adds up to every customer in the view: those whose journey already ended show in the
explicit :data:`~recorrido.analytics.steps.END` row (retentioneering's ``ENDED``).
"""

from __future__ import annotations

import pandas as pd

from recorrido.analytics.intervals import wilson_or_none
from recorrido.analytics.paths import anchored_steps
from recorrido.analytics.sequence import stream
from recorrido.analytics.steps import END, steps_of


def step_matrix(
    source,
    level: str = "event",
    *,
    steps: int = 10,
    start_at: str | None = None,
    collapse_repeats: bool = True,
    start=None,
    end=None,
) -> pd.DataFrame:
    """One row per (step, value): ``step`` (1-based), ``item`` (a value, or ``(end)`` for the
    customers whose journey had fewer steps), ``customers``, ``share`` (of all the customers in
    the view) and ``share_ci`` (95 % Wilson interval). With ``start_at`` the view starts at each
    customer's first occurrence of it (customers without it are not in the view). Rows are sorted
    by step, then customers (descending), then value, with ``(end)`` last in its step."""
    s = stream(source, level, start=start, end=end)
    if start_at is not None:
        s.check_names([start_at])
    t = anchored_steps(steps_of(s, collapse_repeats=collapse_repeats), start_at, None, steps)
    cells = (
        t.group_by(["rel_step", "item"])
        .aggregate(customers=t.count())
        .rename(step="rel_step")
        .execute()
    )
    lengths = t.group_by("customer_id").aggregate(length=t.rel_step.max())
    per_length = lengths.group_by("length").aggregate(n=lengths.count()).execute()
    total = int(per_length["n"].sum())
    ended = [
        {"step": k, "item": END, "customers": int(per_length.loc[per_length.length < k, "n"].sum())}
        for k in range(1, steps + 1)
    ]
    frame = pd.concat([cells, pd.DataFrame(ended)], ignore_index=True)
    frame = frame[frame["customers"] > 0].astype({"step": "int64", "customers": "int64"})
    frame["share"] = frame["customers"] / total if total else 0.0
    frame["share_ci"] = [wilson_or_none(k, total) for k in frame["customers"]]
    frame["_is_end"] = frame["item"] == END
    frame = frame.sort_values(
        ["step", "_is_end", "customers", "item"], ascending=[True, True, False, True]
    )
    return frame.drop(columns="_is_end").reset_index(drop=True)


def wide(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix as a grid: one row per value (``(end)`` last), one column per step, shares."""
    grid = matrix.pivot_table(index="item", columns="step", values="share", fill_value=0.0)
    order = sorted(grid.index, key=lambda v: (v == END, -grid.loc[v].sum(), str(v)))
    return grid.loc[order]


__all__ = ["END", "step_matrix", "wide"]
