"""The report on a desktop and on a phone, in Debian's Chromium through Playwright: screenshots at
1440 px and 390 px, no element wider than the viewport outside a scroll container, a narrow
sticky lane column on the phone, and a Sankey whose early endings sit in their own step's column.

The screenshots are written to ``$RECORRIDO_TEST_ARTIFACTS/report`` when that variable is set
(CI keeps them as artifacts), else to the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from recorrido import Workspace
from recorrido.demo import bundled
from recorrido.journey.templates import load_template
from recorrido.report.export import chromium_path
from recorrido.report.figures import sankey_columns, sankey_figure

pytestmark = pytest.mark.skipif(
    chromium_path() is None, reason="Chromium not installed (apt-get install chromium)"
)

#: Elements wider than the viewport, outside any element that scrolls or clips sideways. Plotly's
#: off-screen measuring boxes (left of the page) are not drawn content.
OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  const held = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) {
        return true;
      }
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || r.right <= 0) continue;
    if ((r.right > width + 1 || r.left < -1) && !held(el)) {
      out.push(`${el.tagName}.${el.getAttribute('class') || ''} ${Math.round(r.left)}..` +
               `${Math.round(r.right)}`);
    }
  }
  return {width, scroll: document.documentElement.scrollWidth, out};
}
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("phone")
    with (
        Workspace.init(folder / "ws", timezone="UTC", language="es") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    with Workspace.open(folder / "ws", read_only=True) as ws:
        measured = ws.measure(load_template("ecommerce", "es"))
        return measured.to_html(folder / "informe.html", lang="es", source=ws)


def _artifacts(tmp_path: Path) -> Path:
    root = os.environ.get("RECORRIDO_TEST_ARTIFACTS")
    folder = Path(root) / "report" if root else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_report_fits_a_desktop_and_a_phone(report, tmp_path):
    pytest.importorskip("playwright.sync_api", reason="playwright not installed ('.[test]')")
    from playwright.sync_api import sync_playwright

    shots = _artifacts(tmp_path)
    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        try:
            for width in (1440, 390):
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, offline=True
                )
                page = context.new_page()
                page.goto(report.resolve().as_uri(), wait_until="load")
                page.wait_for_function(
                    "document.body.getAttribute('data-ready') === '1'", timeout=60_000
                )
                page.screenshot(path=str(shots / f"report-{width}.png"), full_page=True)
                lane = page.locator(".lane-label").first.bounding_box()
                found[width] = {**page.evaluate(OVERFLOW), "lane": lane["width"]}
                context.close()
        finally:
            browser.close()
    for width, seen in found.items():
        assert seen["out"] == [], (width, seen["out"][:10])
        assert seen["scroll"] <= width, (width, seen["scroll"])
        assert (shots / f"report-{width}.png").stat().st_size > 20_000
    assert found[390]["lane"] <= 0.25 * 390  # the sticky lane column leaves the phone its room
    assert found[1440]["lane"] >= 120


def test_sankey_endings_sit_in_their_own_column():
    # a: 1 → 2 → 3 → 4; b declines at step 2; c has a one-step journey
    links = pd.DataFrame(
        [
            (1, "apply", "review", 10),
            (1, "apply", "(end)", 3),
            (2, "review", "offer", 6),
            (2, "review", "declined", 4),
            (3, "offer", "signed", 5),
            (3, "declined", "(end)", 4),
            (3, "offer", "(end)", 1),
        ],
        columns=["step", "source", "target", "customers"],
    )
    places = sankey_columns(links)
    x = {key: round(place[0], 3) for key, place in places.items()}
    assert x[(3, "declined")] == x[(3, "offer")]  # declined at step 3, not beside step 4
    assert x[(2, "(end)")] == x[(2, "review")]  # the one-step journeys end in column 2
    assert x[(4, "(end)")] == x[(4, "signed")]
    assert len({x[k] for k in places}) == 4  # four columns, one per step
    figure = sankey_figure(links, {}, {}, "es")
    node = figure["data"][0]["node"]
    assert figure["data"][0]["arrangement"] == "fixed"
    assert node["label"].count("Fin del recorrido") == 2  # one ending node per column
    assert "(end)" not in node["label"]
    # the one-step journeys are drawn: 3 customers go from 'apply' to its ending
    assert sum(figure["data"][0]["link"]["value"]) == 33


def test_report_sankey_shows_endings(report):
    text = report.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="fig-sankey">(.*?)</script>', text, re.S)
    assert found, "no Sankey figure in the page"
    sankey = json.loads(found.group(1))
    assert "Fin del recorrido" in sankey["data"][0]["node"]["label"]
