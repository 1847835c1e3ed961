"""A meal-box subscription over a year: sparse, weekly activity, renewals and churn.

Seeded and deterministic; event names in CamelCase (no separators: each is its own word).
``n`` people visit (``SiteVisit``); 40 % never start. The others start a trial
(``TrialStarted``, ``AccountVerified`` minutes later), choose a plan days later
(``PlanSelected``, ``BillingDetails``, sometimes ``PromoApplied``) and may subscribe
(``Subscribed``, the goal). After the goal: ``FirstBoxDelivered`` a few days later, then one
``BoxDelivered`` a week, sometimes ``RecipeViewed`` or ``SupportContact``, ``RenewalCharged``
every four weeks, until ``SubscriptionCancelled`` (4 % a week: churn, an ending by design).
Platforms: web, ios, android, tv (the channel is web, app or tv). Noise: :mod:`emit`.

Planted (``planted=True``), each in :func:`truth`:

- ``change``: for four weeks ``SupportContact`` triples and cancellations double (weak twin:
  ``RecipeViewed`` falls to 0.7 for three weeks);
- ``loop``: for five weeks, customers on the **tv** go back and forth between ``PlanSelected``
  and ``BillingDetails`` and subscribe less (weak twin: six customers only, between
  ``TrialStarted`` and ``AccountVerified``);
- ``failure`` **by behaviour**, no error word: on android, most ``PromoApplied`` are followed by
  a repeat of the previous step (``BillingDetails``) and a ``SupportContact``, twice, and those
  customers subscribe less (weak twin: ×1.5 on ios);
- ``wait``: for four weeks ``AccountVerified`` comes days instead of minutes after
  ``TrialStarted`` and fewer subscribe (weak twin: five days);
- ``after_goal``: for a month the first box arrives five times later and those customers
  cancel four times as often in their first weeks (weak twin: five days).

Forbidden: "went quiet" after ``SubscriptionCancelled`` (churn is an outcome) or ``SiteVisit``
(prospects who never start).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from emit import DAY, Events
from planted import Forbidden, Planted, Truth

START = datetime(2025, 1, 6, tzinfo=UTC)
GOAL = "Subscribed"
PLATFORMS = ("web", "ios", "android", "tv")
CHANNEL = {"web": "web", "ios": "app", "android": "app", "tv": "tv"}
WEAK_LOOPERS = 6
#: The chance of stopping after any step of a trial (the same at every step).
QUIT = 0.07
#: What a late first box moves later on.
LATER = ("SubscriptionCancelled",)


def _span(days: int, at: float, length: int) -> tuple[int, int]:
    first = int(days * at)
    return first, first + length - 1


def truth(days: int = 364) -> Truth:
    p = [
        Planted(
            "change",
            ("SupportContact", "SubscriptionCancelled"),
            "incident",
            3.0,
            *_span(days, 0.42, 28),
        ),
        Planted(
            "change", ("RecipeViewed",), "fewer recipes (weak)", 1 / 0.7, *_span(days, 0.8, 21)
        ),
        Planted(
            "loop",
            ("PlanSelected", "BillingDetails"),
            "loop on tv",
            10.0,
            *_span(days, 0.55, 35),
            segment=("platform", "tv"),
        ),
        Planted("loop", ("TrialStarted", "AccountVerified"), "loop (weak, 6 customers)", 10.0),
        Planted(
            "failure",
            ("PromoApplied",),
            "promo fails by behaviour",
            10.0,
            segment=("platform", "android"),
            echoes=("BillingDetails", "SupportContact"),
        ),
        Planted(
            "failure", ("PromoApplied",), "promo fails (weak)", 1.5, segment=("platform", "ios")
        ),
        Planted(
            "wait",
            ("TrialStarted", "AccountVerified"),
            "slow verification",
            100.0,
            *_span(days, 0.2, 28),
        ),
        Planted(
            "wait",
            ("TrialStarted", "AccountVerified"),
            "slow verification (weak)",
            100.0,
            *_span(days, 0.9, 5),
        ),
        Planted(
            "after_goal",
            ("FirstBoxDelivered",),
            "late first box",
            5.0,
            *_span(days, 0.7, 30),
            outcomes=LATER,
            echo_days=20,
        ),
        Planted(
            "after_goal",
            ("FirstBoxDelivered",),
            "late first box (weak, 5 days)",
            5.0,
            *_span(days, 0.1, 5),
            outcomes=LATER,
            echo_days=20,
        ),
    ]
    forbidden = [
        Forbidden("abandonment", ("SubscriptionCancelled",), "churn is an outcome"),
        Forbidden("abandonment", ("SiteVisit",), "prospects never start"),
    ]
    return Truth(START, GOAL, p, forbidden)


def write(path, n: int = 5000, days: int = 364, *, planted: bool = True, seed: int = 1) -> Truth:
    """Write the events as Parquet at ``path``; return the truth (empty when not planted)."""
    rng = random.Random(seed)
    t = truth(days)
    plants = {p.label: p for p in t.planted}
    events = Events(rng, START, stray=("NewsletterOpened", "FaqViewed"), properties=("platform",))
    counted = {label: set() for label in plants}
    weak_ids = {f"s{i:07d}" for i in range(0, n, max(1, n // WEAK_LOOPERS))[:WEAK_LOOPERS]}
    for i in range(n):
        cid = f"s{i:07d}"
        _person(rng, events, cid, days, planted, plants, counted, cid in weak_ids)
    events.write(path)
    if not planted:
        t.planted = []
    for p in t.planted:
        p.customers = len(counted[p.label])
    return t


def _person(rng, events, cid, days, planted, plants, counted, weak_looper) -> None:
    platform = rng.choices(PLATFORMS, [0.4, 0.2, 0.25, 0.15])[0]
    channel = CHANNEL[platform]
    props = {"platform": platform}
    clock = [rng.uniform(0, days - 1) * DAY]
    end = days * DAY

    def emit(event: str, gap: float | None = None, on: str = channel) -> None:
        clock[0] += rng.uniform(20, 300) if gap is None else gap
        events.emit(cid, clock[0], event, on, props)

    def hit(label: str) -> bool:
        p = plants[label]
        day = int(clock[0] // DAY)
        return planted and (p.first_day is None or p.first_day <= day <= p.last_day)

    emit("SiteVisit", on="web")
    if rng.random() < 0.4:
        if rng.random() < 0.2:
            emit("SiteVisit", gap=rng.uniform(1, 30) * DAY, on="web")
        return

    # A trial may stop after any step with the same small chance (a clean data set has no
    # abandonment point); a planted problem makes its customers stop right there.
    def stops(keep: float = 1.0) -> bool:
        return rng.random() < QUIT or rng.random() >= keep

    emit("TrialStarted")
    if stops():
        return
    gap, keep = rng.expovariate(1 / 600), 1.0
    for label in ("slow verification", "slow verification (weak)"):
        if hit(label):
            counted[label].add(cid)
            gap = rng.uniform(2, 4) * DAY
            keep = 0.5
    emit("AccountVerified", gap=gap)
    if stops(keep):
        return
    if planted and weak_looper:
        counted["loop (weak, 6 customers)"].add(cid)
        for _ in range(2):
            emit("TrialStarted")
            emit("AccountVerified")
    emit("PlanSelected", gap=rng.uniform(1, 7) * DAY)
    if stops():
        return
    emit("BillingDetails")
    if platform == "tv" and hit("loop on tv"):
        counted["loop on tv"].add(cid)
        for _ in range(2 + (rng.random() < 0.5)):
            emit("PlanSelected")
            emit("BillingDetails")
        if stops(0.3):
            return
    elif rng.random() < 0.02:
        emit("PlanSelected")
        emit("BillingDetails")
    if rng.random() < 0.25:
        emit("PromoApplied")
        if planted and platform == "android" and rng.random() < 0.6:
            counted["promo fails by behaviour"].add(cid)
            for _ in range(2):
                emit("BillingDetails")
                emit("SupportContact")
                emit("PromoApplied")
            if stops(0.3):
                return
        elif rng.random() < (0.075 if planted and platform == "ios" else 0.05):
            if planted and platform == "ios":
                counted["promo fails (weak)"].add(cid)
            emit("BillingDetails")
            emit("PromoApplied")
    if stops():
        return
    emit(GOAL)
    first_box = rng.uniform(2, 4) * DAY
    early_churn = 1.0
    for label in ("late first box", "late first box (weak, 5 days)"):
        if hit(label):
            counted[label].add(cid)
            first_box *= 5
            early_churn = 4.0
    emit("FirstBoxDelivered", gap=first_box, on="web")
    week = 0
    while True:
        week += 1
        clock[0] += 7 * DAY + rng.uniform(-0.5, 0.5) * DAY
        if clock[0] >= end:
            return
        clock[0] -= 60
        incident = hit("incident")
        base = 0.04 * (early_churn if week <= 4 else 1.0)
        churn = base * (2 if incident else 1)
        # The incident touches a customer only where it changed what they did (a cancellation
        # or a support contact they would not have made), not merely by being active then.
        if (draw := rng.random()) < churn:
            if incident and draw >= base:
                counted["incident"].add(cid)
            emit("SubscriptionCancelled")
            return
        emit("BoxDelivered", gap=60, on="web")
        recipes = 0.4
        if hit("fewer recipes (weak)"):
            counted["fewer recipes (weak)"].add(cid)
            recipes *= 0.7
        if rng.random() < recipes:
            emit("RecipeViewed", gap=rng.uniform(0.1, 2) * DAY)
        if (draw := rng.random()) < (0.09 if incident else 0.03):
            if incident and draw >= 0.03:
                counted["incident"].add(cid)
            emit("SupportContact")
        if week % 4 == 0:
            emit("RenewalCharged", gap=3600, on="web")
