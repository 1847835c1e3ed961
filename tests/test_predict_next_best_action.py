"""Next best action: uplift per action with Newcombe intervals, two-model ranking, evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recorrido.errors import RecorridoError
from recorrido.predict.next_best_action import action_uplift, rank_actions, wilson


def test_wilson_interval_matches_the_textbook_value():
    # Newcombe (1998), example: 81 of 263 -> 0.2553 to 0.3662.
    low, high = wilson(81, 263)
    assert (low, high) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))


def outcomes(seed: int = 7) -> pd.DataFrame:
    """A designed experiment (random holdouts): the email lifts only engaged customers (+30
    points), the coupon lifts nobody; a third action was targeted by a rule, not at random."""
    rng = np.random.default_rng(seed)
    rows = []
    for action in ("email", "coupon", "call"):
        n = 4000
        engaged = rng.integers(0, 2, n)
        treated = rng.random(n) < 0.5
        base = 0.1 + 0.1 * engaged
        lift = 0.3 * engaged if action == "email" else np.zeros(n)
        converted = (rng.random(n) < base + lift * treated).astype(int)
        rows.append(
            pd.DataFrame(
                {
                    "customer_id": [f"{action}-{i}" for i in range(n)],
                    "action": action,
                    "treated": treated,
                    "converted": converted,
                    "randomised": action != "call",
                    "engaged": engaged,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_uplift_per_action_is_ranked_and_labelled():
    table = action_uplift(outcomes()).set_index("action")
    assert table.index[0] == "email"
    assert table.loc["email", "uplift"] == pytest.approx(0.15, abs=0.03)
    assert table.loc["email", "low"] > 0.1
    assert table.loc["coupon", "low"] < 0 < table.loc["coupon", "high"]
    assert table.loc["email", "evidence"] == "effect"
    assert table.loc["call", "evidence"] == "association"


def test_two_model_ranking_puts_email_first_for_engaged_customers_only():
    customers = pd.DataFrame({"customer_id": ["a", "b"], "engaged": [1, 0]})
    ranked = rank_actions(outcomes(), customers, ["engaged"])
    first = ranked[ranked["rank"] == 1].set_index("customer_id")
    assert first.loc["a", "action"] == "email"
    assert first.loc["a", "uplift"] == pytest.approx(0.3, abs=0.05)
    email_b = ranked[(ranked.customer_id == "b") & (ranked.action == "email")]
    assert abs(float(email_b.uplift.iloc[0])) < 0.05
    assert set(ranked.evidence) == {"effect", "association"}


def test_missing_columns_are_named():
    with pytest.raises(RecorridoError) as caught:
        action_uplift(pd.DataFrame({"action": ["x"], "converted": [1]}))
    assert "randomised" in str(caught.value) and "treated" in str(caught.value)
