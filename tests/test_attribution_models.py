"""Every attribution model on tiny path tables whose answers are worked out by hand below."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest

from recorrido.analytics.attribution import MODELS, PathTable, attribute, markov, shapley
from recorrido.errors import RecorridoError

# Three journeys: A > B converts (value 10), B alone does not, A alone converts (value 20).
TINY = PathTable.build([("A", "B"), ("B",), ("A",)], [1, 0, 1], [10.0, 0.0, 20.0], [0, 1, 0])


def column(result, model: str) -> dict[str, float]:
    frame = result.table.set_index("channel")
    return frame[model].to_dict()


def test_first_last_linear_by_hand():
    r = attribute(TINY, models=["first_touch", "last_touch", "linear"])
    # first touch: A starts both converted paths.
    assert column(r, "first_touch") == {"A": 2.0, "B": 0.0}
    assert column(r, "first_touch_value") == {"A": 30.0, "B": 0.0}
    # last touch: A > B ends in B (value 10), A ends in A (value 20).
    assert column(r, "last_touch") == {"A": 1.0, "B": 1.0}
    assert column(r, "last_touch_value") == {"A": 20.0, "B": 10.0}
    # linear: A > B gives 1/2 each; A alone gives A 1.
    assert column(r, "linear") == {"A": 1.5, "B": 0.5}
    assert column(r, "linear_value") == {"A": 25.0, "B": 5.0}


def test_time_decay_by_hand():
    # Half-life 1 touch: in A > B, A weighs 2^-1 and B 2^0, so 1/3 and 2/3.
    r = attribute(TINY, models=["time_decay"], half_life=1)
    assert column(r, "time_decay") == pytest.approx({"A": 1 + 1 / 3, "B": 2 / 3})
    assert column(r, "time_decay_value") == pytest.approx({"A": 20 + 10 / 3, "B": 20 / 3})
    # Half-life 2 touches: A weighs 2^-0.5.
    r = attribute(TINY, models=["time_decay"], half_life=2)
    a = 2**-0.5 / (1 + 2**-0.5)
    assert column(r, "time_decay") == pytest.approx({"A": 1 + a, "B": 1 - a})


def test_position_based_by_hand():
    table = PathTable.build([("A", "B", "C", "D"), ("A", "B"), ("C",)], [1, 1, 1], [10, 10, 10])
    r = attribute(table, models=["position_based"])
    # A>B>C>D: 0.4 / 0.1 / 0.1 / 0.4; A>B: 0.5 / 0.5; C: 1.
    assert column(r, "position_based") == pytest.approx({"A": 0.9, "B": 0.6, "C": 1.1, "D": 0.4})
    r = attribute(table, models=["position_based"], position=(0.3, 0.4, 0.3))
    assert column(r, "position_based") == pytest.approx({"A": 0.8, "B": 0.7, "C": 1.2, "D": 0.3})
    with pytest.raises(RecorridoError) as exc:
        attribute(table, models=["position_based"], position=(0.5, 0.5, 0.5))
    assert exc.value.key == "attribution_bad_position"


def test_markov_removal_effects_by_hand():
    # start→A 2/3, start→B 1/3; A→B 1/2, A→conv 1/2; B→conv 1/2, B→null 1/2.
    # P(conv) = 2/3·(1/2 + 1/2·1/2) + 1/3·1/2 = 2/3 (= 2 conversions / 3 journeys).
    # Without A: only start→B→conv survives: 1/3·1/2 = 1/6, RE(A) = 1 − (1/6)/(2/3) = 3/4.
    # Without B: start→A→conv: 2/3·1/2 = 1/3, RE(B) = 1 − (1/3)/(2/3) = 1/2.
    # Conversions: 2 · (3/4) / (5/4) = 1.2 to A, 0.8 to B.
    found = markov(TINY, order=1)
    assert found.conversion_probability == pytest.approx(2 / 3)
    effects = found.removal_effects.set_index("channel")
    assert effects["removal_effect"].to_dict() == pytest.approx({"A": 0.75, "B": 0.5})
    assert found.conversions == pytest.approx({"A": 1.2, "B": 0.8})
    # Value per visit converting: A 20/2 = 10, B 10/2 = 5; E[value] = 2/3·(10 + 1/2·5) + 1/3·5
    # = 10. Without A: 1/3·5 = 5/3 → 5/6; without B: 2/3·10 = 20/3 → 1/3. Value 30 split 5:2.
    assert effects["removal_effect_value"].to_dict() == pytest.approx({"A": 5 / 6, "B": 1 / 3})
    assert found.value == pytest.approx({"A": 150 / 7, "B": 60 / 7})


def test_markov_second_order_by_hand():
    # Paths: A > B > A converts, B > A does not, A converts.
    # Order 2 states: A, (A,B), (B,A), B. Counts: start→A 2, start→B 1; A→(A,B) 1, A→conv 1;
    # (A,B)→(B,A) 1; (B,A)→conv 1; B→(B,A) 1; (B,A)→null 1. So (B,A) converts 1/2.
    # P(conv) = 2/3·(1/2·1·1/2 + 1/2) + 1/3·1/2 = 2/3. Removing B removes (A,B), (B,A), B:
    # 2/3·1/2 = 1/3 → RE(B) = 1/2. Removing A removes all states: RE(A) = 1.
    table = PathTable.build([("A", "B", "A"), ("B", "A"), ("A",)], [1, 0, 1], None, [0, 1, 0])
    found = markov(table, order=2)
    assert found.states == 4
    assert found.conversion_probability == pytest.approx(2 / 3)
    effects = found.removal_effects.set_index("channel")["removal_effect"].to_dict()
    assert effects == pytest.approx({"A": 1.0, "B": 0.5})
    assert found.conversions == pytest.approx({"A": 2 / 1.5, "B": 1 / 1.5})
    with pytest.raises(RecorridoError) as exc:
        markov(table, order=4)
    assert exc.value.key == "attribution_bad_order"


def test_self_loops_do_not_change_first_order_removal_effects():
    looped = PathTable.build([("A", "A", "B"), ("B", "B"), ("A",)], [1, 0, 1], None, [0, 1, 0])
    plain = PathTable.build([("A", "B"), ("B",), ("A",)], [1, 0, 1], None, [0, 1, 0])
    a = markov(looped).removal_effects["removal_effect"].to_numpy()
    b = markov(plain).removal_effects["removal_effect"].to_numpy()
    assert a == pytest.approx(b)


def test_shapley_by_hand():
    # v(S) = conversions of journeys whose channel set ⊆ S: v(A)=1, v(B)=0, v(AB)=2.
    # φ(A) = 1/2·[(v(A) − 0) + (v(AB) − v(B))] = 3/2; φ(B) = 1/2·[0 + (2 − 1)] = 1/2.
    r = attribute(TINY, models=["shapley"])
    assert column(r, "shapley") == pytest.approx({"A": 1.5, "B": 0.5})
    assert column(r, "shapley_value") == pytest.approx({"A": 25.0, "B": 5.0})
    # Rate: v(A) = 1/1, v(B) = 0/1, v(AB) = 2/3; φ(A) = 1/2·(1 + 2/3) = 5/6,
    # φ(B) = 1/2·(0 + 2/3 − 1) = −1/6; scaled by 2 conversions / (2/3) = 3: 2.5 and −0.5.
    found = shapley(TINY, "rate")
    assert found.method == "exact"
    assert found.conversions == pytest.approx({"A": 2.5, "B": -0.5})


def _brute_force(table: PathTable) -> dict[str, float]:
    channels = table.channels
    n = len(channels)
    sets = [(set(p), c) for p, c in zip(table.paths, table.conversions, strict=True)]

    def worth(coalition):
        return sum(c for s, c in sets if s <= coalition)

    phi = {}
    for ch in channels:
        others = [c for c in channels if c != ch]
        total = 0.0
        for k in range(n):
            for combo in itertools.combinations(others, k):
                s = set(combo)
                weight = factorial(k) * factorial(n - k - 1) / factorial(n)
                total += weight * (worth(s | {ch}) - worth(s))
        phi[ch] = total
    return phi


def _random_table(seed: int, channels: int, paths: int) -> PathTable:
    rng = np.random.default_rng(seed)
    names = [f"c{i}" for i in range(channels)]
    touches = [tuple(rng.choice(names, size=rng.integers(1, 6))) for _ in range(paths)]
    conv = rng.integers(0, 5, size=paths)
    return PathTable.build(touches, conv, conv * 3.5, rng.integers(0, 9, size=paths))


def test_shapley_closed_form_equals_coalition_enumeration():
    table = _random_table(1, 6, 60)
    assert shapley(table).conversions == pytest.approx(_brute_force(table))


def test_sampled_shapley_is_within_its_stated_error():
    table = _random_table(2, 7, 80)
    exact = shapley(table, "rate")
    sampled = shapley(table, "rate", exact_max=3, samples=3000, seed=5)
    assert sampled.method == "sampled" and sampled.permutations == 3000
    for channel, value in exact.conversions.items():
        error = sampled.standard_error[channel]
        assert error > 0
        assert abs(sampled.conversions[channel] - value) <= 4 * error


@pytest.mark.parametrize("seed", [3, 4])
def test_every_model_conserves_conversions_and_value(seed):
    table = _random_table(seed, 8, 120)
    for order in (1, 2, 3):
        r = attribute(table, order=order)
        sums = r.table.drop(columns="channel").sum()
        for model in MODELS:
            assert sums[model] == pytest.approx(table.total_conversions)
            assert sums[f"{model}_value"] == pytest.approx(table.total_value)
    r = attribute(table, models=["shapley"], shapley_characteristic="rate")
    assert r.table["shapley"].sum() == pytest.approx(table.total_conversions)


def test_dataframe_entry_and_model_choice():
    frame = pd.DataFrame(
        {"path": ["A > B", "B", "A"], "conv": [1, 0, 1], "val": [10, 0, 20], "null": [0, 1, 0]}
    )
    r = attribute(frame, conversions="conv", value="val", nulls="null", models=["markov,linear"])
    assert r.models == ["markov", "linear"]
    assert column(r, "markov") == pytest.approx({"A": 1.2, "B": 0.8})
    data = r.to_dict()
    assert data["channels"][0]["channel"] == "A"
    assert set(data["channels"][0]) == {
        "channel",
        "markov",
        "markov_value",
        "linear",
        "linear_value",
    }
    with pytest.raises(RecorridoError) as exc:
        attribute(frame, conversions="conv", models=["markof"])
    assert exc.value.key == "attribution_unknown_model"
    assert "markov" in str(exc.value)


def test_figure_has_one_trace_per_model():
    pytest.importorskip("plotly")
    r = attribute(TINY, models=["first_touch", "markov"])
    fig = r.figure(lang="es")
    assert [t.name for t in fig.data] == ["Primer contacto", "Markov (efecto de eliminación)"]
