"""The report in a real browser: Debian's Chromium, driven by Playwright, with the network cut.

The page must draw the stages, the flow band, the emotion curve and the charts (elements present
with a non-zero size), log no error, make no request, and give a screenshot that is not blank.
A map full of hostile names must stay text: no dialog, no injected element. Skipped (saying why)
only where Chromium or Playwright is missing; ``.ci/run`` installs both.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from recorrido import Workspace
from recorrido.demo import bundled
from recorrido.journey import JourneyMap
from recorrido.journey.templates import load_template
from recorrido.report.export import chromium_path, export_pdf, export_png

RECORRIDO = Path(sys.executable).with_name("recorrido")
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(2)</script>",
    '<a href="javascript:alert(3)">x</a>',
]

pytestmark = pytest.mark.skipif(
    chromium_path() is None, reason="Chromium not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def otto(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "ws"
    with (
        Workspace.init(folder, timezone="UTC", language="es") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    return folder


def _report(otto: Path, journey: JourneyMap, path: Path, lang: str = "es") -> Path:
    with Workspace.open(otto, read_only=True) as ws:
        measured = ws.measure(journey, inactivity="7d")
        return measured.to_html(path, lang=lang, source=ws)


def _open(html: Path):
    """Open ``html`` offline; returns (playwright objects to close, page, problems)."""
    pytest.importorskip("playwright.sync_api", reason="playwright not installed ('.[test]')")
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    playwright = manager.start()
    browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, offline=True)
    problems = {"console": [], "page": [], "requests": [], "dialogs": []}

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            problems["requests"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: problems["console"].append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: problems["page"].append(str(e)))

    def dialog(d):
        problems["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(html.resolve().as_uri(), wait_until="load")
    page.wait_for_function("document.body.getAttribute('data-ready') !== '0'", timeout=60_000)
    return (manager, browser), page, problems


def _close(handles) -> None:
    manager, browser = handles
    browser.close()
    manager.__exit__(None, None, None)


def _visible(page, selector: str) -> int:
    boxes = [e.bounding_box() for e in page.query_selector_all(selector)]
    assert boxes, f"nothing matches {selector}"
    for box in boxes:
        assert box and box["width"] > 0 and box["height"] > 0, selector
    return len(boxes)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG with the standard library: width, height, rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i : i + 3]) for r in rows for i in range(0, stride, bpp * 7)]


def test_demo_report_renders_offline(otto, tmp_path):
    html = _report(otto, load_template("ecommerce", "es"), tmp_path / "informe.html")
    handles, page, problems = _open(html)
    try:
        assert _visible(page, ".stage-head") == 5
        _visible(page, ".phase")
        _visible(page, ".flow .bar")
        _visible(page, ".flow .band")
        _visible(page, ".emotion-curve")
        assert _visible(page, ".emotion-curve path.emo-line") >= 4
        assert _visible(page, ".emo-dot") == 5
        assert _visible(page, ".tp") == 11
        _visible(page, "#chart-sankey .main-svg")
        assert _visible(page, "#chart-sankey .sankey-node") >= 3
        _visible(page, "#chart-funnel .main-svg")
        _visible(page, "#chart-paths .main-svg")
        _visible(page, "#chart-retention .main-svg")
        text = page.inner_text("body")
        assert "65 % de los clientes que llegan a «Consideración» no llegan a «Compra»" in text
        shot = tmp_path / "shot.png"
        page.screenshot(path=str(shot), full_page=True)
        # No element of the page points to the network.
        remote = page.evaluate(
            """[...document.querySelectorAll('[src],[href]')]
                 .map(e => e.getAttribute('src') || e.getAttribute('href'))
                 .filter(u => /^(https?:)?\\/\\//i.test(u))"""
        )
    finally:
        _close(handles)
    assert problems == {"console": [], "page": [], "requests": [], "dialogs": []}
    assert remote == []
    width, height, pixels = png_pixels(shot.read_bytes())
    assert width == 1600 and height > 2000
    assert len(set(pixels)) > 200  # a drawn page, not a blank one


def _hostile_map() -> JourneyMap:
    data = load_template("ecommerce", "es").model_dump(mode="json", exclude_none=True)
    data["name"] = HOSTILE[0]
    data["description"] = HOSTILE[1]
    data["personas"][0]["name"] = HOSTILE[0]
    data["personas"][0]["needs"] = HOSTILE
    data["objectives"][0]["text"] = HOSTILE[1]
    data["objectives"][0]["target"] = HOSTILE[2]
    for i, stage in enumerate(data["stages"]):
        stage["name"] = HOSTILE[i % len(HOSTILE)]
        stage["pain_points"] = [HOSTILE[(i + 1) % len(HOSTILE)]]
        stage["emotion"]["words"] = [HOSTILE[(i + 2) % len(HOSTILE)]]
        for j, tp in enumerate(stage["touchpoints"]):
            tp["name"] = HOSTILE[(i + j) % len(HOSTILE)] + f" {j}"
            tp["owner"] = HOSTILE[(i + j + 1) % len(HOSTILE)]
            tp["channel"] = HOSTILE[1] if tp["id"] == "search" else tp.get("channel")
    return JourneyMap.model_validate(data)


def test_hostile_names_stay_text(otto, tmp_path):
    html_path = _report(otto, _hostile_map(), tmp_path / "xss.html")
    html = html_path.read_text(encoding="utf-8")
    page_only = re.sub(r"<script>\s*/\*\*\s*\n?\s*\* plotly\.js.*?</script>", "", html, flags=re.S)
    assert "<script>alert" not in page_only
    assert "<img src=x" not in page_only
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_only
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page_only
    assert "</script><script>alert(2)" not in page_only
    handles, page, problems = _open(html_path)
    try:
        assert page.query_selector_all("img") == []
        assert page.query_selector_all("a") == []
        scripts = page.evaluate(
            "[...document.scripts].filter(s => !s.type || s.type === 'text/javascript').length"
        )
        text = page.inner_text("body")
        assert page.title().startswith(HOSTILE[0])
        _visible(page, "#chart-sankey .sankey-node")
        sankey_text = page.inner_text("#chart-sankey")
    finally:
        _close(handles)
    assert problems["dialogs"] == [] and problems["page"] == []
    assert scripts == 2  # plotly.js and the report's own: nothing injected
    for payload in HOSTILE:
        assert payload in text
    assert "<script>alert(1)</script>" in sankey_text or "alert(1)" in sankey_text


def test_cli_report_png_and_pdf(otto, tmp_path):
    pytest.importorskip("playwright.sync_api", reason="playwright not installed ('.[test]')")
    map_file = tmp_path / "mapa.yaml"
    load_template("ecommerce", "en").save(map_file)
    out = tmp_path / "out" / "report.html"
    done = subprocess.run(
        [
            str(RECORRIDO),
            "report",
            str(map_file),
            "-w",
            str(otto),
            "-o",
            str(out),
            "--png",
            "--pdf",
            "--inactivity",
            "7d",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Report written to" in done.stdout  # the map's language (en) picks the words
    assert '<html lang="en">' in out.read_text(encoding="utf-8")
    width, _, pixels = png_pixels(out.with_suffix(".png").read_bytes())
    assert width == 1600 and len(set(pixels)) > 200
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(
        abs(float(w) - 1190.55) < 2 and abs(float(h) - 841.89) < 2 for w, h in boxes
    )


def test_export_functions(otto, tmp_path):
    html = _report(otto, load_template("ecommerce", "en"), tmp_path / "r.html", lang="en")
    png = export_png(html, tmp_path / "top.png", max_height=900)
    width, height, _ = png_pixels(png.read_bytes())
    assert (width, height) == (1600, 900)
    assert export_pdf(html, tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
