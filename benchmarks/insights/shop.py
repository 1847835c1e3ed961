"""A retail clickstream with the three problems `recorrido friction` once missed (issue 24).

Seeded and deterministic. ``n`` customers visit an online shop over ``days`` days (several
sessions each, on the web or the app); a session browses, may add to the cart, go through the
two checkout steps (shipping, payment) and buy. Noise that changes nobody's chance of buying:
an occasional ``error_shown``, ``support_contact``, a single step back.

Planted (``planted=True``), each with its truth in :data:`PLANTED`:

- ``incident``: for three weeks ``error_shown`` and ``support_contact`` triple and purchases
  halve, for everyone.
- ``loop``: during one month, Android (app) checkout sessions go back and forth between the two
  checkout steps (shipping ↔ payment, twice or more) and buy less often; fewer than 20
  customers a week.
- ``failure``: half the iOS customers' payments fail (``payment_failed``, twice or more) and
  they buy less often; on a map made by ``map discover`` the error event is an ordinary touchpoint.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd

START = datetime(2025, 1, 6, tzinfo=UTC)


def planted_truth(days: int) -> dict:
    """Where each planted problem is, in days from START (inclusive)."""
    incident = (int(days * 0.35), int(days * 0.35) + 20)
    loop = (int(days * 0.65), int(days * 0.65) + 29)
    return {"incident": incident, "loop": loop, "failure": None}


def truth(days: int = 180):
    """The planted problems as :class:`planted.Planted` (customers counted by :func:`write`)."""
    from planted import Planted, Truth

    span = planted_truth(days)
    return Truth(
        START,
        "purchase",
        [
            Planted(
                "change",
                ("error_shown", "support_contact", "purchase"),
                "incident",
                3.0,
                *span["incident"],
            ),
            Planted(
                "loop",
                ("checkout_shipping", "checkout_payment"),
                "loop on android",
                10.0,
                *span["loop"],
                segment=("platform", "android"),
            ),
            Planted(
                "failure",
                ("payment_failed",),
                "payment failures on ios",
                10.0,
                segment=("platform", "ios"),
            ),
        ],
    )


def write(
    path,
    n: int = 600,
    days: int = 180,
    *,
    planted: bool = True,
    seed: int = 1,
    counted: dict | None = None,
):
    """Write the events as Parquet at ``path``; return the path. ``counted`` (labels of
    :func:`truth`) receives the ids of the customers each planted problem touched."""
    rng = random.Random(seed)
    truth = planted_truth(days)
    counted = counted if counted is not None else {}
    rows: list[dict] = []
    for i in range(n):
        rows.extend(_customer(rng, f"u{i:06d}", days, planted, truth, counted))
    frame = pd.DataFrame(rows)
    frame["event_id"] = [f"e{i}" for i in range(len(frame))]
    frame.to_parquet(path, index=False)
    return path


def _customer(rng, cid, days, planted, truth, counted) -> list[dict]:
    platform = rng.choices(["android", "ios", "web"], [0.35, 0.25, 0.4])[0]
    channel = "web" if platform == "web" else "app"
    rows: list[dict] = []
    failing = planted and platform == "ios" and rng.random() < 0.5
    hits = counted.setdefault
    first = rng.uniform(0, days - 1)
    sessions = 1 + min(int(rng.expovariate(1 / 3)), 12)
    moments = sorted([first] + [rng.uniform(first, days - 0.01) for _ in range(sessions - 1)])
    for moment in moments:
        day = int(moment)
        clock = [START + timedelta(days=moment)]

        def emit(event: str, clock=clock) -> None:
            clock[0] += timedelta(seconds=rng.uniform(10, 240))
            rows.append(
                {
                    "customer_id": cid,
                    "timestamp": clock[0],
                    "event": event,
                    "channel": channel,
                    "platform": platform,
                }
            )

        incident = planted and truth["incident"][0] <= day <= truth["incident"][1]
        looping = planted and platform == "android" and truth["loop"][0] <= day <= truth["loop"][1]
        err, sup = (0.3, 0.15) if incident else (0.1, 0.05)
        emit("home")
        for _ in range(1 + int(rng.expovariate(1 / 1.5))):
            emit("product_view")
        # The incident touches a customer only where it changed what they did: an error or
        # a contact they would not have had, a purchase it cost (issue 24's "touching").
        if (draw := rng.random()) < err:
            emit("error_shown")
            if incident and draw >= 0.1:
                hits("incident", set()).add(cid)
        if (draw := rng.random()) < sup:
            emit("support_contact")
            if incident and draw >= 0.05:
                hits("incident", set()).add(cid)
        if rng.random() > 0.5:
            continue
        emit("add_to_cart")
        if rng.random() > 0.7:
            continue
        emit("checkout_shipping")
        emit("checkout_payment")
        chance = 0.6
        if looping:
            hits("loop on android", set()).add(cid)
            for _ in range(2 + int(rng.random() < 0.5)):
                emit("checkout_shipping")
                emit("checkout_payment")
            chance *= 0.1
        elif rng.random() < 0.05:
            emit("checkout_shipping")
            emit("checkout_payment")
        if failing:
            hits("payment failures on ios", set()).add(cid)
            emit("payment_failed")
            emit("checkout_payment")
            emit("payment_failed")
            chance *= 0.2
        elif rng.random() < 0.03:
            emit("payment_failed")
            emit("checkout_payment")
        full = chance
        if incident:
            chance *= 0.5
        if (draw := rng.random()) < chance:
            emit("purchase")
        elif incident and draw < full:
            hits("incident", set()).add(cid)
    return rows
