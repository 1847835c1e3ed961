"""Drop-off drivers: a planted driver found first, the funnel's own groups, the time scopes by
hand, support filtering, real trivago data against a plain-pandas oracle, the CLI and Spark."""

from __future__ import annotations

import csv
import gc
import json
import math
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.analytics import funnel
from recorrido.analytics.drivers import dropoff_drivers
from recorrido.analytics.funnel_people import funnel_customers
from recorrido.cli import app
from recorrido.errors import RecorridoError
from tests.test_analytics_figures import ingest_trivago

SHOP = ["view", "cart", "buy"]
Z95 = 1.959963984540054


# -- a planted dataset ------------------------------------------------------------------------
def planted_csv(path, customers: int = 2000, seed: int = 7) -> dict[str, dict]:
    """Customers view, 80 % add to the cart; 40 % of those then see ``shipping_cost`` and buy
    with chance 0.2 instead of 0.7. ``newsletter`` (half of all, before the cart) and the
    device change nothing; ``search`` comes before the funnel; ``coupon`` is rare. Returns the
    truth per customer."""
    rng = random.Random(seed)
    start = datetime(2024, 5, 1, tzinfo=UTC)
    rows, truth = [], {}

    def add(customer, at, event, device):
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append((f"e{len(rows):06d}", customer, stamp, event, device))

    for i in range(customers):
        c = f"c{i:04d}"
        device = rng.choice(["mobile", "desktop"])
        t0 = start + timedelta(minutes=rng.randrange(60 * 24 * 20))
        me = truth[c] = {"device": device, "cart": False, "shipping": False, "buy": False}
        if rng.random() < 0.9:
            add(c, t0 - timedelta(minutes=1), "search", device)
        add(c, t0, "view", device)
        me["newsletter"] = rng.random() < 0.5
        if me["newsletter"]:
            add(c, t0 + timedelta(minutes=5), "newsletter", device)
        me["coupon"] = rng.random() < 0.01
        if me["coupon"]:
            add(c, t0 + timedelta(minutes=6), "coupon", device)
        if rng.random() >= 0.8:
            continue
        me["cart"] = True
        add(c, t0 + timedelta(minutes=10), "cart", device)
        me["shipping"] = rng.random() < 0.4
        if me["shipping"]:
            add(c, t0 + timedelta(minutes=15), "shipping_cost", device)
        if rng.random() < (0.2 if me["shipping"] else 0.7):
            me["buy"] = True
            add(c, t0 + timedelta(minutes=30), "buy", device)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["event_id", "customer_id", "timestamp", "event", "device"])
        writer.writerows(rows)
    return truth


# These hand cases use the ``cut`` exclusion rule (the steps before a refund count; C fails at
# it), the rule they were written for; under PostHog's ``drop`` rule, the default since issue 16,
# C's attempt would not count at all.
# Minutes after 10:00. A passes (x1 tied with its entry; x3 tied with its buy; x4 after it);
# B fails (x5 exactly at the window's end, x6 after it); C fails (its buy comes after a refund,
# an exclusion; x7 after the refund); D never reaches the cart; E's best attempt is its second
# (x8 belongs to the first). Device: A, E mobile; B desktop; C only on its cart event (tablet).
HAND = [
    ("A", 0, "view", "mobile"),
    ("A", 0, "x1", "mobile"),
    ("A", 10, "cart", "mobile"),
    ("A", 20, "x2", "mobile"),
    ("A", 30, "buy", "mobile"),
    ("A", 30, "x3", "mobile"),
    ("A", 40, "x4", "mobile"),
    ("B", 0, "view", "desktop"),
    ("B", 10, "cart", "desktop"),
    ("B", 20, "x2", "desktop"),
    ("B", 60, "x5", "desktop"),
    ("B", 61, "x6", "desktop"),
    ("C", 0, "view", ""),
    ("C", 10, "cart", "tablet"),
    ("C", 15, "x2", ""),
    ("C", 20, "refund", ""),
    ("C", 25, "x7", ""),
    ("C", 30, "buy", ""),
    ("D", -5, "search", ""),
    ("D", 0, "view", ""),
    ("E", 0, "view", "mobile"),
    ("E", 5, "x8", "mobile"),
    ("E", 180, "view", "mobile"),
    ("E", 190, "cart", "mobile"),
    ("E", 200, "buy", "mobile"),
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drivers")
    truth = planted_csv(folder / "planted.csv")
    with (folder / "hand.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["event_id", "customer_id", "timestamp", "event", "device"])
        base = datetime(2024, 1, 1, 10, tzinfo=UTC)
        for i, (who, minutes, event, device) in enumerate(HAND):
            stamp = (base + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.writerow([f"h{i:03d}", f"hand-{who}", stamp, event, device])
    with Workspace.init(folder / "ws", language="en") as ws:
        assert ws.ingest(folder / "planted.csv").quarantined == 0
        assert ws.ingest(folder / "hand.csv").quarantined == 0
    return folder / "ws", truth


@pytest.fixture(scope="module")
def shop(planted):
    with Workspace.open(planted[0], read_only=True) as ws:
        yield ws, planted[1]
        gc.collect()  # the funnel's temporary tables go while their connection is open


PLANTED_RANGE = {"start": "2024-05-01", "end": "2024-05-31"}
HAND_RANGE = {"start": "2024-01-01", "end": "2024-01-01"}


def by_feature(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["feature"]: row for row in frame.to_dict("records")}


# -- the planted driver -----------------------------------------------------------------------
def test_planted_driver_comes_first(shop):
    ws, truth = shop
    result = dropoff_drivers(ws, SHOP, step=2, window="1d", properties=["device"], **PLANTED_RANGE)
    carts = [t for t in truth.values() if t["cart"]]
    first = result.iloc[0]
    assert first["feature"] == "shipping_cost" and first["kind"] == "event"
    assert first["odds_ratio"] < 0.2 and first["odds_ratio_ci_adjusted"][1] < 1
    assert bool(first["significant"])
    rows = by_feature(result)
    assert not rows["newsletter"]["significant"]
    assert not rows["device=mobile"]["significant"]
    assert not rows["device=desktop"]["significant"]
    # Exact counts against the generator's truth.
    passed = sum(t["buy"] for t in carts)
    assert (result.attrs["customers"], result.attrs["passed"]) == (len(carts), passed)
    for feature, has in (
        ("shipping_cost", lambda t: t["shipping"]),
        ("newsletter", lambda t: t["newsletter"]),
        ("device=mobile", lambda t: t["device"] == "mobile"),
    ):
        group = [t for t in carts if has(t)]
        row = rows[feature]
        assert row["customers"] == len(group)
        assert row["passed"] == sum(t["buy"] for t in group)
        assert row["failed"] == len(group) - row["passed"]
        a, b = row["passed"], row["failed"]
        c, d = passed - a, len(carts) - passed - b
        expected = (a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))
        assert math.isclose(row["odds_ratio"], expected, rel_tol=1e-12)
        assert math.isclose(row["success_rate_with"], a / (a + b))
        assert math.isclose(row["success_rate_without"], c / (c + d))
        low, high = row["success_rate_with_ci"]
        assert low < row["success_rate_with"] < high
    # The steps, events before the entry and rare events are not features.
    assert not {"view", "cart", "buy", "search", "coupon"} & set(rows)
    rare = sum(t["coupon"] for t in carts)
    assert 1 <= rare < 30
    assert result.attrs["dropped"] == 1 and result.attrs["dropped_by_key"]["event"] == 1
    assert result.attrs["tested"] == len(result) == 4


def test_drop_at_the_first_step_sees_no_later_event(shop):
    ws, truth = shop
    result = dropoff_drivers(ws, SHOP, step=1, window="1d", min_support=1, **PLANTED_RANGE)
    rows = by_feature(result)
    # Who passed to the cart is observed until the cart: shipping_cost is never in scope.
    assert set(rows) == {"newsletter", "coupon"}
    assert rows["newsletter"]["customers"] == sum(t["newsletter"] for t in truth.values())
    assert not rows["newsletter"]["significant"]


@pytest.mark.parametrize(
    ("kind", "step"), [("ordered", 1), ("ordered", 2), ("strict", 2), ("any", 2)]
)
def test_groups_are_the_funnels_counts(shop, kind, step):
    ws, _ = shop
    options = {"window": "1d", "kind": kind, **PLANTED_RANGE}
    result = dropoff_drivers(ws, SHOP, step=step, min_support=1, **options)
    counts = funnel(ws, SHOP, **options)["customers"].tolist()
    info = result.attrs
    assert info["passed"] + info["failed"] == info["customers"] == counts[step - 1]
    assert info["passed"] == counts[step]
    dropped = funnel_customers(ws, SHOP, step=step, dropped=True, **options)
    assert len(dropped) == info["failed"]
    for row in result.to_dict("records"):
        assert row["passed"] + row["failed"] == row["customers"] <= info["customers"]
        assert row["passed"] <= info["passed"]


def test_min_support_filters(shop):
    ws, _ = shop
    options = {"window": "1d", "properties": ["device"], "top": None, **PLANTED_RANGE}
    everything = dropoff_drivers(ws, SHOP, step=2, min_support=1, **options)
    assert everything.attrs["dropped"] == 0
    kept = dropoff_drivers(ws, SHOP, step=2, min_support=30, **options)
    expected = everything[everything["customers"] >= 30]
    assert sorted(kept["feature"]) == sorted(expected["feature"])
    assert (kept.attrs["tested"], kept.attrs["dropped"]) == (len(kept), 1)
    assert len(everything) == len(kept) + 1
    assert (everything["customers"] + everything["customers_without"] == 1586).all()
    # Both sides need the support: newsletter (818 with it, 768 without) is left out at 800.
    assert by_feature(everything)["newsletter"]["customers_without"] == 768
    none = dropoff_drivers(ws, SHOP, step=2, min_support=800, **options)
    assert len(none) == 0 and (none.attrs["tested"], none.attrs["dropped"]) == (0, 5)
    # Fewer tests, a narrower Bonferroni interval; the 95 % interval does not move.
    assert kept.attrs["z_adjusted"] < everything.attrs["z_adjusted"]
    few = by_feature(kept)["newsletter"]
    many = by_feature(everything)["newsletter"]
    assert few["odds_ratio_ci"] == many["odds_ratio_ci"]
    width = math.log(few["odds_ratio_ci_adjusted"][1] / few["odds_ratio_ci_adjusted"][0])
    assert width < math.log(many["odds_ratio_ci_adjusted"][1] / many["odds_ratio_ci_adjusted"][0])


# -- the time scopes, by hand -----------------------------------------------------------------
def counts(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    return {r["feature"]: (r["customers"], r["passed"]) for r in frame.to_dict("records")}


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("attempt", {"x1": (1, 1), "x2": (3, 1), "x5": (1, 0)}),
        ("before", {"x1": (1, 1)}),
        ("after", {"x2": (3, 1), "x5": (1, 0)}),
    ],
)
def test_scopes_by_hand(shop, scope, expected):
    ws, _ = shop
    result = dropoff_drivers(
        ws,
        SHOP,
        step=2,
        window="1h",
        exclusions=["refund"],
        exclusion_rule="cut",
        min_support=1,
        top=None,
        properties=["device"],
        scope=scope,
        **HAND_RANGE,
    )
    assert (result.attrs["passed"], result.attrs["failed"]) == (2, 2)
    devices = {"device=mobile": (2, 2), "device=desktop": (1, 0), "device=tablet": (1, 0)}
    assert counts(result) == {**expected, **devices}


def test_step_window_ends_the_failed_scope(shop):
    ws, _ = shop
    result = dropoff_drivers(
        ws,
        SHOP,
        step=2,
        window="1h",
        step_windows=[None, None, "15m"],
        exclusions=["refund"],
        exclusion_rule="cut",
        min_support=1,
        **HAND_RANGE,
    )
    # A's buy now comes too late: A fails, observed up to its cart + 15 min; so is B (x5 out).
    assert (result.attrs["passed"], result.attrs["failed"]) == (1, 3)
    assert counts(result) == {"x1": (1, 0), "x2": (3, 0)}


def test_prior_and_woolf_interval_by_hand(shop):
    ws, _ = shop
    result = dropoff_drivers(
        ws,
        SHOP,
        step=2,
        window="1h",
        exclusions=["refund"],
        exclusion_rule="cut",
        min_support=1,
        **HAND_RANGE,
    )
    x2 = by_feature(result)["x2"]
    # a = 1 passed with (A), b = 2 failed with (B, C), c = 1 passed without (E), d = 0.
    assert math.isclose(x2["odds_ratio"], 1.5 * 0.5 / (2.5 * 1.5))
    se = math.sqrt(1 / 1.5 + 1 / 2.5 + 1 / 1.5 + 1 / 0.5)
    low, high = x2["odds_ratio_ci"]
    assert math.isclose(low, 0.2 * math.exp(-Z95 * se))
    assert math.isclose(high, 0.2 * math.exp(Z95 * se))
    assert x2["success_rate_without"] == 1.0 and x2["success_rate_without_ci"][1] == 1.0
    # A larger prior pulls the ratio towards 1.
    strong = dropoff_drivers(
        ws,
        SHOP,
        step=2,
        window="1h",
        exclusions=["refund"],
        exclusion_rule="cut",
        min_support=1,
        prior=5,
        **HAND_RANGE,
    )
    assert 0.2 < by_feature(strong)["x2"]["odds_ratio"] < 1


def test_bad_requests(shop):
    ws, _ = shop
    cases = [
        ({"step": 3}, "analytics_funnel_no_dropoff"),
        ({"step": 0}, "analytics_funnel_bad_step"),
        ({"step": 2, "scope": "during"}, "drivers_bad_scope"),
        ({"step": 2, "prior": 0}, "drivers_bad_prior"),
        ({"step": 2, "min_support": 0}, "drivers_bad_min_support"),
        ({"step": 2, "count": "attempts"}, "analytics_funnel_people_attempts"),
        ({"step": 2, "properties": ["devise"]}, "analytics_unknown_property_close"),
    ]
    for options, key in cases:
        with pytest.raises(RecorridoError) as caught:
            dropoff_drivers(ws, SHOP, window="1d", **options)
        assert caught.value.key == key


# -- real data ----------------------------------------------------------------------------------
TRIVAGO = ["search for destination", "interaction item image", "clickout item"]


@pytest.fixture(scope="module")
def trivago(tmp_path_factory):
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip("shared datasets not found")
    with Workspace.init(tmp_path_factory.mktemp("trivago") / "ws", language="en") as ws:
        ingest_trivago(ws, SHARED_DATA)
        yield ws
        gc.collect()


def test_trivago_against_a_pandas_oracle(trivago):
    ws = trivago
    window = 86_400_000_000
    options = {"window": "1d", "properties": ["device", "platform"], "top": None}
    result = dropoff_drivers(ws, TRIVAGO, step=2, min_support=1, **options)
    info = result.attrs
    counted = funnel(ws, TRIVAGO, window="1d")["customers"].tolist()
    assert (info["customers"], info["passed"]) == (counted[1], counted[2])
    # The groups and their scopes from the funnel's own lists, the features in plain pandas.
    at = funnel_customers(ws, TRIVAGO, step=2, window="1d")
    on = funnel_customers(ws, TRIVAGO, step=3, window="1d").set_index("customer_id")["step_at"]
    us = lambda s: (s - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)  # noqa: E731
    groups = pd.DataFrame(
        {
            "customer_id": at["customer_id"],
            "t0": us(at["entered_at"]),
            "tk": us(at["step_at"]),
            "next": us(at["customer_id"].map(on)),
        }
    )
    events = ws.events.execute()
    events["us"] = us(events["timestamp"])
    for key in ("device", "platform"):
        events[key] = events["properties"].map(lambda p, key=key: (p or {}).get(key))
    e = events.merge(groups, on="customer_id")
    e["passed"] = e["next"].notna()
    upper = e["us"].where(e["passed"], 0) < e["next"].fillna(0)
    upper = upper.where(e["passed"], e["us"] <= e["t0"] + window)
    scoped = e[(e["us"] >= e["t0"]) & upper]
    expected = {}
    plain = scoped[~scoped["event"].isin(TRIVAGO)]
    for name, group in plain.groupby("event"):
        people = group.drop_duplicates("customer_id")
        expected[name] = (len(people), int(people["passed"].sum()))
    at_step = e[(e["event"] == TRIVAGO[1]) & (e["us"] == e["tk"])]
    with_step = pd.concat([scoped, at_step])
    for key in ("device", "platform"):
        for value, group in with_step.dropna(subset=[key]).groupby(key):
            people = group.drop_duplicates("customer_id")
            expected[f"{key}={value}"] = (len(people), int(people["passed"].sum()))
    # A feature every customer at the step has cannot be compared: it is left out.
    universal = {f for f, (n, _) in expected.items() if n == info["customers"]}
    assert counts(result) == {f: v for f, v in expected.items() if f not in universal}
    assert info["dropped"] == len(universal)
    assert len(expected) > 40
    # Consistency of every row.
    for row in result.to_dict("records"):
        low, high = row["odds_ratio_ci"]
        a_low, a_high = row["odds_ratio_ci_adjusted"]
        assert a_low <= low <= row["odds_ratio"] <= high <= a_high
        assert row["significant"] == (a_low > 1 or a_high < 1)
    strengths = [
        max(math.log(r["odds_ratio_ci_adjusted"][0]), -math.log(r["odds_ratio_ci_adjusted"][1]))
        for r in result.to_dict("records")
    ]
    assert strengths == sorted(strengths, reverse=True)
    assert result["significant"].any()


# -- the command line -----------------------------------------------------------------------------
RECORRIDO = str(Path(sys.executable).parent / "recorrido")


def test_cli_json_and_table(planted, shop):
    folder, _ = planted
    args = ["--workspace", str(folder), "--steps", "view,cart,buy", "--step", "2"]
    args += ["--window", "1d", "--property", "device", "--from", "2024-05-01"]
    done = subprocess.run(
        [RECORRIDO, "drivers", *args, "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    ws, _ = shop
    expected = dropoff_drivers(
        ws, SHOP, step=2, window="1d", properties=["device"], start="2024-05-01"
    )
    assert payload["rows"][0]["feature"] == "shipping_cost"
    assert [r["feature"] for r in payload["rows"]] == expected["feature"].tolist()
    assert payload["rows"][0]["odds_ratio_ci"] == expected["odds_ratio_ci"].iloc[0]
    assert (payload["passed"], payload["failed"]) == (
        expected.attrs["passed"],
        expected.attrs["failed"],
    )
    assert payload["dropped"] == 1 and payload["scope"] == "attempt"
    done = subprocess.run(
        [RECORRIDO, "drivers", *args, "--lang", "es", "--top", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stderr
    assert "shipping_cost" in done.stdout and "newsletter" not in done.stdout
    assert "razón de odds" in done.stdout and "asociación, no causa" in done.stdout
    # Refused before any work: one sentence, one JSON object.
    done = CliRunner().invoke(app, ["drivers", *args, "--step", "3", "--json"])
    assert done.exit_code == 1
    assert json.loads(done.stdout)["error"] == "analytics_funnel_no_dropoff"


# -- Spark ----------------------------------------------------------------------------------------
@pytest.mark.spark
def test_same_numbers_on_spark(shop, spark_backend):
    from recorrido.analytics.backend import export_events

    ws, _ = shop
    spark = spark_backend.read_parquet(str(export_events(ws)))
    options = {
        "step": 2,
        "window": "1h",
        "exclusions": ["refund"],
        "exclusion_rule": "cut",
        "properties": ["device"],
    }
    options |= {"min_support": 1, "top": None, **HAND_RANGE}
    expected = dropoff_drivers(ws.events, SHOP, **options)
    got = dropoff_drivers(spark, SHOP, **options)
    assert len(expected) == 6
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == expected.attrs
