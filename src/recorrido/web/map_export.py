"""The map page's download: the report of ``recorrido report`` for the map as the page shows it
(same filter: dates, channel, persona, property; and its breakdown), as HTML, PNG or PDF.

The HTML is ``report_html`` on the cached measured map, read on the server's one connection; the
PNG and PDF are that HTML rendered by headless Chromium (``report.export``, Playwright) in a
worker thread, outside the connection, from a temporary folder that is removed afterwards. The
answer is an attachment; the HTML is also served under ``Content-Security-Policy: sandbox
allow-scripts``, so that opened in place its scripts (the charts) run in an opaque origin,
never with the app's cookies.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from recorrido.errors import RecorridoError
from recorrido.web.map_breakdown import breakdown_of
from recorrido.web.map_files import map_path
from recorrido.web.map_view import MapFilter, measured_map
from recorrido.web.pages import Viewer, page

router = APIRouter()

FORMATS = {
    "html": "text/html; charset=utf-8",
    "png": "image/png",
    "pdf": "application/pdf",
}


def download_name(map_file: str, suffix: str) -> str:
    """A plain ASCII file name for the download, from the map's file name."""
    stem = Path(map_file).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem).strip("-.") or "map"
    return f"{clean[:60]}-report.{suffix}"


def _report_html(workspace, path: Path, where: MapFilter, lang: str, breakdown: str = "") -> str:
    """The report of the map as the page shows it: measured under its filter, and its charts
    and persona counts read from the same events (the channel, persona and property filter; the
    dates are the measured map's own), split by the page's breakdown when one is chosen (the
    report's segment table)."""
    from recorrido.feedback.curve import report_feedback
    from recorrido.report.build import report_html

    measured = measured_map(workspace, path, where, breakdown=breakdown)
    narrowed = where.channel or where.persona or where.prop
    return report_html(
        measured,
        source=where.events(workspace, measured.journey) if narrowed else workspace,
        lang=lang,
        feedback=report_feedback(workspace, measured.journey),
    )


def _render(html: str, kind: str) -> bytes:
    """The report's HTML drawn by Chromium as PNG or PDF bytes."""
    from recorrido.report.export import export_pdf, export_png

    with tempfile.TemporaryDirectory(prefix="recorrido-export-") as folder:
        source = Path(folder) / "report.html"
        source.write_text(html, encoding="utf-8")
        target = Path(folder) / f"report.{kind}"
        (export_png if kind == "png" else export_pdf)(source, target)
        return target.read_bytes()


@router.get("/maps/{name}/report.{kind}")
async def report(request: Request, name: str, kind: str, current: Viewer):
    ctx = request.app.state.ctx
    path = map_path(ctx.folder, name)
    try:
        if kind not in FORMATS:
            raise RecorridoError("web_map_export_format", format=kind[:10])
        html = await ctx.arun(
            _report_html, path, MapFilter.of(request), current.lang, breakdown_of(request)
        )
        body = (
            html.encode("utf-8") if kind == "html" else await run_in_threadpool(_render, html, kind)
        )
    except RecorridoError as exc:
        status = 404 if kind not in FORMATS else 422
        return page(
            "map_error.html.j2", current, status, name=name, problem=exc.localized(current.lang)
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{download_name(name, kind)}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Content-Security-Policy": "sandbox allow-scripts",
    }
    return Response(body, media_type=FORMATS[kind], headers=headers)
