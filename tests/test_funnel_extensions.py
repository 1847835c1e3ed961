"""Funnel extensions on hand-made journeys whose answers are worked out in the comments: a window
per step, optional steps, mid-funnel entry, counting attempts, first occurrence only, the
customers at each step and of each drop-off, and what drop-offs did next."""

from __future__ import annotations

import pytest

from recorrido import Workspace
from recorrido import analytics as A
from recorrido.analytics.funnel_people import dropoff_paths, funnel_customers
from recorrido.errors import RecorridoError

CSV = """event_id,customer_id,timestamp,event
w1,slow,2024-01-01T10:00:00Z,view
w2,slow,2024-01-01T10:30:00Z,cart
w3,slow,2024-01-01T12:00:00Z,buy
o1,opt1,2024-01-02T10:00:00Z,view
o2,opt1,2024-01-02T10:01:00Z,coupon
o3,opt1,2024-01-02T10:02:00Z,cart
o4,opt1,2024-01-02T10:03:00Z,buy
p1,opt2,2024-01-02T11:00:00Z,view
p2,opt2,2024-01-02T11:02:00Z,cart
p3,opt2,2024-01-02T11:03:00Z,buy
q1,opt3,2024-01-02T12:00:00Z,view
q2,opt3,2024-01-02T12:02:00Z,cart
q3,opt3,2024-01-02T12:03:00Z,coupon
q4,opt3,2024-01-02T12:04:00Z,buy
m1,mid,2024-01-03T10:00:00Z,cart
m2,mid,2024-01-03T10:05:00Z,buy
a1,again,2024-01-04T10:00:00Z,view
a2,again,2024-01-04T10:01:00Z,cart
a3,again,2024-01-04T11:00:00Z,view
a4,again,2024-01-04T11:01:00Z,cart
a5,again,2024-01-04T11:02:00Z,buy
f1,first,2024-01-05T10:00:00Z,view
f2,first,2024-01-20T10:00:00Z,view
f3,first,2024-01-20T10:01:00Z,cart
f4,first,2024-01-20T10:02:00Z,help
f5,first,2024-01-20T10:03:00Z,help
f6,first,2024-01-20T10:04:00Z,faq
"""


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ext")
    (folder / "journeys.csv").write_text(CSV, encoding="utf-8")
    with Workspace.init(folder / "ws", language="en") as workspace:
        assert workspace.ingest(folder / "journeys.csv").ingested == 27
        yield workspace


def counts(frame) -> list[int]:
    return frame["customers"].tolist()


def test_plain_funnel_counts_each_customer_once(ws):
    # view: slow opt1 opt2 opt3 again first = 6; cart: all six; buy: slow opt1 opt2 opt3 again.
    assert counts(A.funnel(ws, ["view", "cart", "buy"], window="7d")) == [6, 6, 5]


def test_window_per_step(ws):
    # slow: cart 30 min after view (≤ 1h), buy 90 min after cart (> 1h): stops at cart.
    result = A.funnel(ws, ["view", "cart", "buy"], window="7d", step_windows=[None, "1h", "1h"])
    assert counts(result) == [6, 6, 4]
    # The whole-funnel window still applies: 2 h from view cuts nobody here but 'slow' at 2 h.
    tight = A.funnel(ws, ["view", "cart", "buy"], window="119m")
    assert counts(tight) == [6, 6, 4]


def test_optional_step(ws):
    result = A.funnel(ws, ["view", "coupon", "cart", "buy"], window="7d", optional=[2])
    # coupon counts only between view and cart: opt1 yes; opt3's coupon comes after its cart.
    assert counts(result) == [6, 1, 6, 5]
    assert result["optional"].tolist() == [False, True, False, False]
    # Conversion from previous of 'cart' is from the previous *required* step (view).
    assert result["conversion_from_previous"].tolist()[2] == 1.0
    with pytest.raises(RecorridoError):
        A.funnel(ws, ["view", "coupon", "cart"], optional=[3])


def test_mid_funnel_entry(ws):
    plain = A.funnel(ws, ["view", "cart", "buy"], window="7d")
    mid = A.funnel(ws, ["view", "cart", "buy"], window="7d", mid_entry=True)
    # 'mid' never viewed: it joins at cart and converts.
    assert counts(mid) == [6, 7, 6]
    assert mid["entered"].tolist() == [6, 1, 0]
    assert mid["conversion"].tolist()[2] == pytest.approx(6 / 7)
    # From previous: of the 6 at view, 6 went on to cart (the entrant at cart is not counted).
    assert mid["conversion_from_previous"].tolist()[1] == 1.0
    assert counts(plain) == [6, 6, 5]


def test_counting_attempts(ws):
    result = A.funnel(ws, ["view", "cart", "buy"], window="7d", count="attempts")
    # 'again' views twice: the first attempt ends at the second view (it reached cart); the second
    # converts. 'first' views twice: the first attempt ends at the second view. 8 attempts.
    assert counts(result) == [8, 7, 5]


def test_first_occurrence_only(ws):
    every = A.funnel(ws, ["view", "cart"], window="1d")
    first = A.funnel(ws, ["view", "cart"], window="1d", first_only=True)
    # 'first' carts a day-plus after its first view: only its second view converts within 1d.
    assert counts(every) == [6, 6]
    assert counts(first) == [6, 5]


def test_customers_at_a_step_and_drop_offs(ws):
    at_cart = funnel_customers(ws, ["view", "cart", "buy"], step=2, window="7d")
    assert at_cart["customer_id"].tolist() == ["again", "first", "opt1", "opt2", "opt3", "slow"]
    dropped = funnel_customers(ws, ["view", "cart", "buy"], step=2, dropped=True, window="7d")
    assert dropped["customer_id"].tolist() == ["first"]
    assert str(dropped["step_at"][0]) == "2024-01-20 10:01:00+00:00"
    with pytest.raises(RecorridoError):
        funnel_customers(ws, ["view", "cart", "buy"], step=3, dropped=True)


def test_what_drop_offs_did_next(ws):
    nxt = dropoff_paths(ws, ["view", "cart", "buy"], after_step=2, window="7d", depth=3)
    # 'first' after its cart: help, help (one step when collapsed), faq, then the journey ends.
    assert nxt["path"].tolist() == ["help → faq → (end)"]
    assert nxt["customers"].tolist() == [1]
    assert nxt["share"].tolist() == [1.0]


def test_intervals_on_every_rate(ws):
    result = A.funnel(ws, ["view", "cart", "buy"], window="7d")
    from recorrido.analytics.intervals import wilson

    assert result["conversion_ci"].tolist()[2] == list(wilson(5, 6))
    assert result["conversion_from_previous_ci"].tolist()[0] is None
    assert result["conversion_from_previous_ci"].tolist()[2] == list(wilson(5, 6))


# Cuts that fall inside a run of the same step, and events at the very moment of the cut: the
# cases where reading a kept step table (runs of repeats) could differ from cutting the events.
TIES = """event_id,customer_id,timestamp,event
t1,tie,2024-02-01T10:00:00Z,view
t2,tie,2024-02-01T10:01:00Z,cart
t3,tie,2024-02-01T10:01:00Z,help
t4,tie,2024-02-01T10:02:00Z,cart
t5,tie,2024-02-01T10:03:00Z,faq
r1,run,2024-02-02T10:00:00Z,view
r2,run,2024-02-02T10:01:00Z,cart
r3,run,2024-02-02T10:02:00Z,cart
r4,run,2024-02-02T10:03:00Z,cart
r5,run,2024-02-02T10:04:00Z,view
s1,same,2024-02-03T10:00:00Z,view
s2,same,2024-02-03T10:01:00Z,cart
s3,same,2024-02-03T10:01:00Z,cart
n1,idle,2024-02-04T10:00:00Z,view
n2,idle,2024-02-04T10:01:00Z,cart
"""


@pytest.mark.parametrize("after_step", [1, 2])
def test_drop_offs_next_steps_from_a_kept_step_table_are_the_same(tmp_path, after_step):
    from recorrido.analytics.paths import shared_steps
    from recorrido.demo_shop import write

    folder = tmp_path / "ws"
    (tmp_path / "ties.csv").write_text(TIES, encoding="utf-8")
    with Workspace.init(folder, language="en") as workspace:
        workspace.ingest(tmp_path / "ties.csv")
        workspace.ingest(write(tmp_path / "shop.parquet", 1500))
        events = workspace.events
        kept_steps = shared_steps(events, "event")
        for funnel_steps in (["view", "cart", "orders"], ["clicks", "carts", "checkout", "orders"]):
            options = {"window": "7d"}
            plain = dropoff_paths(events, funnel_steps, after_step=after_step, **options)
            people = funnel_customers(
                events, funnel_steps, step=after_step, dropped=True, **options
            )
            kept = dropoff_paths(
                events,
                funnel_steps,
                after_step=after_step,
                dropped=people,
                steps_table=kept_steps,
                **options,
            )
            assert kept.to_dict("records") == plain.to_dict("records"), funnel_steps
            assert plain["customers"].sum() == len(people)
        if after_step == 1:
            return
        # Worked out by hand at step 2 (cart) of view, cart, orders: 'tie' did help at its
        # cart's very second (not after it), then cart, faq; 'run' carts on (one step), then
        # views; 'same' (a second cart at the same second) and 'idle' do nothing more.
        four = ["tie", "run", "same", "idle"]
        mine = events.filter(events.customer_id.isin(four))
        people = funnel_customers(events, ["view", "cart", "orders"], step=2, dropped=True)
        nxt = dropoff_paths(
            mine,
            ["view", "cart", "orders"],
            after_step=2,
            dropped=people[people["customer_id"].isin(four)],
            steps_table=shared_steps(mine, "event"),
        )
        got = dict(zip(nxt["path"], nxt["customers"], strict=True))
        assert got == {"(end)": 2, "cart → faq → (end)": 1, "cart → view → (end)": 1}
