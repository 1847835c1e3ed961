"""Who may use the web app: users with a role, stored in the workspace as ``users.json``.

Passwords are hashed with Argon2id (argon2-cffi, its default parameters); the file never holds a
password. Roles are ordered: a *viewer* reads, an *editor* also changes maps, an *admin* also
manages users. The file is written whole to a temporary file and renamed, readable by its owner
only, so a crash never leaves half a user list.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from recorrido.errors import RecorridoError

USERS_FILE = "users.json"
ROLES = ("viewer", "editor", "admin")
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()


@dataclass
class User:
    name: str
    role: str
    password_hash: str
    created_at: str

    def can(self, role: str) -> bool:
        """Whether this user has ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


class UserStore:
    """The users of one workspace folder."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / USERS_FILE

    def all(self) -> list[User]:
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return [User(**row) for row in data.get("users", [])]

    def get(self, name: str) -> User | None:
        return next((u for u in self.all() if u.name == name), None)

    def add(self, name: str, password: str, role: str = "viewer") -> User:
        """Add a user, or replace the password and role of an existing one."""
        if not _NAME.match(name):
            raise RecorridoError("web_user_name_invalid", name=name)
        if role not in ROLES:
            raise RecorridoError("web_role_unknown", role=role, roles=", ".join(ROLES))
        if len(password) < MIN_PASSWORD:
            raise RecorridoError("web_password_short", n=MIN_PASSWORD)
        user = User(
            name=name,
            role=role,
            password_hash=_hasher.hash(password),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        users = [u for u in self.all() if u.name != name] + [user]
        self._write(users)
        return user

    def remove(self, name: str) -> bool:
        users = self.all()
        kept = [u for u in users if u.name != name]
        self._write(kept)
        return len(kept) != len(users)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else ``None`` (same work either way)."""
        user = self.get(name)
        if user is None:
            # Hash anyway so that a wrong name takes as long as a wrong password.
            _hasher.hash(password)
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return user

    def _write(self, users: list[User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"users": [asdict(u) for u in users]}, indent=2, ensure_ascii=False)
        temporary = self.path.with_suffix(".json.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(temporary, self.path)
