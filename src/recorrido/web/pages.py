"""What every page shares: the Jinja environment (autoescaped), the language, the signed-in user,
the CSRF check and the security headers.

A page handler asks for :func:`viewer` (any signed-in user), :func:`editor` or :func:`admin`;
without a session it is sent to the login page, with too low a role it gets 403. Every POST goes
through :func:`check_csrf`. Pages are answered by :func:`page`, which adds the
Content-Security-Policy: scripts only from this server (htmx, Plotly.js and ours, no inline
script, no eval), nothing fetched from elsewhere, the page never framed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from recorrido.i18n import message
from recorrido.report.render import format_date, format_number, format_percent, json_for_script
from recorrido.web.sessions import (
    LANG_COOKIE,
    PRE_COOKIE,
    SESSION_COOKIE,
    SessionSigner,
    workspace_secret,
)
from recorrido.web.users import User, UserStore

# Inline style attributes stay allowed: the map's layout (grid spans, colours, bar widths) and
# Plotly's own styles are set that way. Scripts are never inline.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class WebState:
    """The web app's per-server state: the workspace folder, its users and its signer."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.users = UserStore(self.folder)
        self.signer = SessionSigner(workspace_secret(self.folder))


def state(request: Request) -> WebState:
    app_state = request.app.state
    web = getattr(app_state, "web", None)
    if web is None:
        web = WebState(app_state.ctx.folder)
        app_state.web = web
    return web


def language(request: Request) -> str:
    """The page language: the cookie the header's switch sets, else the workspace's."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("es", "en"):
        return chosen
    workspace = request.app.state.ctx.workspace
    return workspace.settings.language if workspace.settings.language in ("es", "en") else "es"


@dataclass
class Visit:
    """One request's user, language and CSRF token."""

    request: Request
    user: User | None
    lang: str
    csrf: str
    sid: str | None

    def t(self, key: str, **params: Any) -> str:
        return message(f"web_{key}", self.lang, **params)


def visit(request: Request) -> Visit:
    web = state(request)
    data = web.signer.read_session(request.cookies.get(SESSION_COOKIE))
    user = web.users.get(data["u"]) if data else None
    lang = language(request)
    if user is None:
        sid = web.signer.read_pre(request.cookies.get(PRE_COOKIE))
        return Visit(request, None, lang, web.signer.csrf_token(sid) if sid else "", sid)
    return Visit(request, user, lang, web.signer.csrf_token(data["sid"]), data["sid"])


class LoginNeeded(Exception):
    """No session: the page answers with a redirect to the login page."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class PageError(Exception):
    """A page that cannot be shown (403, 404...): answered as an HTML page in the user's
    language. Our own exception classes, so that the server's JSON error handlers (which
    answer API clients) never reformat a page's answer."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


def _signed_in(request: Request, role: str) -> Visit:
    current = visit(request)
    if current.user is None:
        raise LoginNeeded("/login?next=" + quote(request.url.path))
    if not current.user.can(role):
        raise PageError(403, "forbidden")
    return current


async def login_needed(request: Request, exc: LoginNeeded):
    headers = {"Location": exc.target, **SECURITY_HEADERS}
    if request.headers.get("HX-Request"):
        headers["HX-Redirect"] = exc.target
    return HTMLResponse("", status_code=303, headers=headers)


async def page_error(request: Request, exc: PageError):
    return page("error.html.j2", visit(request), exc.status, key=exc.key)


def viewer(request: Request) -> Visit:
    return _signed_in(request, "viewer")


def editor(request: Request) -> Visit:
    return _signed_in(request, "editor")


def admin(request: Request) -> Visit:
    return _signed_in(request, "admin")


#: Handler parameters: ``current: Viewer`` (any signed-in user), ``Editor`` or ``Admin``.
Viewer = Annotated[Visit, Depends(viewer)]
Editor = Annotated[Visit, Depends(editor)]
Admin = Annotated[Visit, Depends(admin)]


async def check_csrf(request: Request, current: Visit) -> None:
    """Refuse (403) a state-changing request without this session's CSRF token."""
    token = request.headers.get("X-CSRF-Token")
    if token is None:
        form = await request.form()
        token = form.get("csrf")
    signer = state(request).signer
    if not signer.csrf_ok(current.sid, token if isinstance(token, str) else None):
        raise PageError(403, "csrf_failed")


def safe_next(target: str | None) -> str:
    """A local path to go back to (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# -- rendering -------------------------------------------------------------------------------


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("recorrido.web", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "j2", "html.j2"), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson_script"] = json_for_script
    return env


def render(template: str, current: Visit, **context: Any) -> str:
    lang = current.lang

    def num(value, decimals=None):
        return format_number(value, lang, decimals)

    def pct(value):
        return format_percent(value, lang)

    def day(value, with_time=False):
        return format_date(value, lang, with_time=with_time)

    return (
        environment()
        .get_template(template)
        .render(
            t=current.t,
            lang=lang,
            user=current.user,
            csrf=current.csrf,
            path=current.request.url.path,
            query=str(current.request.url.query),
            num=num,
            pct=pct,
            day=day,
            **context,
        )
    )


def page(template: str, current: Visit, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(
        render(template, current, **context), status_code=status_code, headers=SECURITY_HEADERS
    )


def clean(value: Any) -> Any:
    """A JSON-ready copy: NaN becomes ``None``, numpy values become Python ones."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "tolist"):
        return clean(value.tolist())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
