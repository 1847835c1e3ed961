"""The report's pieces without a browser: number/date formatting per language, escaping of
everything users typed, the readings, the objectives, the curve and band geometry, and the
offline guarantee (no resource from the network)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from recorrido.journey.templates import load_template
from recorrido.report import readings
from recorrido.report.emotion import curve_pieces, emotion_lane, score_y
from recorrido.report.icons import channel_kind, icon
from recorrido.report.objectives import parse_target
from recorrido.report.overlays import flow_pieces
from recorrido.report.render import (
    format_date,
    format_duration,
    format_hours,
    format_number,
    format_percent,
    json_for_script,
)


def test_format_number_per_language():
    assert format_number(1234.5, "es") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(1234567, "es") == "1.234.567"
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(0, "es") == "0"
    assert format_number(18.08, "es") == "18,1"
    assert format_number(2.25, "en", 2) == "2.25"
    assert format_number(None, "es") == "—"
    assert format_number(float("nan"), "en") == "—"


def test_format_percent_date_and_durations():
    assert format_percent(0.35, "es") == "35 %"
    assert format_percent(0.35, "en") == "35%"
    assert format_percent(0.0123, "es") == "1,2 %"
    assert format_percent(1, "en") == "100%"
    assert format_percent(None, "es") == "—"
    assert format_date(date(2022, 8, 28), "es") == "28 ago 2022"
    assert format_date(date(2022, 8, 28), "en") == "Aug 28, 2022"
    moment = datetime(2022, 8, 28, 21, 59, tzinfo=UTC)
    assert format_date(moment.isoformat(), "es", with_time=True) == "28 ago 2022 21:59 UTC"
    assert format_hours(0.5, "en") == "30 min"
    assert format_hours(18.08, "es") == "18,1 h"
    assert format_hours(662.1, "es") == "27,6 días"
    assert format_hours(None, "en") == "—"
    assert format_duration("30d", "es") == "30 días"
    assert format_duration("2w", "en") == "2 weeks"


def test_json_in_script_cannot_close_the_element():
    text = str(json_for_script({"name": "</script><script>alert(1)</script>", "x": "a&b\u2028"}))
    assert "</script" not in text and "<" not in text and ">" not in text
    assert "\\u003c/script\\u003e" in text and "\\u0026" in text and "\\u2028" in text


def test_channel_icons():
    assert channel_kind("Correo") == "email"
    assert channel_kind("WhatsApp") == "chat"
    assert channel_kind("tienda física") == "store"
    assert channel_kind(None) == "other"
    assert channel_kind("pigeon") == "other"
    svg = str(icon("email", 16, "<b>mail</b>"))
    assert svg.startswith("<svg") and "&lt;b&gt;mail&lt;/b&gt;" in svg


def test_emotion_curve_pieces_meet():
    pieces = curve_pieces([1, -1, None, 2])
    assert pieces[0]["y"] == score_y(1) and pieces[2]["y"] is None
    # The right half of stage 0 ends where the left half of stage 1 starts, at the boundary.
    end = pieces[0]["right"].split()[-2:]
    start = pieces[1]["left"][1:].split()[:2]
    assert float(end[0]) == 100 and float(start[0]) == 0
    assert float(end[1]) == pytest.approx(float(start[1]))
    # No curve into or out of a stage without a score.
    assert pieces[1]["right"] is None and pieces[3]["left"] is None


def test_emotion_lane_measured_only_from_given_scores():
    journey = load_template("ecommerce", "es")
    lane = emotion_lane(journey)
    assert lane["has_designed"] and not lane["has_measured"]
    lane = emotion_lane(journey, {"buy": -2})
    assert lane["has_measured"]
    assert [p["score"] for p in lane["measured"]] == [None, None, -2.0, None, None]
    with pytest.raises(KeyError):
        emotion_lane(journey, {"nope": 1})


def test_flow_band_is_proportional():
    stages = [
        {"customers": 0, "conversion_from_previous": None},
        {"customers": 20, "conversion_from_previous": None},
        {"customers": 10, "conversion_from_previous": 0.35},
        {"customers": 0, "conversion_from_previous": 0.0},
    ]
    pieces = flow_pieces(stages)
    assert pieces[0]["empty"] and pieces[0]["customers"] == 0 and pieces[0]["right_band"] is None
    assert pieces[1]["onward"] == 7
    assert pieces[1]["right_band"]["h"] == pytest.approx(pieces[1]["bar"]["h"] * 7 / 20)
    assert pieces[2]["left_band"]["h"] == pytest.approx(pieces[1]["right_band"]["h"])
    assert pieces[1]["drop"] and pieces[2]["entry"]  # 13 lost; 3 arrived another way
    assert pieces[2]["right_band"] is None and pieces[2]["drop"]
    assert pieces[3]["empty"]


def test_readings_in_plain_words():
    names = {"carts": "Añadir al carrito", "pay": "Pago"}
    steps = pd.DataFrame({"step": ["carts", "pay"], "customers": [100, 38]})
    es = readings.funnel_reading(steps, names, "es", "en 30 días")
    assert es == (
        "62 % de los clientes que llegan a «Añadir al carrito» no llegan a «Pago» después, en "
        "el orden de las etapas, en 30 días (62 de 100)."
    )
    en = readings.funnel_reading(steps, names, "en", "within 30 days")
    assert en.startswith("62% of the customers who reach 'Añadir al carrito'")
    top = pd.DataFrame(
        {"steps": [["carts", "pay"]], "customers": [1234], "share": [0.5]}, index=[0]
    )
    assert "1.234 de 2.468 clientes (50 %)" in readings.paths_reading(top, names, "es")
    assert "1,234 of 2,468 customers (50%)" in readings.paths_reading(top, names, "en")
    summary = {"events": 1000, "unmapped_events": 125, "unmapped_share": 0.125}
    assert readings.unmapped_reading(summary, "es").startswith("13 % de los eventos (125)")


def test_target_parsing():
    assert parse_target(0.05, "goal_conversion") == (">=", 0.05)
    assert parse_target("< 60 %", "stage_dropped") == ("<", 0.6)
    assert parse_target("≥ 0,05", "goal_conversion") == (">=", 0.05)
    assert parse_target(100, "unmapped_share") == ("<=", 100.0)
    assert parse_target("lots", "customers") is None


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The Spanish report of the bundled OTTO sample, built through the Python API."""
    from recorrido import Workspace
    from recorrido.demo import bundled

    folder = tmp_path_factory.mktemp("report") / "ws"
    with (
        Workspace.init(folder, timezone="UTC", language="es") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    journey = load_template("ecommerce", "es")
    with Workspace.open(folder, read_only=True) as ws:
        measured = ws.measure(journey, inactivity="7d")
        path = measured.to_html(folder.parent / "informe.html", source=ws)
    return path.read_text(encoding="utf-8")


def _without_plotly(html: str) -> str:
    """The page minus the inlined plotly.js (its source names URLs it never loads here)."""
    return re.sub(r"<script>\s*/\*\*\s*\n?\s*\* plotly\.js.*?</script>", "", html, flags=re.S)


def test_report_holds_the_map_and_figures(demo_report):
    html = demo_report
    assert '<html lang="es">' in html
    for text in (
        "Tienda online",
        "Descubrimiento",
        "Consideración",
        "Fidelidad y recomendación",
        "Antes de la compra",
        "Durante la compra",
        "Después de la compra",
        "Marta, compradora decidida",
        "Ficha de producto",
        "Puntos de dolor",
        "Momentos de la verdad",
        "Notas de campo",
        "Embudo de etapas",
        "Primeros pasos del recorrido",
        "Recorridos más comunes",
        "Retención por cohortes",
        "800 eventos · 20 clientes",
        "65 % de los clientes que llegan a «Consideración» no llegan a «Compra» después, en "
        "el orden de las etapas, en 30 días (13 de 20).",
    ):
        assert text in html, text
    # A stage nobody reached shows 0, not a blank.
    assert re.search(
        r'data-stage="discover"[^>]*>\s*<div class="flow-count"><strong>0</strong>', html
    )
    assert html.count('id="fig-') == 4
    assert html.count("* plotly.js v") == 1  # inlined once


def test_report_loads_nothing_from_the_network(demo_report):
    page = _without_plotly(demo_report)
    assert len(page) < len(demo_report) / 10  # the bundle was found and removed
    assert not re.search(r"""(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page, re.I)
    assert not re.search(r"@import", page)
    assert "default-src 'none'" in page  # the page's own policy refuses any request


def test_english_report_has_english_words(tmp_path, demo_report):
    from recorrido import Workspace
    from recorrido.demo import bundled

    with (
        Workspace.init(tmp_path / "w", timezone="UTC", language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
        measured = ws.measure(load_template("ecommerce", "en"), inactivity="7d")
        html = measured.to_html(tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Before the purchase" in html
    assert "Antes de la compra" not in html
    # Without the events the charts say what they need, and no plotly.js is inlined.
    assert "This chart needs the events" in html
    assert "plotly.js v" not in html and len(html) < 500_000
