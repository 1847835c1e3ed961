"""The explorations beyond the funnel and paths — sessions, retention, attribution, friction,
moments, conformance, segments — in Debian's Chromium through Playwright, on one workspace of
generated journeys with planted problems (``tests/journey_generator.py``) plus hostile texts.

Each page must show the number the CLI's ``--json`` gives on the same workspace, and its ``.json``
twin must be that whole object; it passes axe-core with no serious or critical violation and
is photographed at 1440 and 390 px. A hostile event name and channel stay text everywhere.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app as cli
from recorrido.web.users import UserStore
from tests import journey_generator as gen
from tests.test_web_browser import (  # noqa: F401 (browser is a fixture)
    Watch,
    _accessible,
    _inert,
    _login,
    _quote,
    _shots,
    browser,
)
from tests.test_web_pages import PASSWORD, serve

MAP = "shop.yaml"
EVIL_EVENT = "<img src=x onerror=alert(2)>"
EVIL_CHANNEL = "<b onmouseover=alert(3)>web</b>"
EVIL_EVENTS = "\n".join(
    [
        "customer_id,timestamp,event,channel",
        f'evil1,2024-03-05T10:00:00Z,"{EVIL_EVENT}","{EVIL_CHANNEL}"',
        f'evil1,2024-03-05T10:05:00Z,ad_click,"{EVIL_CHANNEL}"',
        f'evil1,2024-03-05T10:09:00Z,order_completed,"{EVIL_CHANNEL}"',
        "",
    ]
)


def _sum_cohorts(data: dict) -> int:
    return sum({r["cohort"]: r["cohort_size"] for r in data["cohorts"]}.values())


#: page -> (its address, the CLI's arguments (after the workspace), the number shown and where)
PAGES = {
    "sessions": (
        "sessions?by=week",
        ["sessions", "--by", "week"],
        "#kpi-sessions",
        lambda d: d["summary"]["sessions"],
    ),
    "retention": ("retention?period=week", ["retention"], "#kpi-in-cohorts", _sum_cohorts),
    "attribution": (
        f"attribution?map={MAP}",
        ["attribution", "--map", MAP],
        "#kpi-conversions",
        lambda d: d["totals"]["conversions"],
    ),
    "friction": (
        f"friction?map={MAP}",
        ["friction", MAP],
        "#kpi-findings",
        lambda d: len(d["findings"]),
    ),
    "moments": (f"moments?map={MAP}", ["moments", MAP], "#kpi-tested", lambda d: d["tested"]),
    "conformance": (
        f"conformance?map={MAP}",
        ["conformance", MAP],
        "#kpi-following",
        lambda d: d["following"],
    ),
    "segments": (
        f"segments?map={MAP}",
        ["segments", MAP],
        "#kpi-customers",
        lambda d: d["customers"],
    ),
}


def _cli_json(folder: Path, args: list[str]) -> dict:
    # The map argument is a file name in the workspace folder: the CLI gets its path.
    args = [str(folder / a) if a == MAP else a for a in args]
    done = CliRunner().invoke(cli, ["--lang", "en", *args, "-w", str(folder), "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def explored(tmp_path_factory):
    """The workspace, the CLI's answers on it (asked before the server holds it) and the server."""
    root = tmp_path_factory.mktemp("web-explore")
    gen.workspace(root, 1000, planted=True).close()
    folder = root / "ws"
    (folder / MAP).write_text(gen.SHOP_MAP, encoding="utf-8")
    (root / "evil.csv").write_text(EVIL_EVENTS, encoding="utf-8")
    with Workspace.open(folder) as ws:
        ws.ingest(root / "evil.csv")
    UserStore(folder).add("viewer", PASSWORD, "viewer")
    answers = {name: _cli_json(folder, spec[1]) for name, spec in PAGES.items()}
    with serve(folder) as base:
        yield base, folder, root, answers


def _same(a, b, where: str = "") -> None:
    """Equal JSON objects; floats to 1e-9 (an engine may sum in another order)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float | int):
        if math.isnan(a):
            assert b is None or math.isnan(b), where
        else:
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    elif a is None and isinstance(b, float):
        assert math.isnan(b), where
    else:
        assert a == b, (where, a, b)


def _drawn(page) -> None:
    """Every Plotly figure on the page drawn."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-figure]')]"
        ".every(p => p.querySelector('.main-svg'))"
    )


@pytest.fixture(scope="module")
def viewer_page(explored, browser):  # noqa: F811 (the imported fixture)
    base = explored[0]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    watch = Watch(context, base)
    page = watch.page(context)
    _login(page, base, "viewer")
    yield page, watch
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_shows_the_cli_answer(explored, viewer_page, name):
    base, _, root, answers = explored
    page, watch = viewer_page
    address, _, shown, number = PAGES[name]
    expected = answers[name]
    answer = page.goto(f"{base}/explore/{address}")
    assert answer.status == 200
    page.wait_for_selector(f"#{name}-result")
    page.wait_for_load_state("load")
    _drawn(page)
    value = page.locator(shown)
    assert float(value.get_attribute("data-value")) == pytest.approx(number(expected))
    digits = re.sub(r"[^\d]", "", value.inner_text())
    assert int(digits) == round(number(expected))
    # The page's link to its JSON answers the CLI's whole object.
    link = page.locator("#result-json").get_attribute("href")
    twin = page.request.get(base + link)
    assert twin.status == 200
    _same(expected, twin.json(), name)
    # The explorations' navigation marks this page and links every other one.
    nav = page.locator("nav.explore-nav")
    assert nav.locator("a[aria-current=page]").get_attribute("href") == f"/explore/{name}"
    assert nav.locator("a").count() == 9
    shots = root / "screenshots"
    shots.mkdir(exist_ok=True)
    _shots(page, shots, f"explore-{name}")
    _accessible(page)
    watch.assert_clean()


def test_planted_friction_is_found(explored):
    """The planted problems give the friction page something to show (else its number would
    be a 0 equal to a 0)."""
    answers = explored[3]
    assert len(answers["friction"]["findings"]) >= 2
    assert answers["moments"]["helps"]


def test_filters_narrow_the_answer(explored, viewer_page):
    base, _, _, answers = explored
    page, watch = viewer_page
    # The bare page answers the command's defaults: the summary alone, no periods.
    page.goto(f"{base}/explore/sessions")
    page.wait_for_selector("#sessions-result")
    whole = answers["sessions"]["summary"]["sessions"]
    assert int(page.locator("#kpi-sessions").get_attribute("data-value")) == whole
    assert page.locator("#sessions-periods").count() == 0
    page.goto(f"{base}/explore/sessions?by=week&channel=web")
    page.wait_for_selector("#sessions-result")
    narrowed = int(page.locator("#kpi-sessions").get_attribute("data-value"))
    assert 0 < narrowed < answers["sessions"]["summary"]["sessions"]
    assert page.locator("#channel option[selected]").get_attribute("value") == "web"
    # A date range goes to the analytics function as the CLI's --from/--to do.
    page.goto(f"{base}/explore/conformance?map={MAP}&date_from=2024-03-01&date_to=2024-03-10")
    page.wait_for_selector("#conformance-result")
    within = int(page.locator("#kpi-mapped").get_attribute("data-value"))
    assert 0 < within < answers["conformance"]["mapped_customers"]
    # A page without its map asks for one; a bad property filter is refused with its message.
    page.goto(f"{base}/explore/segments")
    assert page.locator("#choose-map").count() == 1
    answer = page.goto(f"{base}/explore/moments?map={MAP}&prop=nokey")
    assert answer.status == 422
    assert "nokey" in page.locator("p.error").inner_text()
    watch.errors = [e for e in watch.errors if "422" not in e]
    watch.assert_clean()


def test_spanish(explored, viewer_page):
    base, _, _, answers = explored
    page, watch = viewer_page
    page.goto(f"{base}/explore/retention?period=week")
    page.click("#lang-es")
    page.wait_for_selector("h1:has-text('Retención')")
    total = _sum_cohorts(answers["retention"])
    assert page.locator("#kpi-in-cohorts").inner_text() == f"{total:,}".replace(",", ".")
    assert page.locator("nav.explore-nav").inner_text().count("Momentos de la verdad") == 1
    page.click("#lang-en")
    page.wait_for_selector("h1:has-text('Retention')")
    watch.assert_clean()


def test_hostile_texts_stay_text(explored, viewer_page):
    base, _, _, _ = explored
    page, watch = viewer_page
    evil = _quote(EVIL_EVENT)
    for address in (
        f"conformance?map={MAP}",
        f"attribution?map={MAP}",
        f"retention?return_event={evil}",
        f"sessions?channel={_quote(EVIL_CHANNEL)}&by=day",
        f"friction?map={MAP}&channel={_quote(EVIL_CHANNEL)}&min_customers=1",
        f"attribution?conversion={evil}",
    ):
        page.goto(f"{base}/explore/{address}")
        page.wait_for_load_state("load")
        _drawn(page)
        _inert(page)
    page.goto(f"{base}/explore/conformance?map={MAP}")
    assert EVIL_EVENT in page.locator("#conformance-missing").inner_text()
    page.goto(f"{base}/explore/attribution?map={MAP}")
    _drawn(page)
    assert EVIL_CHANNEL in page.locator("#attribution-table").inner_text()
    # Plotly shows the channel as its characters, not as a bold "web".
    assert EVIL_CHANNEL in page.locator("#attribution-result .plot").inner_text()
    watch.errors = [e for e in watch.errors if "422" not in e]
    watch.assert_clean()
