"""How the server answers problems: one JSON object in the request's language, never a
traceback or an internal path."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from recorrido.errors import RecorridoError
from recorrido.i18n import message

log = logging.getLogger("recorrido.server")


def request_language(request: Request) -> str:
    """``es`` or ``en`` from Accept-Language (highest weight first), else English."""
    header = request.headers.get("accept-language", "")
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        weight = 1.0
        if rest.strip().startswith("q="):
            try:
                weight = float(rest.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, position, tag.strip().lower()[:2]))
    for _, _, code in sorted(ranked):
        if code in ("es", "en"):
            return code
    return "en"


def problem(
    request: Request, status: int, key: str, headers: dict | None = None, **params
) -> JSONResponse:
    lang = request_language(request)
    body = {"success": False, "error": key, "message": message(key, lang, **params)}
    return JSONResponse(body, status_code=status, headers=headers)


class Denied(Exception):
    """A request refused for its key (401 or 403), answered with ``key``'s message."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


def install_answers(app: FastAPI) -> None:
    """Exception handlers that turn every failure into :func:`problem`."""

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem(request, exc.status, exc.key, headers=headers, **exc.params)

    @app.exception_handler(RecorridoError)
    async def _user_error(request: Request, exc: RecorridoError):
        return problem(request, 400, exc.key, **exc.params)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return problem(request, 404, "server_not_found")
        if exc.status_code == 405:
            return problem(request, 405, "server_method")
        if exc.status_code in (401, 403):
            return problem(request, exc.status_code, "server_auth_missing")
        return problem(request, exc.status_code, "server_invalid_request", detail=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        detail = f"{where}: {first.get('msg', '')}".strip(": ")
        return problem(request, 422, "server_invalid_request", detail=detail[:200])

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return problem(request, 500, "server_internal")
