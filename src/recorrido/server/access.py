"""Who is calling: the key in a request (HTTP Basic user name, a Bearer token, or Segment's
``writeKey`` in the body), checked against the workspace's hashed keys."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request

from recorrido.server.keys import KeyRecord, KeyStore


def token_from_headers(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, _, password = decoded.partition(":")
        return user or password or None  # Segment: the key is the user name, no password
    return None


def identify(keys: KeyStore, token: str | None, local_token: str | None) -> KeyRecord | None:
    """The key a token belongs to; the running server's local token (see ``runfile``) reads."""
    if not token:
        return None
    if local_token and token == local_token:
        return KeyRecord("local", "read", "local CLI", "", "")
    return keys.verify(token)
