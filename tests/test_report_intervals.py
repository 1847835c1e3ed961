"""Confidence intervals and significance marks: the Wilson interval next to each rate of the
report, the whiskers of the stage funnel, Newcombe's interval of a segment's (and a touchpoint's)
difference, and the "not significant" mark where that interval contains 0.

The Wilson bounds are computed here from the formula, independently of
``recorrido.analytics.intervals``; the synthetic shop below plants one strong difference between
segments and one null one."""

from __future__ import annotations

import json
import math
import re
from statistics import NormalDist

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido.analytics.intervals import diff_interval
from recorrido.analytics.tagging import tag_events
from recorrido.demo import bundled
from recorrido.journey import JourneyMap
from recorrido.journey.templates import load_template
from recorrido.measured.segments import stage_totals, versus_rest
from recorrido.report import figures
from recorrido.report.comparisons import touchpoint_difference
from recorrido.report.render import (
    format_interval,
    format_points,
    format_points_interval,
    format_rate,
)

Z = NormalDist().inv_cdf(0.975)


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    """Wilson (1927), as printed in Newcombe (1998), method 3."""
    p = k / n
    root = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p))
    return (2 * n * p + Z * Z - root) / (2 * (n + Z * Z)), (2 * n * p + Z * Z + root) / (
        2 * (n + Z * Z)
    )


def whole_percent(share: float) -> str:
    return str(math.floor(share * 100 + 0.5))


# -- formatting -----------------------------------------------------------------------------
def test_rates_are_written_with_their_interval_per_language():
    assert format_rate(0.42, [0.38, 0.46], "es") == "42 % (38–46 %)"
    assert format_rate(0.42, [0.38, 0.46], "en") == "42% (38–46%)"
    assert format_rate(0.0123, [0.004, 0.029], "es") == "1,2 % (0,4–2,9 %)"
    assert format_rate(0.35, None, "en") == "35%"
    assert format_rate(None, [0.1, 0.2], "es") == "—"
    # A narrow interval gets decimals rather than reading "42–42".
    assert format_interval([0.4199, 0.4201], "en") == "41.99–42.01%"
    assert format_interval(None, "es") == "—"
    assert format_points(0.123, "es") == "+12 p. p." and format_points(-0.046, "en") == "−4.6 pp"
    assert format_points_interval([-0.2, 0.04], "es") == "−20 a +4 p. p."


# -- the demo report: the exact Wilson numbers ----------------------------------------------
@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    folder = tmp_path_factory.mktemp("intervals") / "ws"
    with (
        Workspace.init(folder, timezone="UTC", language="es") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    return folder


def test_demo_report_shows_wilson_intervals(otto, tmp_path):
    # The sample, read by hand: 20 customers consider, 7 of them reach "Compra", 3 order.
    low, high = wilson_by_hand(7, 20)
    assert (round(low, 4), round(high, 4)) == (0.1812, 0.5671)  # Newcombe (1998), table I style
    goal_low, goal_high = wilson_by_hand(3, 20)
    with Workspace.open(otto, read_only=True) as ws:
        measured = ws.measure(load_template("ecommerce", "es"), inactivity="7d")
        html = measured.to_html(tmp_path / "es.html", source=ws).read_text(encoding="utf-8")
        english = measured.to_html(tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    stage = f"35 % ({whole_percent(low)}–{whole_percent(high)} %) desde la etapa anterior"
    assert stage == "35 % (18–57 %) desde la etapa anterior"
    assert stage in html
    goal = f"15 % ({goal_low * 100:.1f}".replace(".", ",") + f"–{whole_percent(goal_high)} %)"
    assert goal == "15 % (5,2–36 %)" and goal in html  # the header's share who reach the goal
    assert "35% (18–57%) from the previous stage" in english
    assert "intervalo de confianza del 95 %" in html and "Wilson score" in html
    assert "Wilson score" in english
    # The stage funnel's bar for "Compra" says it too, and its whisker spans the interval.
    funnel = json.loads(re.search(r'id="fig-funnel">(.*?)</script>', html, re.S).group(1))
    bars, whiskers = funnel["data"]
    # the interval on its own line, so the label fits beside a narrow bar on a phone
    assert "7 · 35 %<br>(18–57 %)" in bars["text"][1]
    assert whiskers["x"][1] == pytest.approx(7 / 2)
    assert whiskers["error_x"]["array"][1] == pytest.approx((high * 20 - 7) / 2)
    assert whiskers["error_x"]["arrayminus"][1] == pytest.approx((7 - low * 20) / 2)


def test_funnel_whiskers_follow_the_share_of_the_first_step():
    steps = pd.DataFrame({"step": ["a", "b", "c"], "customers": [200, 90, 0]})
    figure = figures.funnel_figure(steps, {}, {}, "en")
    bars, whiskers = figure["data"]
    assert bars["text"][0] == "200 · 100%"  # the base has no interval
    low, high = wilson_by_hand(90, 200)
    assert bars["text"][1] == f"90 · 45%<br>({whole_percent(low)}–{whole_percent(high)}%)"
    assert whiskers["x"][0] is None and whiskers["x"][1] == 45
    assert whiskers["error_x"]["array"][1] == pytest.approx((high * 200 - 90) / 2)
    assert whiskers["error_x"]["arrayminus"][2] == 0  # 0 customers: the bound is exactly 0
    assert figure["layout"]["yaxis"]["ticktext"] == ["a", "b", "c"]


# -- a shop with a planted difference between segments --------------------------------------
SHOP = {
    "version": 1,
    "name": "Shop",
    "language": "es",
    "personas": [
        {"id": "saver", "name": "Usa cupones", "rule": {"event": "coupon"}},
        {
            "id": "tablet",
            "name": "En tableta",
            "rule": {"where": [{"property": "device", "equals": "tablet"}]},
        },
    ],
    "stages": [
        {
            "id": "look",
            "name": "Mirar",
            "phase": "before",
            "touchpoints": [
                {"id": "view", "name": "Ficha", "channel": "web", "match": {"event": "view"}},
                {"id": "coupon", "name": "Cupón", "channel": "web", "match": {"event": "coupon"}},
            ],
        },
        {
            "id": "cart",
            "name": "Carrito",
            "phase": "during",
            "touchpoints": [
                {"id": "cart", "name": "Añadir", "channel": "web", "match": {"event": "cart"}}
            ],
        },
        {
            "id": "buy",
            "name": "Pagar",
            "phase": "during",
            "touchpoints": [
                {"id": "order", "name": "Pedido", "channel": "web", "match": {"event": "order"}}
            ],
        },
    ],
    "goal": {"touchpoint": "order"},
}
#: Carts per 60 customers of each device: 75 % on desktop and 10 % on mobile (strong
#: differences), 40 % on tablet against 42.5 % for the other two together (none to speak of).
CARTS = {"desktop": 45, "mobile": 6, "tablet": 24}


def shop_events() -> list[dict]:
    events, carters = [], 0
    coupon_orders = coupon_lookers = 0
    for device, carts in CARTS.items():
        for i in range(60):
            customer = f"{device}-{i:02d}"
            day = f"2024-03-{1 + i % 28:02d}"

            def add(event, minute, customer=customer, day=day, device=device):
                events.append(
                    {
                        "customer_id": customer,
                        "timestamp": f"{day}T10:{minute:02d}:00Z",
                        "event": event,
                        "channel": "web",
                        "device": device,
                    }
                )

            add("view", 0)
            carted = i < carts
            ordered = carted and i % 2 == 0
            # The coupon: 6 desktop customers who order and 24 tablet customers who only look;
            # 20 % of them convert, about as everyone (38 of 180).
            if ordered and coupon_orders < 6:
                coupon_orders += 1
                add("coupon", 1)
            elif not carted and device == "tablet" and coupon_lookers < 24:
                coupon_lookers += 1
                add("coupon", 1)
            if carted:
                carters += 1
                add("cart", 5)
            if ordered:
                add("order", 10)
    assert carters == 75 and coupon_orders == 6 and coupon_lookers == 24
    return events


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    data = folder / "events.ndjson"
    data.write_text("\n".join(json.dumps(e) for e in shop_events()) + "\n", encoding="utf-8")
    with Workspace.init(folder / "ws", timezone="UTC", language="es") as ws:
        ws.ingest(data)
    return folder / "ws"


def _cart(frame: pd.DataFrame, segment: str) -> dict:
    return frame[(frame.segment == segment) & (frame.stage == "cart")].iloc[0].to_dict()


def test_segments_against_the_rest(shop):
    journey = JourneyMap.model_validate(SHOP)
    with Workspace.open(shop, read_only=True) as ws:
        frame = versus_rest(ws.measure(journey, breakdown="device").stages)
        everyone = versus_rest(ws.measure(journey).stages)
    desktop, mobile, tablet = (_cart(frame, d) for d in ("desktop", "mobile", "tablet"))
    assert desktop["significant"] is True and mobile["significant"] is True
    assert tablet["significant"] is False
    assert tablet["difference_from_rest"] == pytest.approx(24 / 60 - 51 / 120)
    assert desktop["rest_conversion_from_previous"] == pytest.approx(30 / 120)
    assert desktop["difference_from_rest_ci"] == pytest.approx(list(diff_interval(45, 60, 30, 120)))
    assert tablet["difference_from_rest_ci"] == pytest.approx(list(diff_interval(24, 60, 51, 120)))
    assert desktop["difference_from_rest_ci"][0] > 0 > mobile["difference_from_rest_ci"][1]
    assert tablet["difference_from_rest_ci"][0] < 0 < tablet["difference_from_rest_ci"][1]
    assert frame[frame.stage == "look"]["significant"].isna().all()  # nothing before the first
    assert everyone["significant"].isna().all()  # one segment: no rest to compare with


def test_overlapping_personas_use_the_totals(shop):
    journey = JourneyMap.model_validate(SHOP)
    with Workspace.open(shop, read_only=True) as ws:
        measured = ws.measure(journey, breakdown="persona")
        totals = stage_totals(tag_events(ws.events, journey))
    assert totals[["stage_index", "customers", "onward"]].values.tolist() == [
        [0, 180, 75],
        [1, 75, 38],
        [2, 38, 0],
    ]
    frame = versus_rest(measured.stages, totals)
    # Savers: 30 customers, 6 of whom cart; the rest: 150, 69 of whom cart (not the sums over
    # the personas, which count the 24 tablet savers twice).
    saver = _cart(frame, "saver")
    assert saver["conversion_from_previous"] == pytest.approx(6 / 30)
    assert saver["rest_conversion_from_previous"] == pytest.approx(69 / 150)
    assert saver["difference_from_rest_ci"] == pytest.approx(list(diff_interval(6, 30, 69, 150)))
    assert saver["significant"] is True
    summed = _cart(versus_rest(measured.stages), "saver")
    assert summed["rest_conversion_from_previous"] != pytest.approx(69 / 150)


def test_report_marks_what_is_not_significant(shop, tmp_path):
    journey = JourneyMap.model_validate(SHOP)
    with Workspace.open(shop, read_only=True) as ws:
        by_device = ws.measure(journey, breakdown="device")
        html = by_device.to_html(tmp_path / "device.html", source=ws).read_text(encoding="utf-8")
        persona_html = (
            ws.measure(journey, breakdown="persona")
            .to_html(tmp_path / "persona.html", lang="en", source=ws)
            .read_text(encoding="utf-8")
        )
    section = html[html.index('<section class="segments"') : html.index('<section class="charts"')]
    # Each segment's cell of the stage "Carrito" (the second column of stages).
    rows = {
        m.group(1): m.group(2).split("<td")[2]
        for m in re.finditer(r'<th scope="row">([^<]*)</th>(.*?)</tr>', section, re.S)
    }
    assert set(rows) == {"desktop", "mobile", "tablet"}
    low, high = wilson_by_hand(45, 60)
    assert f"75 % ({whole_percent(low)}–{whole_percent(high)} %)" in rows["desktop"]
    assert "▲ +50 p. p. frente al resto" in rows["desktop"]
    assert "▼ −48 p. p. frente al resto" in rows["mobile"]  # 10 % against 57.5 %
    assert "no significativa" in rows["tablet"] and "no significativa" not in rows["desktop"]
    assert "de «desktop» convierten 75 % frente a 25 % del resto (+50 p. p.)" in section
    # Touchpoints: the coupon changes nothing (20 % with and without), the cart does.
    coupon = re.search(r'data-touchpoint="coupon">(.*?)</div>\s*</div>', html, re.S).group(1)
    cart = re.search(r'data-touchpoint="cart">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert "no significativa" in coupon and "no significativa" not in cart
    assert "20 % (" in coupon
    # Personas overlap: the report counts the rest on the events; English words.
    assert "Segments: stage conversion against the rest" in persona_html
    assert "not significant" in persona_html and "Usa cupones" in persona_html


def test_touchpoint_difference_from_the_measured_figures():
    row = {"customers": 30, "conversion_with": 6 / 30, "conversion_without": 30 / 150}
    result = touchpoint_difference(row, 180, 36)
    assert result["difference"] == pytest.approx(0)
    assert result["interval"] == pytest.approx(list(diff_interval(6, 30, 30, 150)))
    assert result["significant"] is False
    strong = touchpoint_difference(
        {**row, "conversion_with": 1.0, "conversion_without": 0.0}, 180, 30
    )
    assert strong["significant"] is True
    assert touchpoint_difference({**row, "customers": 180}, 180, 36) is None  # nobody without
    assert touchpoint_difference(row, 180, None) is None  # no goal
