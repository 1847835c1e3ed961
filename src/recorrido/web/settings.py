"""The settings page: API tokens for scripts, made and revoked by an admin.

They are the server's own access keys (:mod:`recorrido.server.keys`, the same file as
``recorrido keys``): a *read* token opens the JSON API (``/api/v1`` with ``Authorization: Bearer``),
a *write* key the collection API. A new token is shown once, in the answer to the form that made
it (never in a redirect's address, never stored in clear); the list shows ids, names and dates.
Only admins reach the page; each change is a POST with the session's CSRF token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from recorrido.errors import RecorridoError
from recorrido.server.keys import KINDS, KeyStore
from recorrido.web.pages import Admin, Visit, check_csrf, page

router = APIRouter()
NAME_LIMIT = 80


def _keys(request: Request) -> KeyStore:
    """The running server's key store when it has one (so its cache sees the change at once),
    else one on the workspace folder: the same file either way."""
    collector = getattr(request.app.state, "collector", None)
    keys = getattr(collector, "keys", None)
    return keys if isinstance(keys, KeyStore) else KeyStore(request.app.state.ctx.folder)


def _page(request: Request, current: Visit, status_code: int = 200, **extra):
    try:
        records = sorted(_keys(request).records(), key=lambda r: r.created_at, reverse=True)
    except RecorridoError as exc:  # a keys file broken by hand: say so, list nothing
        records, extra["problem"] = [], exc.localized(current.lang)
    return page(
        "settings.html.j2",
        current,
        status_code,
        records=records,
        kinds=KINDS,
        token=extra.get("token"),
        made=extra.get("made"),
        revoked=extra.get("revoked"),
        problem=extra.get("problem"),
    )


@router.get("/settings")
async def settings_page(request: Request, current: Admin):
    return _page(request, current)


@router.post("/settings/tokens")
async def create_token(request: Request, current: Admin):
    await check_csrf(request, current)
    form = await request.form()
    kind = str(form.get("kind", "read"))
    name = " ".join(str(form.get("name", "")).split())[:NAME_LIMIT]
    try:
        record, token = _keys(request).create(kind, name or f"web: {current.user.name}")
    except RecorridoError as exc:
        return _page(request, current, 422, problem=exc.localized(current.lang))
    return _page(request, current, 201, token=token, made=record)


@router.post("/settings/tokens/revoke")
async def revoke_token(request: Request, current: Admin):
    await check_csrf(request, current)
    form = await request.form()
    key_id = str(form.get("key_id", ""))[:40]
    try:
        record = _keys(request).revoke(key_id)
    except RecorridoError as exc:
        return _page(request, current, 422, problem=exc.localized(current.lang))
    return _page(request, current, revoked=record.key_id)
