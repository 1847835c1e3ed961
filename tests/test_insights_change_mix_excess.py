"""Issue 24: how much of a change the customer mix must explain to drop it. A change the mix
predicts goes; one it does not explain stays, even when its excess sits just above the size
rule (``change_segments.explained_by_mix``)."""

from __future__ import annotations

import pandas as pd

from recorrido.insights.change_segments import explained_by_mix

KEY = ("event", "SupportContact", "", "")
SIZE = {"dims": ["channel"], "min_ratio": 1.5, "min_excess": 10, "min_z": 3.0}


def _frames(inside: dict[str, tuple[int, int]], outside: dict[str, tuple[int, int]]):
    """Twenty bins; bin 10 holds ``inside`` {channel: (active, doers)}, each other bin
    ``outside``. Returns the ``active`` and ``done`` tables the change scan builds."""
    active, done = [], []
    for b in range(20):
        per = inside if b == 10 else outside
        n_all = sum(n for n, _ in per.values())
        k_all = sum(k for _, k in per.values())
        active.append({"dim": "", "val": "", "bin": b, "n": n_all})
        done.append(
            {"mkind": "event", "metric": KEY[1], "dim": "", "val": "", "bin": b, "k": k_all}
        )
        for channel, (n, k) in per.items():
            active.append({"dim": "channel", "val": channel, "bin": b, "n": n})
            done.append(
                {
                    "mkind": "event",
                    "metric": KEY[1],
                    "dim": "channel",
                    "val": channel,
                    "bin": b,
                    "k": k,
                }
            )
    return pd.DataFrame(active), pd.DataFrame(done)


def test_a_small_shift_of_the_mix_does_not_explain_a_spike():
    # 2 of 80 contact support in a usual week (web 1 of 60, app 1 of 20); in one week 12 of 75,
    # with a few more app customers. The mix lifts the expectation from 1.9 to 2.3 customers:
    # 9.7 beyond it instead of 10.1, which is still a spike the mix does not explain.
    active, done = _frames({"web": (45, 6), "app": (30, 6)}, {"web": (60, 1), "app": (20, 1)})
    assert not explained_by_mix(KEY, 10, 10, active, done, **SIZE)


def test_a_change_the_mix_predicts_is_explained():
    # App customers contact support far more often; in the week nearly everyone is on the app.
    active, done = _frames({"web": (5, 0), "app": (70, 12)}, {"web": (60, 1), "app": (20, 3)})
    assert explained_by_mix(KEY, 10, 10, active, done, **SIZE)
