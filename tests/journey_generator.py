"""Synthetic customer journeys with planted problems, for the insights tests.

Seeded and deterministic. Clean journeys walk an online shop's stages (discover → consider → cart
→ checkout → purchase → after) with the same chance of going on at every step, plus noise that
does not change anyone's chance of buying (a single step back, an occasional error, a rare chat,
spread-out waits). With ``planted=True`` these problems are added:

- ``loop``: Android customers who start between 11 and 20 March go back and forth between the
  cart and the product page (twice or more), and fewer of them go on after the cart.
- ``failure``: iOS customers get ``payment_error`` / ``payment_retry`` events at the payment
  step, repeatedly, and fewer pay.
- ``handoff``: after the help article (self-service) many customers open the advisor chat
  (assisted), and fewer of them buy.
- ``wait``: customers from Argentina (country=AR) wait days, not hours, between the cart and
  the checkout, and fewer of them buy.
- ``abandonment``: many more customers go quiet after the shipping form than after other steps.
- ``drift``: between 8 and 12 April far fewer customers go from considering to the cart.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

START = datetime(2024, 3, 1, tzinfo=UTC)
DAYS = 60
LOOP_DAYS = (datetime(2024, 3, 11, tzinfo=UTC), datetime(2024, 3, 20, tzinfo=UTC))
DRIFT_DAYS = (datetime(2024, 4, 8, tzinfo=UTC), datetime(2024, 4, 12, tzinfo=UTC))
GO_ON = 0.85

SHOP_MAP = """\
version: 1
name: Tienda sintética
language: es
personas:
  - id: movil
    name: Compra desde el móvil
    rule: {channel: app}
stages:
  - id: discover
    name: Descubrimiento
    phase: before
    touchpoints:
      - {id: ad, name: Anuncio, channel: social, mode: self-service, match: {event: ad_click}}
      - {id: search, name: Búsqueda, channel: web, mode: self-service, match: {event: search}}
  - id: consider
    name: Consideración
    phase: before
    touchpoints:
      - {id: product, name: Ficha de producto, mode: self-service, match: {event: product_view}}
      - {id: faq, name: Artículo de ayuda, mode: self-service, match: {event: help_article}}
      - {id: advisor, name: Chat con asesor, channel: chat, mode: assisted,
         match: {event: advisor_chat}}
  - id: cart
    name: Carrito
    phase: during
    touchpoints:
      - {id: cart, name: Añadir al carrito, mode: self-service, match: {event: add_to_cart}}
  - id: checkout
    name: Pago
    phase: during
    touchpoints:
      - {id: shipping, name: Formulario de envío, mode: self-service,
         match: {event: shipping_form}}
      - {id: payment, name: Formulario de pago, mode: self-service, match: {event: payment_form}}
  - id: purchase
    name: Compra
    phase: during
    touchpoints:
      - {id: order, name: Pedido, mode: self-service, match: {event: order_completed}}
  - id: after
    name: Entrega
    phase: after
    touchpoints:
      - {id: delivery, name: Entrega, channel: email, match: {event: delivered}}
goal: {touchpoint: order}
"""


def generate(n_customers: int = 4000, *, planted: bool = True, seed: int = 7) -> pd.DataFrame:
    """The events of ``n_customers`` synthetic customers as a DataFrame ready to ingest."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for number in range(n_customers):
        rows.extend(_customer(rng, f"c{number:05d}", planted))
    frame = pd.DataFrame(rows)
    frame["event_id"] = [f"e{i:07d}" for i in range(len(frame))]
    return frame


def write(path: Path, n_customers: int = 4000, *, planted: bool = True, seed: int = 7) -> Path:
    generate(n_customers, planted=planted, seed=seed).to_parquet(path, index=False)
    return path


def _customer(rng: random.Random, cid: str, planted: bool) -> list[dict]:
    platform = rng.choices(["android", "ios", "web"], [0.35, 0.3, 0.35])[0]
    country = rng.choices(["ES", "MX", "AR", "CO"], [0.35, 0.25, 0.2, 0.2])[0]
    channel = "web" if platform == "web" else "app"
    begin = START + timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(8 * 3600, 23 * 3600))
    clock = [begin]
    rows: list[dict] = []

    def emit(event: str, minutes: float = 3.0, chan: str | None = None) -> None:
        clock[0] += timedelta(minutes=rng.expovariate(1 / minutes) + 0.1)
        rows.append(
            {
                "customer_id": cid,
                "timestamp": clock[0],
                "event": event,
                "channel": chan or channel,
                "platform": platform,
                "country": country,
            }
        )

    def go_on(p: float = GO_ON) -> bool:
        return rng.random() < p

    looping = (
        planted
        and platform == "android"
        and LOOP_DAYS[0] <= begin < LOOP_DAYS[1] + timedelta(days=1)
    )
    drifting = planted and DRIFT_DAYS[0] <= begin < DRIFT_DAYS[1] + timedelta(days=1)

    emit(
        "ad_click" if rng.random() < 0.5 else "search",
        chan="social" if rng.random() < 0.3 else None,
    )
    if not go_on():
        return rows
    for _ in range(rng.randint(1, 3)):
        emit("product_view")
    helped = rng.random() < 0.2
    handed = False
    if helped:
        emit("help_article")
        if rng.random() < (0.45 if planted else 0.05):
            emit("advisor_chat", chan="chat")
            handed = True
    if not go_on(0.3 if drifting else (0.55 if planted and handed else GO_ON)):
        return rows
    emit("add_to_cart", minutes=20)
    if rng.random() < 0.1:  # noise: one step back to the product page, then on
        emit("product_view")
        emit("add_to_cart")
    looped = looping and rng.random() < 0.8
    if looped or rng.random() < 0.02:
        for _ in range(2):
            emit("product_view")
            emit("add_to_cart")
    if not go_on(0.3 if looped else GO_ON):
        return rows
    waited = planted and country == "AR" and rng.random() < 0.6
    if waited:
        clock[0] += timedelta(days=rng.uniform(4, 8))
    else:
        clock[0] += timedelta(minutes=rng.lognormvariate(3.5, 0.8))
    emit("shipping_form")
    if not go_on(0.55 if planted else GO_ON):
        return rows
    if waited and not go_on(0.55):
        return rows
    emit("payment_form")
    failing = planted and platform == "ios" and rng.random() < 0.5
    if failing:
        for _ in range(2):
            emit("payment_error", minutes=1)
            emit("payment_retry", minutes=1)
    elif rng.random() < 0.05:
        emit("payment_error", minutes=1)
        if rng.random() < 0.4:
            emit("payment_error", minutes=1)
        emit("payment_form")
    if not go_on(0.35 if failing else GO_ON):
        return rows
    emit("order_completed")
    if rng.random() < 0.9:
        clock[0] += timedelta(days=rng.uniform(2, 5))
        emit("delivered", chan="email")
    return rows


def workspace(folder: Path, n_customers: int = 4000, *, planted: bool = True, seed: int = 7):
    """A new workspace in ``folder`` holding the generated journeys (open; close it after)."""
    from recorrido import Workspace

    folder.mkdir(parents=True, exist_ok=True)
    data = write(folder / "events.parquet", n_customers, planted=planted, seed=seed)
    ws = Workspace.init(folder / "ws", timezone="UTC", language="en")
    ws.ingest(data)
    return ws
