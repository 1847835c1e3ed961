"""The map view's breakdown (``web/map_breakdown.py``): the stages per segment side by side, the
numbers of ``recorrido measure --breakdown``, over real HTTP on a generated shop (two
channels, three platforms, a persona with a rule)."""

from __future__ import annotations

import html
import json
import re
import time

import pytest

from recorrido import Workspace
from recorrido.journey import JourneyMap
from recorrido.measured import measure
from recorrido.web.map_view import MapFilter
from recorrido.web.users import UserStore
from tests import journey_generator as gen
from tests.test_web_browser import (  # noqa: F401 (browser is a fixture)
    Watch,
    _accessible,
    _login,
    _shots,
    browser,
)
from tests.test_web_browser import pytestmark as browser_only
from tests.test_web_pages import PASSWORD, login, serve

SHOP_FILE = "shop.yaml"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-breakdown") / "ws"
    gen.workspace(folder.parent, 300, planted=True).close()
    (folder / SHOP_FILE).write_text(gen.SHOP_MAP, encoding="utf-8")
    UserStore(folder).add("viewer", PASSWORD, "viewer")
    # What `recorrido measure --breakdown X --json` gives, before the server holds the workspace.
    expected = {}
    with Workspace.open(folder, read_only=True) as ws:
        for by in ("channel", "platform", "persona"):
            expected[by] = measure(ws, folder / SHOP_FILE, breakdown=by).to_dict()
        # the map measured on the web channel's events, as the page's filter picks them
        journey = JourneyMap.load(folder / SHOP_FILE)
        web = MapFilter(channel="web").events(ws, journey)
        expected["web"] = measure(web, journey).to_dict()
    with serve(folder) as base:
        yield base, expected


def _table(page: str) -> dict[str, list[int]]:
    """Per segment row, the customers shown in each stage's cell."""
    start = page.index('id="breakdown-table"')
    block = page[start : page.index("</section>", start)]
    rows = {}
    for segment, cells in re.findall(r'<tr data-segment="([^"]*)">(.*?)</tr>', block, re.S):
        counts = re.findall(r'<div class="seg-n">([^<]*)</div>', cells)
        rows[html.unescape(segment)] = [int(re.sub(r"\D", "", c)) for c in counts]
    return rows


def _expected(answer: dict) -> dict[str, list[int]]:
    return {
        s["segment"]: [int(r["customers"] or 0) for r in s["stages"]]
        for s in answer["breakdown"]["segments"]
    }


@pytest.mark.parametrize(
    ("query", "by"),
    [
        ("breakdown=channel", "channel"),
        ("breakdown_key=platform", "platform"),  # any property of the first event
        ("breakdown=channel&breakdown_key=platform", "platform"),  # a key typed in wins
    ],
)
def test_breakdown_is_the_measure_of_each_segment(shop, query, by):
    base, expected = shop
    client = login(base, "viewer")
    page = client.get(f"/maps/{SHOP_FILE}?{query}")
    assert page.status_code == 200, page.text[:2000]
    shown = _table(page.text)
    assert shown == _expected(expected[by])
    assert len(shown) >= 2
    # the lanes keep every customer: the same map as without the breakdown
    whole = client.get(f"/maps/{SHOP_FILE}").text
    lanes = page.text[page.text.index('id="journey-map"') :]
    assert lanes == whole[whole.index('id="journey-map"') :]


def test_persona_and_the_words_around_it(shop):
    base, expected = shop
    client = login(base, "viewer")
    page = client.get(f"/maps/{SHOP_FILE}?breakdown=persona")
    assert page.status_code == 200
    segments = expected["persona"]["breakdown"]["segments"]
    if len(segments) >= 2:
        names = {p.id: p.name for p in JourneyMap.loads(gen.SHOP_MAP).personas}
        rows = {names.get(k, k): v for k, v in _expected(expected["persona"]).items()}
        assert _table(page.text) == rows  # a persona shown by its name
        block = page.text[page.text.index('id="breakdown-table"') :]
        assert any(mark in block for mark in ("not significant", "▲", "▼"))
    else:
        assert 'id="breakdown-one"' in page.text
    # An unknown key is said beside the form; the map is still drawn.
    unknown = client.get(f"/maps/{SHOP_FILE}?breakdown_key=nokey")
    assert unknown.status_code == 200 and 'id="breakdown-problem"' in unknown.text
    assert "nokey" in unknown.text and 'id="journey-map"' in unknown.text
    # Hostile text stays text.
    evil = client.get(f"/maps/{SHOP_FILE}", params={"breakdown_key": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in evil.text
    client.cookies.set("recorrido_lang", "es")
    spanish = client.get(f"/maps/{SHOP_FILE}?breakdown=channel")
    assert "Desglose" in spanish.text


def _first_funnel_step(report: str) -> int:
    """The customers on the report's stage funnel's first bar ("N · 100 %")."""
    found = re.search(r'id="fig-funnel">(.*?)</script>', report, re.S)
    bars = json.loads(found.group(1))["data"][0]
    return int(re.sub(r"\D", "", bars["text"][0].split("·")[0]))


def test_the_download_is_the_page_split_and_filtered(shop):
    base, expected = shop
    client = login(base, "viewer")
    client.timeout = 120
    page = client.get(f"/maps/{SHOP_FILE}?breakdown=channel&channel=web")
    link = html.unescape(
        re.search(r'id="export-html"', page.text)
        and re.search(r'href="([^"]*/report\.html[^"]*)" id="export-html"', page.text).group(1)
    )
    assert "breakdown=channel" in link and "channel=web" in link
    # split: the report's segment table, a row per channel
    split = client.get(f"/maps/{SHOP_FILE}/report.html", params={"breakdown": "channel"})
    assert split.status_code == 200
    table = split.text[split.text.index('id="segments"') :]
    table = table[: table.index("</section>")]
    for segment in expected["channel"]["breakdown"]["segments"]:
        assert f">{html.escape(segment['segment'])}<" in table
    assert 'id="segments"' not in client.get(f"/maps/{SHOP_FILE}/report.html").text
    # filtered: the charts read the web channel's events, as the map above them does
    web = client.get(f"/maps/{SHOP_FILE}/report.html", params={"channel": "web"}).text
    whole = client.get(f"/maps/{SHOP_FILE}/report.html").text
    first = expected["web"]["stages"][0]["customers"]
    assert _first_funnel_step(web) == first
    assert _first_funnel_step(whole) > first
    # a key the page could not split by is left out of the download
    unknown = client.get(f"/maps/{SHOP_FILE}?breakdown_key=nokey")
    assert "breakdown" not in re.search(r'href="([^"]*)" id="export-html"', unknown.text).group(1)


@browser_only
def test_in_the_browser_the_breakdown_is_accessible(shop, browser, tmp_path):  # noqa: F811
    base, expected = shop
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    watch = Watch(context, base)
    page = watch.page(context)
    _login(page, base, "viewer")
    page.goto(f"{base}/maps/{SHOP_FILE}")
    page.wait_for_selector("#journey-map")
    # chosen from the form, by keyboard
    page.select_option("#breakdown", "channel")
    page.locator("#breakdown_key").press("Enter")
    page.wait_for_selector("#breakdown-table table")
    assert page.locator("#breakdown-table tbody tr").count() == len(
        expected["channel"]["breakdown"]["segments"]
    )
    _shots(page, tmp_path, "map-breakdown")
    _accessible(page)
    watch.assert_clean()
    context.close()


@browser_only
def test_in_the_browser_the_download_says_it_is_being_prepared(shop, browser):  # noqa: F811
    """The report's download is fetched by the page, which says it is being prepared, then that
    it is done (the file saved), or why it failed, in the page's words."""
    base, _ = shop
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    watch = Watch(context, base)
    page = watch.page(context)
    _login(page, base, "viewer")
    page.goto(f"{base}/maps/{SHOP_FILE}?breakdown=channel")
    page.wait_for_selector("#journey-map")

    def slowly(route):  # the real answer, held a moment, so its waiting state can be seen
        answer = route.fetch()
        time.sleep(0.5)
        route.fulfill(response=answer)

    page.route("**/report.html*", slowly)
    with page.expect_download() as got:
        page.locator("#export-html").focus()
        page.keyboard.press("Enter")  # by keyboard, as a person might
        page.wait_for_selector("#export[aria-busy=true]", timeout=5000)
    download = got.value
    assert download.suggested_filename == "shop-report.html"
    saved = download.path().read_text(encoding="utf-8")
    assert 'id="segments"' in saved  # the page's breakdown went with it
    page.wait_for_selector("#export:not([aria-busy])")
    assert page.locator("#export-status").inner_text() == "Report downloaded."
    # a failure is said beside the links, with the server's words
    page.route(
        "**/report.pdf*",
        lambda route: route.fulfill(
            status=422,
            content_type="text/html",
            body='<p class="error" role="alert">Chromium is not installed</p>',
        ),
    )
    page.locator("#export-pdf").click()
    page.wait_for_selector("#export:not([aria-busy])")
    status = page.locator("#export-status").inner_text()
    assert status == "The report could not be prepared: Chromium is not installed"
    # the browser logs the refused answer's status; nothing else went wrong
    assert [e for e in watch.errors if "422" not in e] == []
    assert watch.dialogs == [] and watch.outside == []
    context.close()
