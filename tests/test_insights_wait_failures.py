"""Issue 24: a failure is no step one waits to reach (``insights.waits``): the first payment
failure of a later visit, weeks after a first checkout, is not a slow step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from recorrido.insights.findings import FrictionOptions, friction
from recorrido.journey import JourneyMap
from tests.visits import event, visit, workspace

MAP = """
version: 1
name: Tienda
stages:
  - id: browse
    name: Navegar
    phase: before
    touchpoints:
      - {id: home, name: Inicio, match: {event: home}}
  - id: checkout
    name: Pago
    phase: during
    touchpoints:
      - {id: checkout, name: Pago, match: {event: checkout}}
      - {id: payment_failed, name: Pago fallido, match: {event: payment_failed}}
      - {id: receipt, name: Recibo, match: {event: receipt}}
  - id: buy
    name: Compra
    phase: during
    touchpoints:
      - {id: order, name: Pedido, match: {event: purchase}}
goal: {touchpoint: order}
"""


def test_the_failure_of_a_later_visit_is_no_long_wait(tmp_path):
    rows, start = [], datetime(2025, 3, 3, tzinfo=UTC)

    for c in range(60):  # fail once, pay, buy: all in one visit
        at = start + timedelta(hours=c)
        visit(rows, f"b{c:02d}", at, ["home", "checkout", "payment_failed", "receipt", "purchase"])
    for c in range(40):  # a checkout, then three weeks later a failure, and no purchase
        at = start + timedelta(hours=c)
        visit(rows, f"l{c:02d}", at, ["home", "checkout"])
        visit(rows, f"l{c:02d}", at + timedelta(days=21), ["home", "checkout", "payment_failed"])
    with workspace(tmp_path, rows) as ws:
        options = FrictionOptions(kinds=("wait",))
        found = friction(ws, JourneyMap.loads(MAP), options=options).findings
    places = [(f.where.get("touchpoint"), f.where.get("to_touchpoint")) for f in found]
    assert all("payment_failed" not in pair for pair in places), places


def test_long_waits_on_the_first_day_of_an_export_are_no_period(tmp_path):
    """Only the first day's customers waited long (an export's edge, where only some customers
    are there): no dated wait, as no dated change is reported at the edges."""
    rows, start = [], datetime(2025, 1, 6, tzinfo=UTC)
    for c in range(600):
        day, slow = c // 10, c < 15
        at = start + timedelta(days=day, minutes=c % 10)
        gap = timedelta(hours=5) if slow else timedelta(minutes=3)
        for i, (name, when) in enumerate(
            [("home", at), ("checkout", at + timedelta(minutes=1)), ("receipt", at + gap)]
        ):
            rows.append(event(f"c{c:03d}", name, when, f"{c}-{i}"))
        if c % 3:
            rows.append(event(f"c{c:03d}", "purchase", at + gap + timedelta(minutes=1), f"{c}-p"))
    with workspace(tmp_path, rows) as ws:
        options = FrictionOptions(kinds=("wait",))
        found = friction(ws, JourneyMap.loads(MAP), options=options).findings
    assert [f.where for f in found if f.start is not None and "period" in f.id] == []
