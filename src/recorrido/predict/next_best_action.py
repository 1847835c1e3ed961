"""Which action to take for each customer: actions ranked by expected uplift on the goal.

Input: one row per customer who entered an action's automation, with ``action``, ``treated``
(True: got the action; False: kept in the holdout or the other A/B arm), ``converted`` (reached
the goal afterwards, 0/1), ``randomised`` (whether the holdout was assigned at random) and the
customer's feature columns (:mod:`recorrido.predict.features`).

- Per action, the average uplift is ``rate(treated) − rate(holdout)`` with Newcombe's 95 %
  interval (the difference of two Wilson intervals).
- Per customer, the two-model estimate: one classifier on the treated, one on the holdout, and
  uplift(x) = p_treated(x) − p_holdout(x); actions are ranked by it.

**Effect or association.** Only a randomised holdout makes the difference an effect of the action.
Where the groups were not randomised (customers chose, or a rule picked them), the same numbers
are an association: the groups may differ in ways that also drive the goal. Every result says
which (``evidence``: ``effect`` or ``association``), and faces must show it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from recorrido.errors import RecorridoError

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


def action_uplift(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per action: rates of both groups, uplift, Newcombe 95 % interval, evidence; best first."""
    _check(outcomes)
    rows = []
    for action, group in outcomes.groupby("action", sort=True):
        treated = group[group.treated.astype(bool)]
        holdout = group[~group.treated.astype(bool)]
        n1, n2 = len(treated), len(holdout)
        c1, c2 = int(treated.converted.sum()), int(holdout.converted.sum())
        p1 = c1 / n1 if n1 else float("nan")
        p2 = c2 / n2 if n2 else float("nan")
        l1, u1 = wilson(c1, n1)
        l2, u2 = wilson(c2, n2)
        d = p1 - p2
        rows.append(
            {
                "action": action,
                "treated": n1,
                "treated_rate": p1,
                "holdout": n2,
                "holdout_rate": p2,
                "uplift": d,
                "low": d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
                "high": d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
                "evidence": "effect" if bool(group.randomised.all()) else "association",
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values(["uplift", "action"], ascending=[False, True]).reset_index(drop=True)


def rank_actions(
    outcomes: pd.DataFrame, customers: pd.DataFrame, features: list[str]
) -> pd.DataFrame:
    """Per customer of ``customers``, every action with its two-model uplift, best first:
    ``customer_id, action, uplift, rank, evidence``."""
    _check(outcomes)
    evidence = action_uplift(outcomes).set_index("action").evidence
    parts = []
    for action, group in outcomes.groupby("action", sort=True):
        arms = {}
        for treated in (True, False):
            arm = group[group.treated.astype(bool) == treated]
            if arm.converted.nunique() < 2:
                # One outcome only: its rate is the whole estimate for every customer.
                arms[treated] = float(arm.converted.mean()) if len(arm) else float("nan")
                continue
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            arms[treated] = model.fit(arm[features], arm.converted)
        uplift = _probability(arms[True], customers[features]) - _probability(
            arms[False], customers[features]
        )
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": customers.customer_id.to_numpy(),
                    "action": action,
                    "uplift": uplift,
                    "evidence": evidence[action],
                }
            )
        )
    ranked = pd.concat(parts, ignore_index=True).sort_values(
        ["customer_id", "uplift", "action"], ascending=[True, False, True]
    )
    ranked["rank"] = ranked.groupby("customer_id").cumcount() + 1
    return ranked.reset_index(drop=True)


def _probability(model, X: pd.DataFrame) -> np.ndarray:
    if isinstance(model, float):
        return np.full(len(X), model)
    return model.predict_proba(X)[:, 1]


def _check(outcomes: pd.DataFrame) -> None:
    needed = {"action", "treated", "converted", "randomised"}
    missing = sorted(needed - set(outcomes.columns))
    if missing:
        raise RecorridoError("predict_nba_columns", missing=", ".join(missing))
