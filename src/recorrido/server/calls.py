"""One Segment call checked and made ready to land: the checks a sender is answered with.

The server refuses at once what it can tell is not a usable call (not an object, an unknown type,
no id, a field of the wrong JSON type, a time that is not ISO 8601, a call over 32 KB), so the
sender learns it in the answer. What passes is landed as sent, plus what Segment's own API adds:
a ``messageId`` when the sender gave none, ``receivedAt``, and ``timestamp`` from
``originalTimestamp`` or the time of receipt. The rest of the checks (a time before 1971 or in the
future, a value that is not a number...) are the workspace's ingest's own, applied by the loader
on the landed file like on any file: the one validation path.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

CALL_TYPES = ("track", "identify", "page", "screen", "alias", "group")
#: Segment's documented limits: 32 KB per call, 500 KB per batch request.
MAX_CALL_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
_ID_FIELDS = ("userId", "anonymousId", "previousId", "groupId")
_TEXT_FIELDS = ("event", "name", "channel", "messageId", "category")
_OBJECT_FIELDS = ("properties", "traits", "context", "integrations")
_TIME_FIELDS = ("timestamp", "originalTimestamp", "sentAt")
#: The exact type each known field has when all is well (JSON gives str and dict, never a
#: subclass); a field of another type is looked at in order by _field_refusal.
_EXPECTED: dict[str, type] = {
    **dict.fromkeys(_ID_FIELDS + _TEXT_FIELDS + _TIME_FIELDS, str),
    **dict.fromkeys(_OBJECT_FIELDS, dict),
}


@dataclass
class Refusal:
    """Why a call cannot be accepted: a message key, its parameters and the HTTP status."""

    key: str
    params: dict
    status: int = 400


def check_call(call: object, received_at: str, *, kind: str | None = None) -> dict | Refusal:
    """The call ready to land, or why not. ``kind`` is the type a ``/v1/<type>`` path sets."""
    if not isinstance(call, dict):
        return Refusal("server_not_object", {})
    call = dict(call)
    call.pop("writeKey", None)  # a secret: never written to disk
    if kind is not None:
        call["type"] = kind
    if call.get("type") not in CALL_TYPES:
        return Refusal("server_bad_type", {"value": str(call.get("type"))[:40]})
    if not _plain_fields(call):
        refusal = _field_refusal(call)
        if refusal is not None:
            return refusal
    if call["type"] == "alias":
        if not _given(call.get("previousId")) or not _given(call.get("userId")):
            return Refusal("server_missing_previous_id", {})
    elif not _given(call.get("userId")) and not _given(call.get("anonymousId")):
        return Refusal("server_missing_id", {})
    if call["type"] == "track" and not _given(call.get("event")):
        return Refusal("server_missing_event", {})
    if not _given(call.get("messageId")):
        call["messageId"] = f"recorrido-{uuid.uuid4()}"
    call["receivedAt"] = received_at
    if call.get("timestamp") is None:
        call["timestamp"] = call.get("originalTimestamp") or received_at
    return call


def _plain_fields(call: dict) -> bool:
    """Whether every known field has its usual type (ids as text): the common case, checked in
    one pass over the call's own keys. Anything else goes to :func:`_field_refusal`."""
    for field, value in call.items():
        expected = _EXPECTED.get(field)
        if expected is None or value is None:
            continue
        if type(value) is not expected:
            return False
        if expected is str and field in _TIME_FIELDS and not _is_iso_time(value):
            return False
    return True


def _field_refusal(call: dict) -> Refusal | None:
    """The first field of a wrong type or form, in a fixed order; numeric ids become text."""
    for field in _ID_FIELDS:
        value = call.get(field)
        if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
            return Refusal("server_wrong_type", {"field": field, "expected": "string"})
        if isinstance(value, int | float):
            call[field] = str(value)  # Segment accepts numeric ids and stores them as text
    for field in _TEXT_FIELDS:
        if not isinstance(call.get(field), str | type(None)):
            return Refusal("server_wrong_type", {"field": field, "expected": "string"})
    for field in _OBJECT_FIELDS:
        if not isinstance(call.get(field), dict | type(None)):
            return Refusal("server_wrong_type", {"field": field, "expected": "object"})
    for field in _TIME_FIELDS:
        value = call.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            return Refusal("server_wrong_type", {"field": field, "expected": "ISO 8601 text"})
        if not _is_iso_time(value):
            return Refusal("server_bad_timestamp", {"field": field, "value": value[:60]})
    return None


def landed_line(call: dict) -> bytes | Refusal:
    """The call as one NDJSON line, or a refusal when it is over the per-call limit."""
    line = _ENCODER.encode(call)
    if len(line) > MAX_CALL_BYTES:
        return Refusal(
            "server_call_too_large", {"size": len(line), "limit": MAX_CALL_BYTES}, status=413
        )
    return (line + "\n").encode("ascii")


# One encoder for every call: json.dumps with options builds a new one each time.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, default=str)


def _given(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_iso_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    return True
