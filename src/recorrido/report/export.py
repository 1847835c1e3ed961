"""PNG and PDF of a report through headless Chromium (Playwright drives it).

Playwright is an optional dependency (``pip install 'recorrido[export]'``) and uses the system's
Chromium (Debian: ``apt-get install chromium``): ``RECORRIDO_CHROMIUM`` names another binary.
The page is opened from its file with every request that is not ``file:``, ``data:`` or
``blob:`` refused, and the export waits until the charts are drawn. The PDF is A3 landscape (the
report's print stylesheet); the PNG is the whole page, or its top ``max_height`` pixels.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from recorrido.errors import RecorridoError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def chromium_path() -> str | None:
    """The Chromium binary to use: ``RECORRIDO_CHROMIUM``, /usr/bin/chromium, or on the PATH."""
    wanted = os.environ.get("RECORRIDO_CHROMIUM")
    if wanted:
        return wanted if Path(wanted).exists() else None
    if Path(DEFAULT_CHROMIUM).exists():
        return DEFAULT_CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def offline_page(html_path: str | Path, *, width: int = 1600, height: int = 1000, scale: float = 1):
    """A Playwright page showing ``html_path`` with the network refused, once the charts are
    drawn. Yields ``(page, blocked)``: ``blocked`` lists the URLs that were refused."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RecorridoError("report_export_needs_playwright", detail=str(exc)) from exc
    binary = chromium_path()
    if binary is None:
        where = os.environ.get("RECORRIDO_CHROMIUM") or DEFAULT_CHROMIUM
        raise RecorridoError("report_export_no_chromium", path=where)
    url = Path(html_path).resolve().as_uri()
    blocked: list[str] = []

    def route(request_route):
        request_url = request_route.request.url
        if request_url.startswith(LOCAL_SCHEMES):
            request_route.continue_()
        else:
            blocked.append(request_url)
            request_route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=scale,
                offline=True,
            )
            context.route("**/*", route)
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.wait_for_function(
                "document.body.getAttribute('data-ready') !== '0'", timeout=60_000
            )
            yield page, blocked
        finally:
            browser.close()


def export_png(
    html_path: str | Path,
    png_path: str | Path,
    *,
    width: int = 1600,
    max_height: int | None = None,
    scale: float = 1,
) -> Path:
    """A screenshot of the report: the whole page, or its top ``max_height`` pixels."""
    png_path = Path(png_path)
    try:
        with offline_page(html_path, width=width, scale=scale) as (page, _):
            if max_height is None:
                page.screenshot(path=str(png_path), full_page=True)
            else:
                full = page.evaluate("document.documentElement.scrollHeight")
                clip = {"x": 0, "y": 0, "width": width, "height": min(max_height, full)}
                page.screenshot(path=str(png_path), full_page=True, clip=clip)
    except RecorridoError:
        raise
    except Exception as exc:  # Playwright's errors: a browser that failed to start, a timeout
        raise RecorridoError("report_export_failed", path=png_path, detail=str(exc)) from exc
    return png_path


def export_pdf(html_path: str | Path, pdf_path: str | Path) -> Path:
    """The report printed to PDF with its print stylesheet: A3 landscape."""
    pdf_path = Path(pdf_path)
    try:
        with offline_page(html_path) as (page, _):
            page.emulate_media(media="print")
            page.evaluate("window.recorridoFitPrint && window.recorridoFitPrint()")
            page.pdf(
                path=str(pdf_path),
                format="A3",
                landscape=True,
                print_background=True,
                prefer_css_page_size=True,
            )
    except RecorridoError:
        raise
    except Exception as exc:
        raise RecorridoError("report_export_failed", path=pdf_path, detail=str(exc)) from exc
    return pdf_path
