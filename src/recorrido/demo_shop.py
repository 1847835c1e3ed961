"""The demo's generated online shop: tens of thousands of customers whose journeys hold the
patterns a team looks for, made at demo time from a seed (nothing large is committed).

Why generated: the real sample bundled beside it (OTTO, CC BY 4.0) has 20 sessions of clicks,
carts and orders on one channel. Friction, moments of truth, attribution and automations need
channels, campaigns, failures, support contacts and enough customers for their intervals; no
public dataset with all of these may be bundled. What is planted, and why, is documented in
``recorrido/data/SOURCE.md`` (section "Generated shop"); the same ``customers`` and ``seed``
always give the same rows, so figures in the documentation can be checked.

The events fit the e-commerce map template's match rules (``ad_*`` on social, ``search``,
``clicks`` with an article ``aid``, ``email_open``/``email_click``, ``carts``, ``orders``,
``call_*`` on the phone, the chat channel, ``shipment_*``/``delivered``, ``review_submitted``,
``referral_sent``); ``checkout`` and ``payment_failed`` are steps the template lacks, left for
``map check`` and ``map discover`` to show.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

#: The default size of the demo (customers) and the seed of its generator.
CUSTOMERS = 30_000
SEED = 2022
#: The period the journeys start in (the OTTO sample's weeks lie inside it).
START = datetime(2022, 6, 1, tzinfo=UTC)
DAYS = 90
#: The planted payment incident: PayPal payments fail from the first day to the last (UTC).
INCIDENT = (datetime(2022, 8, 8, tzinfo=UTC), datetime(2022, 8, 15, tzinfo=UTC))

CAMPAIGNS = {
    "social": ["summer-sale", "back-to-school"],
    "email": ["newsletter-june", "newsletter-july", "newsletter-august"],
}
PAYMENTS = ["card", "paypal", "transfer"]
MINUTE = 60
HOUR = 3600
DAY = 86400

_COLUMNS = (
    "event_id",
    "customer_id",
    "timestamp",
    "event",
    "channel",
    "value",
    "utm_campaign",
    "aid",
    "device",
    "payment_method",
    "reason",
    "rating",
)


class _Rows:
    """Column lists that one customer's journey is appended to."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {name: [] for name in _COLUMNS}

    def add(self, customer: str, seconds: float, event: str, channel: str, **extra) -> None:
        c = self.columns
        c["event_id"].append(f"{customer}-{len(c['event_id'])}")
        c["customer_id"].append(customer)
        c["timestamp"].append(int(seconds * 1_000_000))
        c["event"].append(event)
        c["channel"].append(channel)
        for name in _COLUMNS[5:]:
            c[name].append(extra.get(name))

    def table(self) -> pa.Table:
        c = self.columns
        return pa.table(
            {
                "event_id": pa.array(c["event_id"], pa.string()),
                "customer_id": pa.array(c["customer_id"], pa.string()),
                "timestamp": pa.array(c["timestamp"], pa.timestamp("us", tz="UTC")),
                "event": pa.array(c["event"], pa.string()),
                "channel": pa.array(c["channel"], pa.string()),
                "value": pa.array(c["value"], pa.float64()),
                **{name: pa.array(c[name], pa.string()) for name in _COLUMNS[6:11]},
                "rating": pa.array(c["rating"], pa.int64()),
            }
        )


def generate(customers: int = CUSTOMERS, seed: int = SEED) -> pa.Table:
    """The shop's events (one row per event, sorted by customer and time)."""
    rng = random.Random(seed)
    rows = _Rows()
    start = START.timestamp()
    width = len(str(max(customers, 1)))
    for n in range(customers):
        _journey(rows, rng, f"shop-{n:0{width}d}", start + rng.uniform(0, DAYS - 10) * DAY)
    return rows.table()


def write(path: Path, customers: int = CUSTOMERS, seed: int = SEED) -> Path:
    """The shop's events as a Parquet file at ``path`` (what ``recorrido ingest`` reads)."""
    pq.write_table(generate(customers, seed), path)
    return Path(path)


def _journey(rows: _Rows, rng: random.Random, who: str, t: float) -> None:
    """One customer: how they arrive, browse, buy (or stall), get help, receive and come back.

    The probabilities are the planted patterns (``data/SOURCE.md``): decided buyers search and
    buy more; a newsletter click helps, an ad alone helps little; carts stall; PayPal fails
    during the incident and a failed payment loses most of those who do not call; a call to the
    phone team rescues most; a late delivery brings a chat and costs the review.
    """
    decided = rng.random() < 0.3
    device = "app" if rng.random() < 0.35 else "desktop"
    # -- discovery: the first touch, on the channel that brought them ----------------------
    arrival = rng.choices(["social", "search", "email", "direct"], [0.4, 0.25, 0.2, 0.15])[0]
    intent = 0.0
    if arrival == "social":
        campaign = rng.choice(CAMPAIGNS["social"])
        rows.add(who, t, "ad_view", "social", utm_campaign=campaign)
        if rng.random() < 0.55:
            t += rng.uniform(5, 120)
            rows.add(who, t, "ad_click", "social", utm_campaign=campaign)
        else:  # seen, not clicked: most never come to the shop
            if rng.random() < 0.7:
                return
            t += rng.expovariate(1 / (2 * DAY))
        intent -= 0.05
    elif arrival == "email":
        campaign = rng.choice(CAMPAIGNS["email"])
        rows.add(who, t, "email_open", "email", utm_campaign=campaign)
        if rng.random() < 0.5:
            t += rng.uniform(10, 600)
            rows.add(who, t, "email_click", "email", utm_campaign=campaign)
            intent += 0.12
        else:
            if rng.random() < 0.6:
                return
            t += rng.expovariate(1 / (3 * DAY))
    if arrival == "search" or (decided and rng.random() < 0.5):
        t += rng.uniform(5, 90)
        rows.add(who, t, "search", "web", device=device)
        intent += 0.08
    # -- consideration: product pages, sometimes over several visits ---------------------
    visits = 1 + _poisson(rng, 0.8 if decided else 1.4)
    for visit in range(visits):
        if visit:
            t += rng.expovariate(1 / (1.5 * DAY)) + HOUR
            if rng.random() < 0.25:  # a reminder e-mail brings some back
                campaign = rng.choice(CAMPAIGNS["email"])
                rows.add(who, t, "email_open", "email", utm_campaign=campaign)
                t += rng.uniform(30, 900)
                rows.add(who, t, "email_click", "email", utm_campaign=campaign)
                intent += 0.05
                t += rng.uniform(5, 60)
        for _ in range(1 + _poisson(rng, 2 if decided else 3)):
            t += rng.uniform(10, 240)
            rows.add(who, t, "clicks", "web", aid=str(rng.randrange(1000, 1400)), device=device)
    # -- purchase: the stage where customers stall ----------------------------------------
    if rng.random() > (0.75 if decided else 0.32) + intent:
        return  # never put anything in the cart
    t += rng.uniform(20, 600)
    rows.add(who, t, "carts", "web", aid=str(rng.randrange(1000, 1400)), device=device)
    if rng.random() > (0.78 if decided else 0.45) + intent:
        return  # the cart stays there: the stall the abandoned-cart automation is for
    t += rng.expovariate(1 / (6 * HOUR)) + rng.uniform(60, 600)
    rows.add(who, t, "checkout", "web", device=device)
    method = rng.choices(PAYMENTS, [0.55, 0.35, 0.10])[0]
    incident = method == "paypal" and INCIDENT[0].timestamp() <= t < INCIDENT[1].timestamp()
    fails = 0
    if incident and rng.random() < 0.85:
        fails = 2 + rng.randrange(2)
    elif rng.random() < 0.04:
        fails = 1 + rng.randrange(2)
    for _ in range(fails):
        t += rng.uniform(20, 180)
        reason = "provider_timeout" if incident else "card_declined"
        rows.add(who, t, "payment_failed", "web", payment_method=method, reason=reason)
    if fails:
        called = rng.random() < 0.35  # the phone team: the assisted touchpoint that rescues
        if called:
            t += rng.uniform(120, 3 * HOUR)
            rows.add(who, t, "call_started", "phone")
            t += rng.uniform(180, 900)
            rows.add(who, t, "call_ended", "phone")
            if rng.random() > 0.85:
                return
            method = "card"
        elif rng.random() > 0.25:
            return  # gave up after the failures
    t += rng.uniform(30, 300)
    value = round(rng.lognormvariate(4.0, 0.6), 2)
    rows.add(who, t, "orders", "web", value=value, payment_method=method, device=device)
    # -- delivery and use -----------------------------------------------------------------
    t += rng.uniform(4 * HOUR, 30 * HOUR)
    rows.add(who, t, "shipment_sent", "email")
    late = rng.random() < 0.12
    if late:  # no warning of the delay: the customer asks the chat
        t += rng.uniform(4, 7) * DAY
        rows.add(who, t, "chat_message", "chat", reason="where_is_my_order")
        t += rng.uniform(1, 2) * DAY
    else:
        t += rng.uniform(1, 3) * DAY
    rows.add(who, t, "delivered", "email")
    # -- loyalty: a review, a referral, a second order -------------------------------------
    if rng.random() < (0.08 if late else 0.3):
        t += rng.uniform(HOUR, 4 * DAY)
        rating = rng.choices([1, 2, 3], [0.5, 0.3, 0.2])[0] if late else rng.randint(4, 5)
        rows.add(who, t, "review_submitted", "web", rating=rating)
    if not late and rng.random() < 0.08:
        t += rng.uniform(HOUR, 5 * DAY)
        rows.add(who, t, "referral_sent", "email")
    if rng.random() < (0.25 if decided else 0.1):
        t += rng.expovariate(1 / (12 * DAY)) + DAY
        for _ in range(1 + _poisson(rng, 2)):
            t += rng.uniform(10, 240)
            rows.add(who, t, "clicks", "web", aid=str(rng.randrange(1000, 1400)), device=device)
        t += rng.uniform(20, 600)
        rows.add(who, t, "carts", "web", aid=str(rng.randrange(1000, 1400)), device=device)
        t += rng.uniform(60, 1200)
        rows.add(who, t, "orders", "web", value=round(rng.lognormvariate(4.0, 0.6), 2))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw for a small mean (Knuth's product of uniforms)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k
