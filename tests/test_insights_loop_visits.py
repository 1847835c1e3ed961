"""Issue 24: a later visit that opens on the home page is a new visit, not a loop back to it
(``insights.loops``); going back and forth inside one visit still is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from recorrido import Workspace
from recorrido.insights.findings import FrictionOptions, friction
from recorrido.journey import JourneyMap
from tests.visits import visit, workspace

MAP = """
version: 1
name: Tienda
stages:
  - id: browse
    name: Navegar
    phase: before
    touchpoints:
      - {id: home, name: Inicio, match: {event: home}}
      - {id: notice, name: Aviso, match: {event: notice_opened}}
  - id: cart
    name: Carrito
    phase: during
    touchpoints:
      - {id: cart, name: Carrito, match: {event: add_to_cart}}
  - id: buy
    name: Compra
    phase: during
    touchpoints:
      - {id: order, name: Pedido, match: {event: purchase}}
goal: {touchpoint: order}
"""


def _events(folder, pause: timedelta, opener: str | None = None) -> Workspace:
    """60 customers buy at once (half of them reading a notice first); 40 go home → cart three
    times, ``pause`` apart, and never buy (each later visit opening with ``opener`` a minute
    before the home page, when given)."""
    rows, start = [], datetime(2025, 3, 3, tzinfo=UTC)

    for c in range(60):  # half of them read a notice on the home page first
        steps = [*["home", "notice_opened"][: 1 + c % 2], "add_to_cart", "purchase"]
        visit(rows, f"b{c:02d}", start + timedelta(hours=c), steps)
    for c in range(40):
        first = start + timedelta(hours=c)
        for v in range(3):
            steps = (
                ["home", "add_to_cart"]
                if v == 0 or opener is None
                else [opener, "home", "add_to_cart"]
            )
            visit(rows, f"l{c:02d}", first + v * pause, steps)
    return workspace(folder, rows)


def _loops(ws) -> list:
    with ws:
        return friction(
            ws, JourneyMap.loads(MAP), options=FrictionOptions(kinds=("loop",))
        ).findings


def test_coming_back_on_later_days_is_no_loop(tmp_path):
    assert _loops(_events(tmp_path, timedelta(days=2))) == []


def test_going_back_and_forth_in_one_visit_is_a_loop(tmp_path):
    found = _loops(_events(tmp_path, timedelta(minutes=3)))
    assert [(f.where["touchpoint"], f.where["to_touchpoint"]) for f in found] == [("home", "cart")]
    assert found[0].customers == 40


def test_a_visit_that_opens_with_a_notification_is_no_loop_back_home(tmp_path):
    found = _loops(_events(tmp_path, timedelta(days=2), opener="notice_opened"))
    assert [f for f in found if f.where["touchpoint"] == "home"] == []
