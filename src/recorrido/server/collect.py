"""The collection API: Segment's HTTP tracking API (``/v1/track`` ... ``/v1/batch``).

A request is read within Segment's size limits (gzip accepted), its key checked and rate-limited,
each call checked (:mod:`recorrido.server.calls`), and the accepted calls appended to the landing
log and fsync'd before the answer ``{"success": true}``. In a batch, good calls are kept and each
refused call is named in the answer (``rejected``: its index, reason and message).
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from recorrido.i18n import message
from recorrido.server.access import identify, token_from_headers
from recorrido.server.answers import problem, request_language
from recorrido.server.calls import (
    CALL_TYPES,
    MAX_BATCH_BYTES,
    MAX_CALL_BYTES,
    Refusal,
    check_call,
    landed_line,
)
from recorrido.server.keys import KeyStore
from recorrido.server.landing import LandingError, LandingLog
from recorrido.server.limits import RateLimiter, retry_after


@dataclass
class Collector:
    """What the collection endpoints share (``app.state.collector``)."""

    keys: KeyStore
    landing: LandingLog
    limiter: RateLimiter
    local_token: str | None = None
    accepted_calls: int = 0
    refused_calls: int = 0
    #: Where the calls refused in a batch go, each with its reason, for the loader to put in the
    #: quarantine (``landing.REFUSED``); None: answered only.
    refused: LandingLog | None = None


class _Stop(Exception):
    def __init__(self, answer: JSONResponse) -> None:
        self.answer = answer


_CALL_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": list(CALL_TYPES)},
        "userId": {"type": "string"},
        "anonymousId": {"type": "string"},
        "previousId": {"type": "string"},
        "groupId": {"type": "string"},
        "messageId": {"type": "string"},
        "event": {"type": "string"},
        "name": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        "properties": {"type": "object"},
        "traits": {"type": "object"},
        "context": {"type": "object"},
    },
}
_BATCH_SCHEMA = {
    "type": "object",
    "required": ["batch"],
    "properties": {
        "batch": {"type": "array", "items": _CALL_SCHEMA},
        "context": {"type": "object"},
        "writeKey": {"type": "string"},
        "sentAt": {"type": "string", "format": "date-time"},
    },
}
_ANSWERS = {
    200: {
        "description": "Accepted and on disk",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "success": {"type": "boolean"},
                        "accepted": {"type": "integer"},
                        "rejected": {"type": "array", "items": {"type": "object"}},
                    },
                }
            }
        },
    },
    **{
        code: {"description": text}
        for code, text in (
            (400, "A call that cannot be used"),
            (401, "No key, or a wrong key"),
            (413, "Over Segment's size limits (32 KB a call, 500 KB a batch)"),
            (429, "Rate limited: see Retry-After"),
            (503, "Could not be put on disk: not accepted, retry"),
        )
    },
}

log = logging.getLogger("recorrido.server")
router = APIRouter(prefix="/v1", tags=["collect (Segment tracking API)"])


def _body_spec(schema: dict) -> dict:
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "security": [{"writeKey": []}],
    }


async def _read_limited(request: Request, limit: int, what: str) -> bytes:
    """The body, decompressed when gzip, refused with 413 past ``limit`` bytes of JSON."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity", "gzip"):
        raise _Stop(problem(request, 400, "server_bad_encoding", encoding=encoding[:40]))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and encoding != "gzip" and int(declared) > limit:
        raise _Stop(_too_large(request, int(declared), limit, what))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Stop(_too_large(request, size, limit, what))
        chunks.append(chunk)
    raw = b"".join(chunks)
    if encoding != "gzip":
        return raw
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, limit + 1)  # never more than the limit: no zip bomb
    except zlib.error:
        raise _Stop(problem(request, 400, "server_bad_gzip")) from None
    if len(data) > limit:
        raise _Stop(_too_large(request, len(data), limit, what))
    if not inflater.eof:
        raise _Stop(problem(request, 400, "server_bad_gzip"))
    return data


def _too_large(request: Request, size: int, limit: int, what: str) -> JSONResponse:
    return problem(request, 413, "server_too_large", size=size, limit=limit, what=what)


def _parse(request: Request, data: bytes) -> dict:
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise _Stop(problem(request, 400, "server_bad_json", detail=detail)) from None
    if not isinstance(body, dict):
        raise _Stop(problem(request, 400, "server_not_object"))
    return body


def _authorize(request: Request, collector: Collector, body: dict | None, token: str | None) -> str:
    """The caller's key id, from the header's ``token`` or else the body's ``writeKey``;
    ``body`` None checks the header's key before the body is read."""
    if token is None and body is not None and isinstance(body.get("writeKey"), str):
        token = body["writeKey"]
    if not token:
        raise _Stop(problem(request, 401, "server_auth_missing", headers=_CHALLENGE))
    record = identify(collector.keys, token, None)
    if record is None:
        raise _Stop(problem(request, 401, "server_auth_wrong", headers=_CHALLENGE))
    if record.kind != "write":
        raise _Stop(problem(request, 403, "server_auth_kind", kind=record.kind, needed="write"))
    wait = collector.limiter.take(record.key_id)
    if wait:
        seconds = retry_after(wait)
        raise _Stop(
            problem(
                request,
                429,
                "server_rate_limited",
                headers={"Retry-After": seconds},
                seconds=seconds,
            )
        )
    return record.key_id


_CHALLENGE = {"WWW-Authenticate": 'Basic realm="recorrido"'}


async def _collect(request: Request, kind: str | None) -> Response:
    collector: Collector = request.app.state.collector
    try:
        limit, what = (MAX_CALL_BYTES, "call") if kind else (MAX_BATCH_BYTES, "batch")
        token = token_from_headers(request)
        if token is not None:
            _authorize(request, collector, None, token)  # a wrong key is refused before reading
            body = _parse(request, await _read_limited(request, limit, what))
        else:
            body = _parse(request, await _read_limited(request, limit, what))
            _authorize(request, collector, body, None)
        received = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        if kind is None:
            calls = body.get("batch")
            if not isinstance(calls, list):
                raise _Stop(problem(request, 400, "server_batch_not_list"))
            if not calls:
                raise _Stop(problem(request, 400, "server_batch_empty"))
            shared_context = body.get("context")
            if isinstance(shared_context, dict):
                calls = [
                    {**c, "context": shared_context}
                    if isinstance(c, dict) and c.get("context") is None
                    else c
                    for c in calls
                ]
        else:
            calls = [body]
        lines: list[bytes] = []
        rejected: list[tuple[int, Refusal]] = []
        for index, call in enumerate(calls):
            checked = check_call(call, received, kind=kind)
            line = checked if isinstance(checked, Refusal) else landed_line(checked)
            if isinstance(line, Refusal):
                rejected.append((index, line))
            else:
                lines.append(line)
        collector.refused_calls += len(rejected)
        if kind is not None and rejected:
            refusal = rejected[0][1]
            return problem(request, refusal.status, refusal.key, **refusal.params)
        lang = request_language(request) if rejected else "en"
        listed = [
            {"index": i, "error": r.key, "message": message(r.key, lang, **r.params)}
            for i, r in rejected
        ]
        if kind is None and rejected and collector.refused is not None:
            # On disk before the answer, like the good calls: each refused call reaches the
            # quarantine with the reason it was answered with.
            try:
                await collector.refused.append_async(_refusal_lines(calls, rejected, received))
            except (LandingError, OSError):
                log.exception("landing the refused calls failed; nothing was acknowledged")
                return problem(request, 503, "server_landing_failed", headers={"Retry-After": "5"})
        if not lines:
            status = 413 if all(r.status == 413 for _, r in rejected) else 400
            first = rejected[0][1]
            answer = {
                "success": False,
                "error": first.key,
                "message": message(first.key, lang, **first.params),
                "rejected": listed,
            }
            return JSONResponse(answer, status_code=status)
        try:
            await collector.landing.append_async(b"".join(lines))
        except (LandingError, OSError):
            log.exception("landing failed; the calls were not acknowledged")
            return problem(request, 503, "server_landing_failed", headers={"Retry-After": "5"})
        collector.accepted_calls += len(lines)
    except _Stop as stop:
        return stop.answer
    if rejected:
        return JSONResponse({"success": True, "accepted": len(lines), "rejected": listed})
    return Response(_SUCCESS, media_type="application/json")


_SUCCESS = b'{"success":true}'
#: The longest text of a refused call kept in the quarantine (a call over the size limit is
#: kept cut, so the quarantine does not grow by what the limit kept out).
MAX_REFUSED_RECORD = 8 * 1024


def _refusal_lines(calls: list, rejected: list[tuple[int, Refusal]], received: str) -> bytes:
    """One NDJSON line per refused call: its index in the batch, the field, the reason's key
    and English sentence, and the call as sent (without its write key)."""
    lines = []
    for index, refusal in rejected:
        call = calls[index]
        if isinstance(call, dict):
            call = {k: v for k, v in call.items() if k != "writeKey"}
        record = json.dumps(call, ensure_ascii=False, default=str)[:MAX_REFUSED_RECORD]
        line = {
            "row": index,
            "column": refusal.params.get("field"),
            "reason_code": refusal.key,
            "detail": message(refusal.key, "en", **refusal.params),
            "record": record,
            "received_at": received,
        }
        lines.append(json.dumps(line, ensure_ascii=True) + "\n")
    return "".join(lines).encode("ascii")


def _endpoint(kind: str | None):
    async def collect(request: Request) -> Response:
        return await _collect(request, kind)

    collect.__name__ = f"collect_{kind or 'batch'}"
    collect.__doc__ = (
        f"Segment `{kind}` call." if kind else 'Segment batch: {"batch": [call, ...]}.'
    )
    return collect


class CollectFastPath:
    """The collection endpoints served before FastAPI's router: plain ASGI for ``POST /v1/...``.

    A single ``track`` call costs about 120 µs of CPU in :func:`_collect`; FastAPI's route
    matching and dependency solving added some 90 µs more to each. The routes stay declared on
    the router (OpenAPI, and any other method or path goes through it); an unexpected error still
    reaches the app's error middleware, which answers the fixed 500."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            kind = _FAST_PATHS.get(scope["path"], _OTHER)
            if kind is not _OTHER:
                response = await _collect(Request(scope, receive), kind)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


_OTHER = object()
_FAST_PATHS: dict[str, str | None] = {
    **{f"/v1/{kind}": kind for kind in CALL_TYPES},
    "/v1/batch": None,
    "/v1/import": None,
}

for _kind in CALL_TYPES:
    router.add_api_route(
        f"/{_kind}",
        _endpoint(_kind),
        methods=["POST"],
        responses=_ANSWERS,
        openapi_extra=_body_spec(_CALL_SCHEMA),
    )
for _path in ("batch", "import"):
    router.add_api_route(
        f"/{_path}",
        _endpoint(None),
        methods=["POST"],
        responses=_ANSWERS,
        openapi_extra=_body_spec(_BATCH_SCHEMA),
        name=f"collect_{_path}",
    )
