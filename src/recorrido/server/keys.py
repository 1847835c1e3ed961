"""Access keys: write keys for the collection API, read tokens for the JSON API.

A key is a random token shown once; the workspace keeps only its SHA-256 (a fast hash is enough
for 256-bit random tokens, which cannot be guessed from a dictionary) in ``DIR/keys.json``,
written atomically (temporary file, fsync, rename) so a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from recorrido.errors import RecorridoError

KEYS_FILE = "keys.json"
KINDS = ("write", "read")
_PREFIX = {"write": "rw_", "read": "rr_"}


@dataclass
class KeyRecord:
    key_id: str
    kind: str
    name: str
    sha256: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class KeyStore:
    """The keys of one workspace. Re-reads the file when it changed, so keys created or revoked
    with the CLI while the server runs take effect at once."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / KEYS_FILE
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._records: list[KeyRecord] = []

    # -- reading -----------------------------------------------------------------------------
    def records(self) -> list[KeyRecord]:
        with self._lock:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                self._stamp, self._records = None, []
                return []
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                self._records = self._read()
                self._stamp = stamp
            return list(self._records)

    def _read(self) -> list[KeyRecord]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [KeyRecord(**item) for item in data["keys"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RecorridoError(
                "server_keys_file_invalid", path=str(self.path), detail=str(exc)
            ) from exc

    def has_keys(self, kind: str | None = None) -> bool:
        return any(r.active and (kind is None or r.kind == kind) for r in self.records())

    def verify(self, token: str) -> KeyRecord | None:
        """The active key whose token this is, or None."""
        if not token:
            return None
        wanted = digest(token)
        for record in self.records():
            if record.active and hmac.compare_digest(record.sha256, wanted):
                return record
        return None

    # -- changing ----------------------------------------------------------------------------
    def create(self, kind: str = "write", name: str = "") -> tuple[KeyRecord, str]:
        """A new key and its token (the only time the token exists in clear)."""
        if kind not in KINDS:
            raise RecorridoError("server_keys_bad_kind", kind=kind)
        token = _PREFIX[kind] + secrets.token_urlsafe(32)
        record = KeyRecord(
            key_id=secrets.token_hex(4),
            kind=kind,
            name=name,
            sha256=digest(token),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self._write([*self.records(), record])
        return record, token

    def revoke(self, key_id: str) -> KeyRecord:
        records = self.records()
        for record in records:
            if record.key_id == key_id and record.active:
                record.revoked_at = datetime.now(UTC).isoformat(timespec="seconds")
                self._write(records)
                return record
        raise RecorridoError("server_keys_unknown", key_id=key_id)

    def _write(self, records: list[KeyRecord]) -> None:
        text = json.dumps({"keys": [asdict(r) for r in records]}, indent=2)
        write_private(self.path, text)
        with self._lock:
            self._stamp = None


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only, atomically."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
