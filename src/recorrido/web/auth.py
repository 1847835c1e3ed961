"""Signing in and out, and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from recorrido.web.pages import SECURITY_HEADERS, page, safe_next, state, visit
from recorrido.web.sessions import LANG_COOKIE, MAX_AGE, PRE_COOKIE, SESSION_COOKIE

router = APIRouter()


def _cookie(response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    current = visit(request)
    if current.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    fresh = None
    if not current.sid:
        web = state(request)
        fresh = web.signer.new_pre()
        current.sid = web.signer.read_pre(fresh)
        current.csrf = web.signer.csrf_token(current.sid)
    response = page("login.html.j2", current, next=safe_next(next), error=None)
    if fresh:
        _cookie(response, request, PRE_COOKIE, fresh, 3600)
    return response


@router.post("/login")
def login(
    request: Request,
    name: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/"),
):
    current = visit(request)
    web = state(request)
    if not web.signer.csrf_ok(current.sid, csrf):
        return page("login.html.j2", current, 403, next=safe_next(next), error="csrf_failed")
    user = web.users.authenticate(name.strip(), password)
    if user is None:
        return page("login.html.j2", current, 401, next=safe_next(next), error="login_failed")
    response = RedirectResponse(safe_next(next), status_code=303, headers=SECURITY_HEADERS)
    _cookie(response, request, SESSION_COOKIE, web.signer.new_session(user.name), MAX_AGE)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    current = visit(request)
    response = RedirectResponse("/login", status_code=303, headers=SECURITY_HEADERS)
    if current.user is not None and state(request).signer.csrf_ok(current.sid, csrf):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/"):
    """Remember the language in a cookie (a preference, not a change to data: a GET will do)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in ("es", "en"):
        _cookie(response, request, LANG_COOKIE, code, 365 * 24 * 3600)
    return response
