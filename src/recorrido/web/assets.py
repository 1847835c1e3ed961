"""The static files the pages use, all served from inside the installed package (no CDN).

htmx and our CSS/JS live in ``recorrido/web/static``; Plotly.js is served straight from the plotly
Python package (it ships ``plotly.min.js``), and the map's look from the report's stylesheet, so
neither is copied. Only the names listed here can be fetched.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from recorrido.web.pages import PageError

router = APIRouter()

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@cache
def _paths() -> dict[str, Path]:
    import plotly

    own = Path(str(files("recorrido.web") / "static"))
    report = Path(str(files("recorrido.report") / "static"))
    return {
        "htmx.min.js": own / "htmx.min.js",
        "web.css": own / "web.css",
        "web.js": own / "web.js",
        "editor.js": own / "editor.js",
        "report.css": report / "report.css",
        "plotly.min.js": Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
    }


@router.get("/static/{name}")
def static_file(name: str):
    path = _paths().get(name)
    if path is None or not path.is_file():
        raise PageError(404, "not_found")
    return FileResponse(
        path,
        media_type=_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
