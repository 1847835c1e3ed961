"""Signed session cookies and the CSRF token that goes with each session.

The cookie holds the user's name and a random session id, signed with itsdangerous and a secret
kept in the workspace (``web_secret.key``, made on first use, readable by its owner only): a
forged or altered cookie is refused, an old one expires after :data:`MAX_AGE`. The cookie is
HttpOnly (no script reads it) and SameSite=Lax (no other site's form posts with it).

Every state-changing request must also carry the CSRF token, an HMAC of the session id: a form
field ``csrf`` or the ``X-CSRF-Token`` header that htmx sends. Before login the same scheme runs on
a short "pre-session" cookie, so the login form is protected too.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "recorrido_session"
PRE_COOKIE = "recorrido_pre"
LANG_COOKIE = "recorrido_lang"
SECRET_FILE = "web_secret.key"
MAX_AGE = 12 * 3600


def workspace_secret(folder: str | Path) -> bytes:
    """The workspace's signing secret, created (0600) the first time."""
    path = Path(folder) / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


class SessionSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._serializer = URLSafeTimedSerializer(secret, salt="recorrido-session")
        self._pre = URLSafeTimedSerializer(secret, salt="recorrido-pre")

    # -- the session of a logged-in user ---------------------------------------------------
    def new_session(self, user: str) -> str:
        return self._serializer.dumps({"u": user, "sid": secrets.token_urlsafe(18)})

    def read_session(self, cookie: str | None) -> dict | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not {"u", "sid"} <= data.keys():
            return None
        return data

    # -- before login ----------------------------------------------------------------------
    def new_pre(self) -> str:
        return self._pre.dumps(secrets.token_urlsafe(18))

    def read_pre(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._pre.loads(cookie, max_age=3600)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    # -- CSRF ------------------------------------------------------------------------------
    def csrf_token(self, sid: str) -> str:
        return hmac.new(self._secret, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str | None, token: str | None) -> bool:
        if not sid or not token:
            return False
        return hmac.compare_digest(self.csrf_token(sid), token)
