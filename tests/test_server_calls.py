"""One Segment call checked on its own (no server): what lands, and which refusal a sender gets."""

from __future__ import annotations

import json

import pytest

from recorrido.server.calls import MAX_CALL_BYTES, Refusal, check_call, landed_line

NOW = "2026-12-03T10:00:00Z"


def test_a_plain_call_lands_as_sent_plus_what_segment_adds():
    sent = {
        "type": "track",
        "userId": "u1",
        "event": "Viewed",
        "messageId": "m1",
        "originalTimestamp": "2026-12-03T09:00:00+01:00",
        "properties": {"sku": "A"},
        "writeKey": "rw_secret",
    }
    landed = check_call(sent, NOW)
    assert landed == {
        "type": "track",
        "userId": "u1",
        "event": "Viewed",
        "messageId": "m1",
        "originalTimestamp": "2026-12-03T09:00:00+01:00",
        "properties": {"sku": "A"},
        "receivedAt": NOW,
        "timestamp": "2026-12-03T09:00:00+01:00",
    }
    assert "writeKey" in sent  # the sender's object is left as it was
    line = landed_line(landed)
    assert line.endswith(b"\n") and json.loads(line) == landed


def test_numeric_ids_become_text_and_a_missing_message_id_is_made():
    landed = check_call({"type": "identify", "userId": 42, "anonymousId": 7.5}, NOW)
    assert landed["userId"] == "42" and landed["anonymousId"] == "7.5"
    assert landed["messageId"].startswith("recorrido-") and landed["timestamp"] == NOW


@pytest.mark.parametrize(
    ("call", "key", "params"),
    [
        # several problems: the first in the fixed order (ids, texts, objects, times) is named
        (
            {"type": "track", "event": 3, "userId": [], "properties": "x"},
            "server_wrong_type",
            {"field": "userId", "expected": "string"},
        ),
        (
            {"type": "track", "userId": "u", "sentAt": "soon", "properties": []},
            "server_wrong_type",
            {"field": "properties", "expected": "object"},
        ),
        (
            {"type": "track", "userId": True, "event": "e"},
            "server_wrong_type",
            {"field": "userId", "expected": "string"},
        ),
        (
            {"type": "track", "userId": "u", "event": "e", "sentAt": "yesterday"},
            "server_bad_timestamp",
            {"field": "sentAt", "value": "yesterday"},
        ),
        (
            {"type": "track", "userId": "u", "event": "e", "timestamp": 1700000000},
            "server_wrong_type",
            {"field": "timestamp", "expected": "ISO 8601 text"},
        ),
        ({"type": "track", "userId": " ", "event": "e"}, "server_missing_id", {}),
        ({"type": "track", "userId": "u", "event": ""}, "server_missing_event", {}),
        ({"type": "alias", "userId": "u"}, "server_missing_previous_id", {}),
        ({"type": "bogus", "userId": "u"}, "server_bad_type", {"value": "bogus"}),
    ],
)
def test_the_refusal_names_the_first_problem(call, key, params):
    refusal = check_call(call, NOW)
    assert isinstance(refusal, Refusal)
    assert (refusal.key, refusal.params, refusal.status) == (key, params, 400)


def test_a_call_over_32_kb_is_refused_with_413():
    call = check_call({"type": "track", "userId": "u", "event": "e"}, NOW)
    call["properties"] = {"text": "x" * MAX_CALL_BYTES}
    refusal = landed_line(call)
    assert isinstance(refusal, Refusal) and refusal.status == 413
